// fwd: send the packet out of another device (netdev family only), optionally
// to a next hop resolved through the neighbour table.

import { nfprotoNumber, NFPROTO_ENUM } from './nfproto.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';
import type { Family } from '../constants.js';

export const NFTA_FWD_SREG_DEV = 1;
export const NFTA_FWD_SREG_ADDR = 2;
export const NFTA_FWD_NFPROTO = 3;

export interface FwdExpr extends ExprExtras {
  type: 'fwd';
  /** NFTA_FWD_SREG_DEV: register holding the output interface index. */
  sregDev: number;
  /** NFTA_FWD_SREG_ADDR: register holding the next-hop address. */
  sregAddr?: number;
  /** NFTA_FWD_NFPROTO: family of that address (ip or ip6). */
  nfproto?: Family | number;
}

export const fwdCodec = registerExpr(defineExpr<FwdExpr>('fwd', [
  { attr: NFTA_FWD_SREG_DEV, name: 'NFTA_FWD_SREG_DEV', key: 'sregDev', kind: 'reg', required: true },
  { attr: NFTA_FWD_SREG_ADDR, name: 'NFTA_FWD_SREG_ADDR', key: 'sregAddr', kind: 'reg' },
  { attr: NFTA_FWD_NFPROTO, name: 'NFTA_FWD_NFPROTO', key: 'nfproto', kind: { enum: NFPROTO_ENUM } },
], (e) => {
  let s = e.sregDev !== undefined ? `sreg_dev ${e.sregDev} ` : '';
  if (e.sregAddr !== undefined) s += `sreg_addr ${e.sregAddr} `;
  if (e.nfproto !== undefined) s += `nfproto ${nfprotoNumber(e.nfproto)} `;
  return s;
}));
