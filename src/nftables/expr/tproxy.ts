// tproxy: hand the packet to a local socket (transparent proxying) at the
// address and/or port held in registers.

import { nfprotoNumber, nftnlFamily, NFPROTO_ENUM } from './nfproto.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';
import type { Family } from '../constants.js';

export const NFTA_TPROXY_FAMILY = 1;
export const NFTA_TPROXY_REG_ADDR = 2;
export const NFTA_TPROXY_REG_PORT = 3;

export interface TproxyExpr extends ExprExtras {
  type: 'tproxy';
  /** NFTA_TPROXY_FAMILY: ip or ip6; 0 (NFPROTO_UNSPEC) when only a port is given in an inet table. */
  family: Family | number;
  /** NFTA_TPROXY_REG_ADDR: register holding the address. */
  sregAddr?: number;
  /** NFTA_TPROXY_REG_PORT: register holding the port. */
  sregPort?: number;
}

export const tproxyCodec = registerExpr(defineExpr<TproxyExpr>('tproxy', [
  { attr: NFTA_TPROXY_FAMILY, name: 'NFTA_TPROXY_FAMILY', key: 'family', kind: { enum: NFPROTO_ENUM }, required: true },
  { attr: NFTA_TPROXY_REG_ADDR, name: 'NFTA_TPROXY_REG_ADDR', key: 'sregAddr', kind: 'reg' },
  { attr: NFTA_TPROXY_REG_PORT, name: 'NFTA_TPROXY_REG_PORT', key: 'sregPort', kind: 'reg' },
], (e) => {
  let s = nfprotoNumber(e.family) !== 0 ? `${nftnlFamily(e.family)} ` : '';
  if (e.sregAddr !== undefined) s += `addr reg ${e.sregAddr} `;
  if (e.sregPort !== undefined) s += `port reg ${e.sregPort} `;
  return s;
}));
