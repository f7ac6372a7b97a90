// numgen: dreg = (counter or random number) % modulus + offset.

import { ValidationError } from '../../errors.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_NG_INCREMENTAL 0, NFT_NG_RANDOM 1. */
export const NUMGEN_MODES = ['inc', 'random'] as const;
export type NumgenMode = (typeof NUMGEN_MODES)[number];

export interface NumgenExpr extends ExprExtras {
  type: 'numgen';
  dreg: number;
  modulus: number;
  /** An incrementing counter or a random number. */
  mode: NumgenMode | number;
  /** Added to the result. */
  offset?: number;
}

export const numgenCodec = registerExpr(defineExpr<NumgenExpr>('numgen', [
  { attr: 1, name: 'NFTA_NG_DREG', key: 'dreg', kind: 'reg', required: true },
  { attr: 2, name: 'NFTA_NG_MODULUS', key: 'modulus', kind: 'u32', required: true },
  { attr: 3, name: 'NFTA_NG_TYPE', key: 'mode', kind: { enum: { 0: 'inc', 1: 'random' } }, required: true },
  { attr: 4, name: 'NFTA_NG_OFFSET', key: 'offset', kind: 'u32' },
], (e) => {
  const mode = e.mode === 'inc' || e.mode === 0 ? 'inc' : e.mode === 'random' || e.mode === 1 ? 'random' : undefined;
  // libnftnl prints nothing at all for a mode it does not know.
  if (!mode) return '';
  return `reg ${e.dreg} = ${mode} mod ${e.modulus ?? 0} ${e.offset ? `offset ${e.offset} ` : ''}`;
}, {
  validate(e, field) {
    if (e.modulus < 1) throw new ValidationError(`${field}.modulus`, 'must be at least 1');
  },
}));
