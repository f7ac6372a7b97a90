// queue: hand the packet to a userspace program through nfnetlink_queue.

import { n0 } from './nfproto.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_QUEUE_NUM = 1;
export const NFTA_QUEUE_TOTAL = 2;
export const NFTA_QUEUE_FLAGS = 3;
export const NFTA_QUEUE_SREG_QNUM = 4;

/** NFT_QUEUE_FLAG_BYPASS: accept the packet when no program listens on the queue. */
export const NFT_QUEUE_FLAG_BYPASS = 0x01;
/** NFT_QUEUE_FLAG_CPU_FANOUT: pick the queue by CPU instead of by flow hash. */
export const NFT_QUEUE_FLAG_CPU_FANOUT = 0x02;

export interface QueueExpr extends ExprExtras {
  type: 'queue';
  /** NFTA_QUEUE_NUM (be16): first queue number. */
  num?: number;
  /** NFTA_QUEUE_TOTAL (be16): how many queues, from num on, to spread packets over. */
  total?: number;
  /** NFTA_QUEUE_FLAGS (be16): NFT_QUEUE_FLAG_* bits. */
  flags?: number;
  /** NFTA_QUEUE_SREG_QNUM: take the queue number from this register instead of num. */
  sregQnum?: number;
}

export const queueCodec = registerExpr(defineExpr<QueueExpr>('queue', [
  { attr: NFTA_QUEUE_NUM, name: 'NFTA_QUEUE_NUM', key: 'num', kind: 'u16' },
  { attr: NFTA_QUEUE_TOTAL, name: 'NFTA_QUEUE_TOTAL', key: 'total', kind: 'u16' },
  { attr: NFTA_QUEUE_FLAGS, name: 'NFTA_QUEUE_FLAGS', key: 'flags', kind: 'u16' },
  { attr: NFTA_QUEUE_SREG_QNUM, name: 'NFTA_QUEUE_SREG_QNUM', key: 'sregQnum', kind: 'reg' },
], (e) => {
  let s = '';
  if (e.num !== undefined) {
    const total = n0(e.total);
    // libnftnl computes the last queue in 16 bits.
    const last = (e.num + total - 1) & 0xffff;
    s += `num ${e.num}`;
    if (total && last !== e.num) s += `-${last}`;
    s += ' ';
  }
  if (e.sregQnum !== undefined) s += `sreg_qnum ${e.sregQnum} `;
  if (e.flags !== undefined) {
    if (e.flags & NFT_QUEUE_FLAG_BYPASS) s += 'bypass ';
    if (e.flags & NFT_QUEUE_FLAG_CPU_FANOUT) s += 'fanout ';
  }
  return s;
}));
