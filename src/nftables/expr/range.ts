// range: compare a register with an inclusive range [from, to] (operands in
// network byte order, compared with memcmp).

import { ValidationError } from '../../errors.js';
import { checkBytes, enumValue, printName } from './common.js';
import { defineExpr, formatValueWords, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_RANGE_EQ 0, NFT_RANGE_NEQ 1. */
export const RANGE_OPS = ['eq', 'neq'] as const;
export type RangeOp = (typeof RANGE_OPS)[number];

export interface RangeExpr extends ExprExtras {
  type: 'range';
  sreg: number;
  /** eq: inside the range; neq: outside it. */
  op: RangeOp | number;
  /** Lower bound, in the register's byte order (at most 16 bytes). */
  from: Uint8Array;
  /** Upper bound, same length as from. */
  to: Uint8Array;
}

export const rangeCodec = registerExpr(defineExpr<RangeExpr>('range', [
  { attr: 1, name: 'NFTA_RANGE_SREG', key: 'sreg', kind: 'reg', required: true },
  { attr: 2, name: 'NFTA_RANGE_OP', key: 'op', kind: { enum: { 0: 'eq', 1: 'neq' } }, required: true },
  { attr: 3, name: 'NFTA_RANGE_FROM_DATA', key: 'from', kind: 'data', required: true },
  { attr: 4, name: 'NFTA_RANGE_TO_DATA', key: 'to', kind: 'data', required: true },
], (e) => `${printName(RANGE_OPS, enumValue(RANGE_OPS, e.op))} reg ${e.sreg} ${words(e.from)}${words(e.to)}`, {
  validate(e, field) {
    checkBytes(`${field}.from`, e.from, 1, 16);
    checkBytes(`${field}.to`, e.to, 1, 16);
    if (e.from.length !== e.to.length) throw new ValidationError(`${field}.to`, 'must be as long as from');
  },
}));

function words(v: unknown): string {
  // A verdict where a value belongs prints as libnftnl prints an empty value.
  return v instanceof Uint8Array ? formatValueWords(v) : '';
}
