// last: remembers when the rule last matched (`last used 2s ago`).

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export interface LastExpr extends ExprExtras {
  type: 'last';
  /** Milliseconds since the last match (dumps). */
  msecs?: number | bigint;
  /** 1 once the rule has matched; 0 (or absent): never. */
  set?: number;
}

export const lastCodec = registerExpr(defineExpr<LastExpr>('last', [
  // libnftnl's order: msecs, then set.
  { attr: 2, name: 'NFTA_LAST_MSECS', key: 'msecs', kind: 'u64' },
  { attr: 1, name: 'NFTA_LAST_SET', key: 'set', kind: 'u32' },
  { attr: 3, name: 'NFTA_LAST_PAD', key: '', kind: 'pad' },
], (e) => (e.set ? `${e.msecs ?? 0} ` : 'never ')));
