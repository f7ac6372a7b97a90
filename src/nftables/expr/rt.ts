// rt: load routing information of the packet (classid, next hop, TCP MSS, ipsec).

import { enumValue, printName } from './common.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_RT_* in kernel order. */
export const RT_KEYS = ['classid', 'nexthop4', 'nexthop6', 'tcpmss', 'xfrm'] as const;
export type RtKey = (typeof RT_KEYS)[number];
const RT_PRINT = ['classid', 'nexthop4', 'nexthop6', 'tcpmss', 'ipsec'];

export interface RtExpr extends ExprExtras {
  type: 'rt';
  key: RtKey | number;
  dreg: number;
}

export const rtCodec = registerExpr(defineExpr<RtExpr>('rt', [
  // libnftnl's order: key, dreg.
  { attr: 2, name: 'NFTA_RT_KEY', key: 'key', kind: { enum: { 0: 'classid', 1: 'nexthop4', 2: 'nexthop6', 3: 'tcpmss', 4: 'xfrm' } }, required: true },
  { attr: 1, name: 'NFTA_RT_DREG', key: 'dreg', kind: 'reg', required: true },
], (e) => (e.dreg !== undefined ? `load ${printName(RT_PRINT, enumValue(RT_KEYS, e.key) & 0xff)} => reg ${e.dreg} ` : '')));
