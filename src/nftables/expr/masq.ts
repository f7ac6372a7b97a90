// masq: source NAT to the address of the outgoing interface.

import { natRegs } from './nat.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_MASQ_FLAGS = 1;
export const NFTA_MASQ_REG_PROTO_MIN = 2;
export const NFTA_MASQ_REG_PROTO_MAX = 3;

export interface MasqExpr extends ExprExtras {
  type: 'masq';
  /** NFTA_MASQ_FLAGS: NF_NAT_RANGE_* bits (random 0x4, persistent 0x8, fully-random 0x10 …). */
  flags?: number;
  /** NFTA_MASQ_REG_PROTO_MIN: register holding the first port. */
  sregProtoMin?: number;
  /** NFTA_MASQ_REG_PROTO_MAX: register holding the last port. */
  sregProtoMax?: number;
}

export const masqCodec = registerExpr(defineExpr<MasqExpr>('masq', [
  { attr: NFTA_MASQ_FLAGS, name: 'NFTA_MASQ_FLAGS', key: 'flags', kind: 'u32' },
  { attr: NFTA_MASQ_REG_PROTO_MIN, name: 'NFTA_MASQ_REG_PROTO_MIN', key: 'sregProtoMin', kind: 'reg' },
  { attr: NFTA_MASQ_REG_PROTO_MAX, name: 'NFTA_MASQ_REG_PROTO_MAX', key: 'sregProtoMax', kind: 'reg' },
], (e) => natRegs(undefined, undefined, e.sregProtoMin, e.sregProtoMax) + (e.flags !== undefined ? `flags 0x${e.flags.toString(16)} ` : '')));
