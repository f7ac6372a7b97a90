// quota: match until (or, inverted, once) a byte count has been used.

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_QUOTA_F_INV: match once over the quota (`quota over`). */
export const NFT_QUOTA_F_INV = 0x1;
/** NFT_QUOTA_F_DEPLETED: set by the kernel once the quota is used up. */
export const NFT_QUOTA_F_DEPLETED = 0x2;

export interface QuotaExpr extends ExprExtras {
  type: 'quota';
  /** The quota in bytes. */
  bytes: number | bigint;
  /** Bytes used so far. */
  consumed?: number | bigint;
  /** NFT_QUOTA_F_*. */
  flags?: number;
}

export const quotaCodec = registerExpr(defineExpr<QuotaExpr>('quota', [
  // libnftnl's order.
  { attr: 1, name: 'NFTA_QUOTA_BYTES', key: 'bytes', kind: 'u64', required: true },
  { attr: 4, name: 'NFTA_QUOTA_CONSUMED', key: 'consumed', kind: 'u64' },
  { attr: 2, name: 'NFTA_QUOTA_FLAGS', key: 'flags', kind: 'u32' },
  { attr: 3, name: 'NFTA_QUOTA_PAD', key: '', kind: 'pad' },
], (e) => `bytes ${e.bytes ?? 0} consumed ${e.consumed ?? 0} flags ${(e.flags ?? 0) >>> 0} `));
