// connlimit: match on the number of conntrack connections (`ct count`).

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_CONNLIMIT_F_INV: match when over the count (`ct count over`). */
export const NFT_CONNLIMIT_F_INV = 0x1;

export interface ConnlimitExpr extends ExprExtras {
  type: 'connlimit';
  /** Connection count. */
  count: number;
  /** NFT_CONNLIMIT_F_INV. */
  flags?: number;
}

export const connlimitCodec = registerExpr(defineExpr<ConnlimitExpr>('connlimit', [
  { attr: 1, name: 'NFTA_CONNLIMIT_COUNT', key: 'count', kind: 'u32', required: true },
  { attr: 2, name: 'NFTA_CONNLIMIT_FLAGS', key: 'flags', kind: 'u32' },
], (e) => `count ${e.count ?? 0} flags ${((e.flags ?? 0) >>> 0).toString(16)} `));
