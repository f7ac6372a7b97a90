// The shared conformance corpus (never copied into the repo): where it is and
// how to read it.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CorpusChain {
  name: string;
  spec: string | null;
}

export interface CorpusRule {
  id: string;
  family: string;
  table: string;
  chains: CorpusChain[];
  chain: string;
  chainSpec: string | null;
  setup: string[];
  rule: string;
  expectOk: boolean;
  kernelAccepts: boolean;
  dumpNetlink: string[] | null;
  netlink: string[] | null;
  listed: string | null;
}

/** The repository's root (this file is dist/test/helpers/corpus.js or test/helpers/corpus.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));

/**
 * The corpus directory: NFTLINK_CORPUS, else `../shared/corpus` relative to
 * the repository root; a git worktree one level further down (/work/wt/NAME)
 * finds the same directory from its parent.
 */
export function corpusDir(): string {
  const env = process.env['NFTLINK_CORPUS'];
  if (env) return resolve(env);
  let dir = REPO_ROOT;
  for (let i = 0; i < 3; i++) {
    const c = join(dir, '..', 'shared', 'corpus');
    if (existsSync(join(c, 'rules.jsonl'))) return resolve(c);
    dir = join(dir, '..');
  }
  return resolve(REPO_ROOT, '..', 'shared', 'corpus');
}

export function loadCorpusRules(dir = corpusDir()): CorpusRule[] {
  return readFileSync(join(dir, 'rules.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as CorpusRule);
}

/** The kinds of the `  [ kind … ]` lines of a libnftnl rule print. */
export function exprKinds(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const m = /^ {2}\[ (\S+)/.exec(l);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** The rule part of a dumpNetlink print: its header line and its expression lines. */
export function ruleLines(r: CorpusRule): { header: string; exprs: string[] } | undefined {
  const lines = r.dumpNetlink ?? [];
  const re = new RegExp(`^${escape(r.family)} ${escape(r.table)} ${escape(r.chain)} \\d+`);
  const i = lines.findIndex((l) => re.test(l));
  if (i < 0) return undefined;
  const exprs: string[] = [];
  for (const l of lines.slice(i + 1)) {
    if (!l.startsWith('  [')) break;
    exprs.push(l);
  }
  return { header: lines[i]!, exprs };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** nft commands that set up a record (table, chains, setup) and add its rule, with the table renamed. */
export function recordScript(r: CorpusRule, table = r.table): string[] {
  const out = [`add table ${r.family} ${table}`];
  for (const c of r.chains) out.push(`add chain ${r.family} ${table} ${c.name}${c.spec ? ` { ${c.spec}; }` : ''}`);
  const prefix = ` ${r.family} ${r.table} `;
  for (const s of r.setup) out.push(table === r.table ? s : s.replace(prefix, ` ${r.family} ${table} `));
  out.push(`add rule ${r.family} ${table} ${r.chain} ${r.rule}`);
  return out;
}
