// tunnel: load tunnel metadata of the packet (netdev family only): whether it
// came through a tunnel, or the tunnel id.

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_TUNNEL_KEY = 1;
export const NFTA_TUNNEL_DREG = 2;
export const NFTA_TUNNEL_MODE = 3;

/** NFT_TUNNEL_PATH 0 (boolean: tunnel metadata present), NFT_TUNNEL_ID 1 (tunnel id). */
export type TunnelKey = 'path' | 'id';
/** NFT_TUNNEL_MODE_*: which direction's metadata: none 0, rx 1, tx 2. */
export type TunnelMode = 'none' | 'rx' | 'tx';

export interface TunnelExpr extends ExprExtras {
  type: 'tunnel';
  /** NFTA_TUNNEL_KEY; unknown values stay numbers. */
  key: TunnelKey | number;
  /** NFTA_TUNNEL_DREG: destination register. */
  dreg: number;
  /** NFTA_TUNNEL_MODE. */
  mode?: TunnelMode | number;
}

export const tunnelCodec = registerExpr(defineExpr<TunnelExpr>('tunnel', [
  { attr: NFTA_TUNNEL_KEY, name: 'NFTA_TUNNEL_KEY', key: 'key', kind: { enum: { 0: 'path', 1: 'id' } }, required: true },
  { attr: NFTA_TUNNEL_DREG, name: 'NFTA_TUNNEL_DREG', key: 'dreg', kind: 'reg', required: true },
  { attr: NFTA_TUNNEL_MODE, name: 'NFTA_TUNNEL_MODE', key: 'mode', kind: { enum: { 0: 'none', 1: 'rx', 2: 'tx' } } },
], (e) => {
  if (e.dreg === undefined) return '';
  const key = e.key === 'path' || e.key === 0 ? 'path' : e.key === 'id' || e.key === 1 ? 'id' : 'unknown';
  return `load ${key} => reg ${e.dreg} `;
}));
