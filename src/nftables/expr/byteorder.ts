// byteorder: converts a register between host and network byte order, in
// elements of 2, 4 or 8 bytes (nft puts one before ordered comparisons of
// host-order fields such as meta length).

import { ValidationError } from '../../errors.js';
import { enumValue, printName } from './common.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_BYTEORDER_NTOH 0, NFT_BYTEORDER_HTON 1. */
export const BYTEORDER_OPS = ['ntoh', 'hton'] as const;
export type ByteorderOp = (typeof BYTEORDER_OPS)[number];

export interface ByteorderExpr extends ExprExtras {
  type: 'byteorder';
  sreg: number;
  dreg: number;
  op: ByteorderOp | number;
  /** Bytes converted. */
  len: number;
  /** Element size: 2, 4 or 8. */
  size: number;
}

export const byteorderCodec = registerExpr(defineExpr<ByteorderExpr>('byteorder', [
  { attr: 1, name: 'NFTA_BYTEORDER_SREG', key: 'sreg', kind: 'reg', required: true },
  { attr: 2, name: 'NFTA_BYTEORDER_DREG', key: 'dreg', kind: 'reg', required: true },
  { attr: 3, name: 'NFTA_BYTEORDER_OP', key: 'op', kind: { enum: { 0: 'ntoh', 1: 'hton' } }, required: true },
  { attr: 4, name: 'NFTA_BYTEORDER_LEN', key: 'len', kind: 'u32', required: true },
  { attr: 5, name: 'NFTA_BYTEORDER_SIZE', key: 'size', kind: 'u32', required: true },
], (e) => `reg ${e.dreg} = ${printName(BYTEORDER_OPS, enumValue(BYTEORDER_OPS, e.op))}(reg ${e.sreg}, ${e.size}, ${e.len}) `, {
  validate(e, field) {
    if (![2, 4, 8].includes(e.size)) throw new ValidationError(`${field}.size`, 'must be 2, 4 or 8');
  },
}));
