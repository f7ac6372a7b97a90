// What the rule tests take from the corpus: the records (read once), a
// record's rule lines, its expression kinds, loading it with nft as the
// corpus was made, and a deterministic per-kind sample.

import { registeredExprNames } from '../../src/nftables/expr/index.js';
import { exprKinds as kindsOfLines, loadCorpusRules, recordScript, ruleLines as ruleParts, type CorpusRule } from './corpus.js';

export type { CorpusRule };

let cache: CorpusRule[] | undefined;

export function corpusRules(): CorpusRule[] {
  cache ??= loadCorpusRules();
  return cache;
}

/** The rule's part of dumpNetlink as lines: its header and its expressions. */
export function ruleLines(r: CorpusRule): string[] {
  const p = ruleParts(r);
  return p ? [p.header, ...p.exprs] : [];
}

/** Expression names of a record's rule. */
export function exprKinds(r: CorpusRule): string[] {
  return kindsOfLines(ruleLines(r));
}

/**
 * nft converts `meta hour "17:00"` and date strings with the local time zone;
 * the corpus was recorded at UTC+2 (its `00:01` is 22:01 UTC), so records are
 * loaded with that zone to get the same bytes.
 */
export const CORPUS_TZ = 'UTC-2';

/** Loads a record into a namespace with nft, as the corpus was made. */
export async function loadRecord(ns: { exec(cmd: string, args: string[], opts?: { input?: string }): Promise<{ code: number; stderr: string }> }, r: CorpusRule): Promise<void> {
  const res = await ns.exec('env', [`TZ=${CORPUS_TZ}`, 'nft', '-f', '-'], { input: recordScript(r).join('\n') + '\n' });
  if (res.code !== 0) throw new Error(`loading ${r.id} failed: ${res.stderr.trim()}`);
}

/** Records per expression kind in the fixture sample. */
const PER_KIND = 8;

/**
 * A deterministic sample: for each kind in `kinds`, records spread over the
 * corpus, every expression of them one this library decodes.
 */
export function sample(perKind = PER_KIND, kinds: readonly string[] = RULE_KINDS): CorpusRule[] {
  const known = new Set(registeredExprNames());
  const ok = corpusRules().filter((r) => r.kernelAccepts && exprKinds(r).length > 0 && exprKinds(r).every((k) => known.has(k)));
  const chosen = new Map<string, CorpusRule>();
  for (const kind of kinds) {
    const withKind = ok.filter((r) => exprKinds(r).includes(kind));
    const step = Math.max(1, Math.floor(withKind.length / perKind));
    for (let i = 0, n = 0; i < withKind.length && n < perKind; i += step, n++) chosen.set(withKind[i]!.id, withKind[i]!);
  }
  return [...chosen.values()];
}

/** The kinds of the rules work (and the four of the expression framework). */
export const RULE_KINDS = [
  'payload', 'cmp', 'immediate', 'counter', 'meta', 'ct', 'bitwise', 'byteorder', 'range', 'lookup', 'dynset', 'objref',
  'limit', 'quota', 'connlimit', 'last', 'hash', 'numgen', 'rt', 'socket', 'fib', 'osf', 'xfrm',
] as const;
