// redir: destination NAT to the local machine, optionally to other ports.

import { natRegs } from './nat.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_REDIR_REG_PROTO_MIN = 1;
export const NFTA_REDIR_REG_PROTO_MAX = 2;
export const NFTA_REDIR_FLAGS = 3;

export interface RedirExpr extends ExprExtras {
  type: 'redir';
  /** NFTA_REDIR_REG_PROTO_MIN: register holding the first port. */
  sregProtoMin?: number;
  /** NFTA_REDIR_REG_PROTO_MAX: register holding the last port (the kernel dumps it = min when not sent). */
  sregProtoMax?: number;
  /** NFTA_REDIR_FLAGS: NF_NAT_RANGE_* bits. */
  flags?: number;
}

export const redirCodec = registerExpr(defineExpr<RedirExpr>('redir', [
  { attr: NFTA_REDIR_REG_PROTO_MIN, name: 'NFTA_REDIR_REG_PROTO_MIN', key: 'sregProtoMin', kind: 'reg' },
  { attr: NFTA_REDIR_REG_PROTO_MAX, name: 'NFTA_REDIR_REG_PROTO_MAX', key: 'sregProtoMax', kind: 'reg' },
  { attr: NFTA_REDIR_FLAGS, name: 'NFTA_REDIR_FLAGS', key: 'flags', kind: 'u32' },
], (e) => natRegs(undefined, undefined, e.sregProtoMin, e.sregProtoMax) + (e.flags !== undefined ? `flags 0x${e.flags.toString(16)} ` : '')));
