// dup: send a copy of the packet to another address and/or out of another device.

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_DUP_SREG_ADDR = 1;
export const NFTA_DUP_SREG_DEV = 2;

export interface DupExpr extends ExprExtras {
  type: 'dup';
  /** NFTA_DUP_SREG_ADDR: register holding the gateway address (ip, ip6). */
  sregAddr?: number;
  /** NFTA_DUP_SREG_DEV: register holding the output interface index. */
  sregDev?: number;
}

export const dupCodec = registerExpr(defineExpr<DupExpr>('dup', [
  { attr: NFTA_DUP_SREG_ADDR, name: 'NFTA_DUP_SREG_ADDR', key: 'sregAddr', kind: 'reg' },
  { attr: NFTA_DUP_SREG_DEV, name: 'NFTA_DUP_SREG_DEV', key: 'sregDev', kind: 'reg' },
], (e) => (e.sregAddr !== undefined ? `sreg_addr ${e.sregAddr} ` : '') + (e.sregDev !== undefined ? `sreg_dev ${e.sregDev} ` : '')));
