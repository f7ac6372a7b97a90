// notrack: skip connection tracking for this packet. It has no attributes:
// the kernel dumps it without NFTA_EXPR_DATA and nft sends none.

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export interface NotrackExpr extends ExprExtras {
  type: 'notrack';
}

export const notrackCodec = registerExpr(defineExpr<NotrackExpr>('notrack', [], () => '', { noData: true }));
