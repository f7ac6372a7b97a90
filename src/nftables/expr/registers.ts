// Register numbering as the kernel dumps it. Rules may name the 16-byte
// registers (NFT_REG_1..4 = 1..4) or the 4-byte ones (NFT_REG32_00..15 =
// 8..23); they overlap, and a dump reports a 4-byte register that starts a
// 16-byte one by the 16-byte number (8→1, 12→2, 16→3, 20→4). Anything that
// compares what was sent with what was listed must normalise both sides.

import { codecForType } from './registry.js';
import type { Expr } from './types.js';

export const NFT_REG_VERDICT = 0;
export const NFT_REG32_00 = 8;

/** The number the kernel reports for register r. */
export function dumpedRegister(r: number): number {
  if (r >= NFT_REG32_00 && r <= 23 && (r - NFT_REG32_00) % 4 === 0) return (r - NFT_REG32_00) / 4 + 1;
  return r;
}

function isExprLike(v: unknown): v is Expr {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && typeof (v as { type?: unknown }).type === 'string';
}

/**
 * A copy of the expression with every register field (and those of nested
 * expressions, as in dynset) in the kernel's dump numbering. Returns the
 * same object when nothing changes.
 */
export function normalizeRegisters<E extends Expr>(e: E): E {
  const codec = codecForType(e.type);
  let out: Record<string, unknown> | undefined;
  const rec = e as unknown as Record<string, unknown>;
  const set = (k: string, v: unknown): void => {
    out ??= { ...rec };
    out[k] = v;
  };
  for (const k of codec?.registers ?? []) {
    const v = rec[k];
    if (typeof v === 'number' && dumpedRegister(v) !== v) set(k, dumpedRegister(v));
  }
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'type') continue;
    if (isExprLike(v)) {
      const n = normalizeRegisters(v);
      if (n !== v) set(k, n);
    } else if (Array.isArray(v) && v.some(isExprLike)) {
      const n = v.map((x) => (isExprLike(x) ? normalizeRegisters(x) : x));
      if (n.some((x, i) => x !== v[i])) set(k, n);
    }
  }
  return (out ?? e) as E;
}

/** normalizeRegisters over a list. */
export function normalizeExprRegisters(exprs: readonly Expr[]): Expr[] {
  return exprs.map((e) => normalizeRegisters(e));
}
