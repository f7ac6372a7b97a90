// counter: packets and bytes seen by the rule.

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export interface CounterExpr extends ExprExtras {
  type: 'counter';
  packets?: number | bigint;
  bytes?: number | bigint;
}

export const counterCodec = registerExpr(defineExpr<CounterExpr>('counter', [
  { attr: 1, name: 'NFTA_COUNTER_BYTES', key: 'bytes', kind: 'u64' },
  { attr: 2, name: 'NFTA_COUNTER_PACKETS', key: 'packets', kind: 'u64' },
  { attr: 3, name: 'NFTA_COUNTER_PAD', key: '', kind: 'pad' },
], (e) => `pkts ${e.packets ?? 0} bytes ${e.bytes ?? 0} `));
