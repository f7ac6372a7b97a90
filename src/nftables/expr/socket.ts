// socket: load a property of the packet's local socket (transparent, mark,
// wildcard bind, cgroup v2 ancestor at a level).

import { enumValue, printName } from './common.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_SOCKET_* in kernel order. */
export const SOCKET_KEYS = ['transparent', 'mark', 'wildcard', 'cgroupv2'] as const;
export type SocketKey = (typeof SOCKET_KEYS)[number];

export interface SocketExpr extends ExprExtras {
  type: 'socket';
  key: SocketKey | number;
  dreg: number;
  /** cgroupv2: the ancestor level. */
  level?: number;
}

export const socketCodec = registerExpr(defineExpr<SocketExpr>('socket', [
  { attr: 1, name: 'NFTA_SOCKET_KEY', key: 'key', kind: { enum: { 0: 'transparent', 1: 'mark', 2: 'wildcard', 3: 'cgroupv2' } }, required: true },
  { attr: 2, name: 'NFTA_SOCKET_DREG', key: 'dreg', kind: 'reg', required: true },
  { attr: 3, name: 'NFTA_SOCKET_LEVEL', key: 'level', kind: 'u32' },
], (e) => {
  if (e.dreg !== undefined) return `load ${printName(SOCKET_KEYS, enumValue(SOCKET_KEYS, e.key) & 0xff)} => reg ${e.dreg} `;
  if (e.level !== undefined) return `level ${e.level} `;
  return '';
}));
