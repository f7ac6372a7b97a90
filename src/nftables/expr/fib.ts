// fib: look the packet up in the routing table (output interface, its name,
// or the address type), keyed by source/destination address, mark and interfaces.

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_FIB_RESULT_* (0 is unspecified). */
export const FIB_RESULTS = ['', 'oif', 'oifname', 'addrtype'] as const;
export type FibResult = Exclude<(typeof FIB_RESULTS)[number], ''>;

export const NFTA_FIB_F_SADDR = 1 << 0;
export const NFTA_FIB_F_DADDR = 1 << 1;
export const NFTA_FIB_F_MARK = 1 << 2;
export const NFTA_FIB_F_IIF = 1 << 3;
export const NFTA_FIB_F_OIF = 1 << 4;
/** Only check that a route exists. */
export const NFTA_FIB_F_PRESENT = 1 << 5;

export interface FibExpr extends ExprExtras {
  type: 'fib';
  dreg: number;
  result: FibResult | number;
  /** NFTA_FIB_F_* bits: what the lookup is keyed by. */
  flags: number;
}

const FLAG_WORDS: [number, string][] = [
  [NFTA_FIB_F_SADDR, 'saddr'], [NFTA_FIB_F_DADDR, 'daddr'], [NFTA_FIB_F_MARK, 'mark'], [NFTA_FIB_F_IIF, 'iif'], [NFTA_FIB_F_OIF, 'oif'],
];
const RESULT_PRINT: (string | undefined)[] = [undefined, 'oif', 'oifname', 'type'];

export const fibCodec = registerExpr(defineExpr<FibExpr>('fib', [
  // libnftnl's order: flags, result, dreg.
  { attr: 3, name: 'NFTA_FIB_FLAGS', key: 'flags', kind: 'u32', required: true },
  { attr: 2, name: 'NFTA_FIB_RESULT', key: 'result', kind: { enum: { 1: 'oif', 2: 'oifname', 3: 'addrtype' } }, required: true },
  { attr: 1, name: 'NFTA_FIB_DREG', key: 'dreg', kind: 'reg', required: true },
], (e) => {
  const all = (e.flags ?? 0) >>> 0;
  let flags = all & ~NFTA_FIB_F_PRESENT;
  let s = '';
  for (const [bit, word] of FLAG_WORDS) {
    if (flags & bit) {
      s += `${word} `;
      flags &= ~bit;
      if (flags) s += '. ';
    }
  }
  if (flags) s += `unknown 0x${(flags >>> 0).toString(16)}`;
  const r = typeof e.result === 'number' ? e.result : FIB_RESULTS.indexOf(e.result);
  const word = r >= 0 && r < RESULT_PRINT.length ? RESULT_PRINT[r] ?? '(null)' : 'unknown';
  return `${s}${word}${all & NFTA_FIB_F_PRESENT ? ' present' : ''} => reg ${e.dreg | 0} `;
}));
