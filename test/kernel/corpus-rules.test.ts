// A sample of the shared corpus against the kernel: nft loads each record,
// nftlink lists the chain and prints it as libnftnl does (must equal the
// record's dumpNetlink); then the rule is deleted and re-added from its
// decoded form by nftlink (with the anonymous sets it binds, recreated in the
// same transaction), and `nft list chain` must not change.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Nftables } from '../../src/client/nftables.js';
import type { Family } from '../../src/nftables/constants.js';
import { formatRule, type Rule } from '../../src/nftables/rule.js';
import type { Expr } from '../../src/nftables/expr/index.js';
import { loadRecord, ruleLines, sample } from '../helpers/corpus-sample.js';
import { Netns } from '../helpers/netns.js';

const PER_KIND = Number(process.env['NFTLINK_CORPUS_PER_KIND'] ?? 3);

function setsOf(exprs: Expr[]): string[] {
  return exprs.flatMap((e) => ((e.type === 'lookup' || e.type === 'dynset' || e.type === 'objref') && e.set !== undefined ? [e.set] : []));
}

describe('corpus sample against the kernel', () => {
  let ns: Netns;
  let nft: Nftables;
  const records = sample(PER_KIND);

  before(async () => {
    ns = await Netns.create('corpus');
    nft = await Nftables.open({ netns: ns.path });
  });
  after(async () => {
    await nft?.close();
    await ns?.destroy();
  });

  let roundTrips = 0;
  for (const r of records) {
    test(r.id, async () => {
      await ns.nft(['flush', 'ruleset']);
      await loadRecord(ns, r);
      const family = r.family as Family;
      const rules: Rule[] = await nft.listRules({ family, table: r.table, chain: r.chain });
      assert.deepEqual(rules.flatMap((x) => formatRule(x).split('\n')), ruleLines(r));
      assert.equal(rules.length, 1);
      const rule = rules[0]!;
      // The anonymous sets the rule binds go with it (deleting the rule deletes them).
      const used = new Set(setsOf(rule.exprs));
      const anonymous = (await nft.listSets({ family, table: r.table })).filter((x) => x.flags?.includes('anonymous') && used.has(x.name));
      for (const a of anonymous) a.elements = await nft.listElements({ family, table: r.table, set: a.name });

      const listed = await ns.nft(['list', 'chain', family, r.table, r.chain]);
      const tx = nft.transaction();
      tx.deleteRule({ family, table: r.table, chain: r.chain, handle: rule.handle! });
      tx.addRuleset({ tables: [], chains: [], sets: anonymous, rules: [rule] });
      await tx.commit();
      assert.equal(await ns.nft(['list', 'chain', family, r.table, r.chain]), listed);
      roundTrips++;
    });
  }

  test('every sampled record round-tripped', () => {
    assert.ok(records.length >= 40, `${records.length} records sampled`);
    assert.equal(roundTrips, records.length);
  });
});
