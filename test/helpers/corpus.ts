// The shared conformance corpus, read in place (never copied into the repo):
// $NFTLINK_CORPUS, or the first `shared/corpus` found walking up from the
// working directory or from this file (../shared/corpus from a checkout next
// to it, ../../shared/corpus from a worktree).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registeredExprNames } from '../../src/nftables/expr/index.js';

export interface CorpusRule {
  id: string;
  family: string;
  table: string;
  chains: { name: string; spec: string | null }[];
  chain: string;
  chainSpec: string | null;
  setup: string[];
  rule: string;
  expectOk: boolean;
  kernelAccepts: boolean;
  dumpNetlink: string[];
  netlink: string[];
  listed: string;
}

export function corpusDir(): string {
  const env = process.env['NFTLINK_CORPUS'];
  if (env) return env;
  // From the working directory, then from this file (when run from elsewhere).
  for (const from of [process.cwd(), dirname(fileURLToPath(import.meta.url))]) {
    let d = resolve(from);
    for (;;) {
      const c = join(d, 'shared', 'corpus');
      if (existsSync(join(c, 'rules.jsonl'))) return c;
      const up = dirname(d);
      if (up === d) break;
      d = up;
    }
  }
  throw new Error('the shared corpus was not found: set NFTLINK_CORPUS');
}

let cache: CorpusRule[] | undefined;

export function corpusRules(): CorpusRule[] {
  cache ??= readFileSync(join(corpusDir(), 'rules.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CorpusRule);
  return cache;
}

/** The rule's part of dumpNetlink: its header line and expression lines (set listings dropped). */
export function ruleLines(r: CorpusRule): string[] {
  const head = new RegExp(`^${escape(r.family)} ${escape(r.table)} ${escape(r.chain)} \\d+`);
  const i = r.dumpNetlink.findIndex((l) => head.test(l));
  return i < 0 ? [] : r.dumpNetlink.slice(i);
}

/** Expression names in a rule's dumpNetlink. */
export function exprKinds(r: CorpusRule): string[] {
  return ruleLines(r).map((l) => /^\s+\[ (\S+)/.exec(l)?.[1]).filter((k): k is string => k !== undefined);
}

/** The nft script that recreates a record: table, chains, setup, rule. */
export function nftScript(r: CorpusRule): string {
  const lines = [`add table ${r.family} ${r.table}`];
  for (const c of r.chains) lines.push(`add chain ${r.family} ${r.table} ${c.name}${c.spec ? ` { ${c.spec}; }` : ''}`);
  lines.push(...r.setup);
  lines.push(`add rule ${r.family} ${r.table} ${r.chain} ${r.rule}`);
  return lines.join('\n') + '\n';
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * nft converts `meta hour "17:00"` and date strings with the local time zone;
 * the corpus was recorded at UTC+2 (its `00:01` is 22:01 UTC), so records are
 * loaded with that zone to get the same bytes.
 */
export const CORPUS_TZ = 'UTC-2';

/** Loads a record into a namespace with nft, as the corpus was made. */
export async function loadRecord(ns: { exec(cmd: string, args: string[], opts?: { input?: string }): Promise<{ code: number; stderr: string }> }, r: CorpusRule): Promise<void> {
  const res = await ns.exec('env', [`TZ=${CORPUS_TZ}`, 'nft', '-f', '-'], { input: nftScript(r) });
  if (res.code !== 0) throw new Error(`loading ${r.id} failed: ${res.stderr.trim()}`);
}

/** Records per expression kind in the fixture sample. */
const PER_KIND = 8;


/** A deterministic sample: for each kind, records spread over the corpus, every expression of them known here. */
export function sample(perKind = PER_KIND): CorpusRule[] {
  const known = new Set(registeredExprNames());
  const ok = corpusRules().filter((r) => r.kernelAccepts && exprKinds(r).length > 0 && exprKinds(r).every((k) => known.has(k)));
  const chosen = new Map<string, CorpusRule>();
  for (const kind of known) {
    const withKind = ok.filter((r) => exprKinds(r).includes(kind));
    const step = Math.max(1, Math.floor(withKind.length / perKind));
    for (let i = 0, n = 0; i < withKind.length && n < perKind; i += step, n++) chosen.set(withKind[i]!.id, withKind[i]!);
  }
  return [...chosen.values()];
}

