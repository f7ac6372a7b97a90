// A sample of the conformance corpus (../shared/corpus/rules.jsonl): nft sets
// up each record in a throwaway namespace, nftlink lists the table's sets and
// their elements in the order the kernel dumps them, and prints them in the
// libnftnl format; the lines must be the corpus's `dumpNetlink` set lines
// exactly, for named and anonymous sets alike.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Netns } from '../helpers/netns.js';
import { Nftables, formatSetElements, type Family } from '../../src/index.js';

interface CorpusRecord {
  id: string;
  family: Family;
  table: string;
  chains: { name: string; spec: string | null }[];
  chain: string;
  setup: string[];
  rule: string;
  kernelAccepts: boolean;
  dumpNetlink?: string[];
}

function corpusPath(): string {
  if (process.env['NFTLINK_CORPUS']) return resolve(process.env['NFTLINK_CORPUS'], 'rules.jsonl');
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(resolve(dir, 'package.json')); i++) dir = dirname(dir);
  for (const up of ['..', '../..']) {
    const p = resolve(dir, up, 'shared', 'corpus', 'rules.jsonl');
    if (existsSync(p)) return p;
  }
  return resolve(dir, '..', 'shared', 'corpus', 'rules.jsonl');
}

/** The set lines of a dumpNetlink (everything before the rule's header). */
function setLines(r: CorpusRecord): string[] {
  const d = r.dumpNetlink ?? [];
  const out: string[] = [];
  for (const l of d) {
    if (l.startsWith('\t') || / @\S+$/.test(l)) out.push(l);
    else break;
  }
  return out;
}

/** Splits set lines into one block per set (header first). */
function blocks(lines: string[]): string[][] {
  const out: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('\t')) out[out.length - 1]!.push(l);
    else out.push([l]);
  }
  return out;
}

let ns: Netns;
let nft: Nftables;

before(async () => {
  ns = await Netns.create('setcorpus');
  nft = await Nftables.open({ netns: ns.path });
});

after(async () => {
  await nft?.close();
  await ns?.destroy();
});

test('corpus sample: sets and elements listed by nftlink print as nft printed them', async () => {
  const path = corpusPath();
  assert.ok(existsSync(path), `the corpus is at ${path}`);
  const records = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CorpusRecord)
    .filter((r) => r.kernelAccepts && setLines(r).length > 0);
  assert.ok(records.length > 500, `${records.length} records with sets`);
  // A spread over the whole corpus, half of it records with named sets (set up by
  // `add set`/`add map`), half with only the anonymous sets of their rules.
  const spread = (rs: CorpusRecord[], n: number): CorpusRecord[] => rs.filter((_r, i) => i % Math.max(1, Math.floor(rs.length / n)) === 0);
  const withNamed = records.filter((r) => r.setup.some((c) => /^add (set|map) /.test(c)));
  const sample = [...spread(withNamed, 15), ...spread(records.filter((r) => !withNamed.includes(r)), 15)];
  let anonymous = 0;
  let named = 0;
  for (const r of sample) {
    await ns.nft(['flush', 'ruleset']);
    const script = [
      `add table ${r.family} ${r.table}`,
      ...r.chains.map((c) => `add chain ${r.family} ${r.table} ${c.name}${c.spec ? ` { ${c.spec}; }` : ''}`),
      ...r.setup,
      `add rule ${r.family} ${r.table} ${r.chain} ${r.rule}`,
    ].join('\n');
    await ns.nftFile(script + '\n');
    // Hash-backed sets dump in an order that depends on a per-set random seed (nft's own
    // listing of the same set changes from run to run): their element lines are compared
    // as a multiset. Interval sets (rbtree, pipapo) dump in key order: compared in order.
    const want = blocks(setLines(r));
    const got: string[][] = [];
    const ordered: boolean[] = [];
    for (const s of await nft.listSets({ family: r.family, table: r.table })) {
      const els = await nft.listElements({ family: s.family, table: s.table, set: s.name });
      got.push(formatSetElements(s, els));
      ordered.push(s.flags?.includes('interval') ?? false);
      if (s.flags?.includes('anonymous')) anonymous++;
      else named++;
    }
    assert.deepEqual(got.map((b) => b[0]), want.map((b) => b[0]), `${r.id}: the sets, in dump order`);
    got.forEach((b, i) => {
      const w = want[i]!;
      if (ordered[i]) assert.deepEqual(b, w, r.id);
      else assert.deepEqual([...b].sort(), [...w].sort(), r.id);
    });
  }
  assert.ok(anonymous > 10 && named > 10, `${anonymous} anonymous and ${named} named sets compared`);
});
