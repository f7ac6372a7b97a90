// Corpus rules that use this branch's expression kinds, loaded by nft into a
// throwaway namespace (one table per record, one nft run per family), listed
// by nftlink and printed in libnftnl's format: the lines must equal the
// corpus's dumpNetlink. Then each rule is deleted and added back from its
// decoded form through a transaction, and listed again: the corpus lines must
// still match. (`nft list` before/after is the conformance runner's job: with
// hundreds of tables nft takes seconds per listing.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Nftables } from '../../src/client/nftables.js';
import type { Family } from '../../src/nftables/constants.js';
import { codecForName, formatExpr } from '../../src/nftables/expr/index.js';
import type { Rule } from '../../src/nftables/rule.js';
import { ruleForRecreate } from '../../src/client/transaction.js';
import { exprKinds, loadCorpusRules, recordScript, ruleLines, type CorpusRule } from '../helpers/corpus.js';
import { withNetns } from '../helpers/netns.js';

const MINE = new Set(['exthdr', 'inner', 'nat', 'masq', 'redir', 'reject', 'tproxy', 'synproxy', 'dup', 'fwd', 'queue',
  'notrack', 'flow_offload', 'tunnel', 'log', 'match', 'target']);

interface Rec { r: CorpusRule; table: string; header: string; exprs: string[] }

const records: Rec[] = [];
for (const r of loadCorpusRules()) {
  if (!r.kernelAccepts) continue;
  const rl = ruleLines(r);
  if (!rl || !exprKinds(rl.exprs).some((k) => MINE.has(k))) continue;
  records.push({ r, table: `x${records.length}`, ...rl });
}

function byFamily(): Map<string, Rec[]> {
  const m = new Map<string, Rec[]>();
  for (const x of records) m.set(x.r.family, [...(m.get(x.r.family) ?? []), x]);
  return m;
}

/** Lines of the expected print with the renamed table, and which of them this branch can print exactly. */
function compare(x: Rec, rule: Rule, handle = true): string[] {
  const problems: string[] = [];
  const header = x.header.replace(`${x.r.family} ${x.r.table} `, `${x.r.family} ${x.table} `);
  const got = `${rule.family} ${rule.table} ${rule.chain} ${rule.handle}`;
  if (handle ? got !== header : got.replace(/ \d+$/, '') !== header.replace(/ \d+$/, '')) {
    problems.push(`header: expected ${JSON.stringify(header)}, got ${JSON.stringify(got)}`);
  }
  if (rule.exprs.length !== x.exprs.length) {
    problems.push(`${x.exprs.length} expressions expected, ${rule.exprs.length} decoded`);
    return problems;
  }
  x.exprs.forEach((line, i) => {
    const kind = exprKinds([line])[0]!;
    const e = rule.exprs[i]!;
    if (codecForName(kind)) {
      const text = `  ${formatExpr(e)}`;
      if (text !== line) problems.push(`expression #${i}: expected ${JSON.stringify(line)}, got ${JSON.stringify(text)}`);
    } else if (!(e.type === 'unknown' && (e as { name: string }).name === kind)) {
      // A kind without a codec: at least the name must match (it stays raw).
      problems.push(`expression #${i}: expected a raw ${kind}, got ${e.type}`);
    }
  });
  return problems;
}

test(`corpus rules with exthdr/nat/log/… (${records.length} records) decode to libnftnl's print and round-trip`, async () => {
  assert.ok(records.length > 500, `only ${records.length} corpus records use these kinds`);
  const failures: string[] = [];
  let printed = 0;
  let roundTripped = 0;
  for (const [family, recs] of byFamily()) {
    await withNetns(async (ns) => {
      await ns.nftFile(recs.flatMap((x) => recordScript(x.r, x.table)).join('\n') + '\n');
      const nft = await Nftables.open({ netns: ns.path });
      try {
        const listRules = async (): Promise<Map<string, Rule>> => {
          const out = new Map<string, Rule>();
          for (const r of await nft.listRules({ family: family as Family })) out.set(r.table, r);
          return out;
        };
        const listed = await listRules();
        for (const x of recs) {
          const rule = listed.get(x.table);
          if (!rule) {
            failures.push(`${x.r.id}: not listed`);
            continue;
          }
          const p = compare(x, rule);
          if (p.length) failures.push(`${x.r.id}: ${p.join('; ')}`);
          else printed++;
        }
        // Round trip: delete every rule and add it back from what was decoded. Rules
        // bound to an anonymous set lose it on delete: the conformance runner
        // re-adds those with their sets.
        const tx = nft.transaction();
        const redo: Rec[] = [];
        for (const x of recs) {
          const rule = listed.get(x.table);
          if (!rule || (x.r.dumpNetlink ?? []).some((l) => /__(set|map)\d/.test(l))) continue;
          tx.deleteRule({ family: rule.family, table: rule.table, chain: rule.chain, handle: rule.handle! });
          tx.addRule(ruleForRecreate(rule));
          redo.push(x);
        }
        await tx.commit();
        const again = await listRules();
        for (const x of redo) {
          const r2 = again.get(x.table);
          const p = r2 ? compare(x, r2, false) : ['gone after the round trip'];
          if (p.length) failures.push(`${x.r.id} (round trip): ${p.join('; ')}`);
        }
        roundTripped += redo.length;
      } finally {
        await nft.close();
      }
    }, 'exprcorpus');
  }
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${records.length} records differ`);
  assert.equal(printed, records.length);
  assert.ok(roundTripped > 400, `only ${roundTripped} rules round-tripped`);
});
