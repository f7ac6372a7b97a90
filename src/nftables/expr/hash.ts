// hash: dreg = hash(sreg, len, seed) % modulus + offset (jhash), or a
// symmetric hash of the flow (symhash).

import { ValidationError } from '../../errors.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_HASH_JENKINS 0, NFT_HASH_SYM 1. */
export const HASH_TYPES = ['jhash', 'symhash'] as const;
export type HashType = (typeof HASH_TYPES)[number];

export interface HashExpr extends ExprExtras {
  type: 'hash';
  /** jhash: the register holding the input. */
  sreg?: number;
  dreg: number;
  /** jhash: input bytes. */
  len?: number;
  modulus: number;
  /** jhash: the seed. */
  seed?: number;
  /** Added to the result. */
  offset?: number;
  /** jhash when left out. */
  hashType?: HashType | number;
}

export const hashCodec = registerExpr(defineExpr<HashExpr>('hash', [
  { attr: 1, name: 'NFTA_HASH_SREG', key: 'sreg', kind: 'reg' },
  { attr: 2, name: 'NFTA_HASH_DREG', key: 'dreg', kind: 'reg', required: true },
  { attr: 3, name: 'NFTA_HASH_LEN', key: 'len', kind: 'u32' },
  { attr: 4, name: 'NFTA_HASH_MODULUS', key: 'modulus', kind: 'u32', required: true },
  { attr: 5, name: 'NFTA_HASH_SEED', key: 'seed', kind: 'u32' },
  { attr: 6, name: 'NFTA_HASH_OFFSET', key: 'offset', kind: 'u32' },
  { attr: 7, name: 'NFTA_HASH_TYPE', key: 'hashType', kind: { enum: { 0: 'jhash', 1: 'symhash' } } },
], (e) => {
  let s = e.hashType === 'symhash' || e.hashType === 1
    ? `reg ${e.dreg} = symhash() % mod ${e.modulus ?? 0} `
    : `reg ${e.dreg ?? 0} = jhash(reg ${e.sreg ?? 0}, ${e.len ?? 0}, 0x${((e.seed ?? 0) >>> 0).toString(16)}) % mod ${e.modulus ?? 0} `;
  if (e.offset) s += `offset ${e.offset} `;
  return s;
}, {
  validate(e, field) {
    const sym = e.hashType === 'symhash' || e.hashType === 1;
    if (!sym && (e.sreg === undefined || e.len === undefined)) throw new ValidationError(field, 'jhash needs sreg and len');
    if (e.modulus < 1) throw new ValidationError(`${field}.modulus`, 'must be at least 1');
  },
}));
