// limit: token-bucket rate limit in packets or bytes per time unit.

import { ValidationError } from '../../errors.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_LIMIT_PKTS 0, NFT_LIMIT_PKT_BYTES 1. */
export const LIMIT_TYPES = ['packets', 'bytes'] as const;
export type LimitType = (typeof LIMIT_TYPES)[number];

/** NFT_LIMIT_F_INV: match once over the limit (`limit rate over`). */
export const NFT_LIMIT_F_INV = 0x1;

export interface LimitExpr extends ExprExtras {
  type: 'limit';
  /** Packets or bytes per unit. */
  rate: number | bigint;
  /** The time unit in seconds (1 second, 60 minute, 3600 hour, 86400 day, 604800 week). */
  unit: number | bigint;
  /** Burst, in packets or bytes. */
  burst?: number;
  /** What is counted; packets when left out. */
  limitType?: LimitType | number;
  /** NFT_LIMIT_F_INV. */
  flags?: number;
}

export const limitCodec = registerExpr(defineExpr<LimitExpr>('limit', [
  { attr: 1, name: 'NFTA_LIMIT_RATE', key: 'rate', kind: 'u64', required: true },
  { attr: 2, name: 'NFTA_LIMIT_UNIT', key: 'unit', kind: 'u64', required: true },
  { attr: 3, name: 'NFTA_LIMIT_BURST', key: 'burst', kind: 'u32' },
  { attr: 4, name: 'NFTA_LIMIT_TYPE', key: 'limitType', kind: { enum: { 0: 'packets', 1: 'bytes' } } },
  { attr: 5, name: 'NFTA_LIMIT_FLAGS', key: 'flags', kind: 'u32' },
  { attr: 6, name: 'NFTA_LIMIT_PAD', key: '', kind: 'pad' },
], (e) => {
  const [val, unit] = timeUnit(BigInt(e.unit ?? 0));
  const type = e.limitType === 'bytes' || e.limitType === 1 ? 'bytes' : 'packets';
  return `rate ${e.rate ?? 0}/${val > 1n ? `${val} ` : ''}${unit} burst ${e.burst ?? 0} type ${type} flags 0x${((e.flags ?? 0) >>> 0).toString(16)} `;
}, {
  validate(e, field) {
    if (BigInt(e.unit) === 0n) throw new ValidationError(`${field}.unit`, 'must be at least one second');
  },
}));

// libnftnl names the largest unit that divides the seconds evenly.
const UNITS: [bigint, string][] = [[60n, 'minute'], [60n, 'hour'], [24n, 'day'], [7n, 'week']];
function timeUnit(seconds: bigint): [bigint, string] {
  let name = 'second';
  for (const [size, next] of UNITS) {
    if (seconds % size !== 0n) break;
    seconds /= size;
    name = next;
  }
  return [seconds, name];
}
