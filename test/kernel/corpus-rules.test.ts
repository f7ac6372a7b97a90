// A sample of the shared corpus against the kernel: nft loads each record,
// nftlink lists the chain and prints it as libnftnl does (must equal the
// record's dumpNetlink); then the rule is deleted and re-added from its
// decoded form by nftlink, and `nft list chain` must not change. Records whose
// rule uses an anonymous set are checked for decoding only (re-adding them
// needs the set in the same transaction, which is the sets code's part).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Nftables } from '../../src/client/nftables.js';
import { ruleForRecreate } from '../../src/client/transaction.js';
import { NFT_MSG_GETSET, type Family } from '../../src/nftables/constants.js';
import { AttrTable } from '../../src/netlink/attr.js';
import { attrStart } from '../../src/netlink/message.js';
import { formatRule, type Rule } from '../../src/nftables/rule.js';
import type { Expr } from '../../src/nftables/expr/index.js';
import { loadRecord, ruleLines, sample } from '../helpers/corpus.js';
import { Netns } from '../helpers/netns.js';

const PER_KIND = Number(process.env['NFTLINK_CORPUS_PER_KIND'] ?? 3);

function setsOf(exprs: Expr[]): string[] {
  return exprs.flatMap((e) => ((e.type === 'lookup' || e.type === 'dynset' || e.type === 'objref') && e.set !== undefined ? [e.set] : []));
}

/** Names of the table's anonymous sets (NFT_SET_ANONYMOUS), read with a raw GETSET dump. */
async function anonymousSets(nft: Nftables, family: Family, table: string): Promise<Set<string>> {
  const out = new Set<string>();
  await nft.dump(NFT_MSG_GETSET, family, (w) => w.str(NFTA_SET_TABLE, table), (m) => {
    const a = new AttrTable(m.buf, attrStart(m), m.end, 20);
    const flags = a.has(NFTA_SET_FLAGS) ? a.u32(NFTA_SET_FLAGS, 'flags') : 0;
    if (flags & NFT_SET_ANONYMOUS) out.add(a.str(NFTA_SET_NAME, 'name'));
  });
  return out;
}

const NFTA_SET_TABLE = 1;
const NFTA_SET_NAME = 2;
const NFTA_SET_FLAGS = 3;
const NFT_SET_ANONYMOUS = 0x1;

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
      if (rules.length !== 1) return;
      const anonymous = await anonymousSets(nft, family, r.table);
      if (setsOf(rules[0]!.exprs).some((n) => anonymous.has(n))) return;

      const listed = await ns.nft(['list', 'chain', family, r.table, r.chain]);
      const tx = nft.transaction();
      tx.deleteRule({ family, table: r.table, chain: r.chain, handle: rules[0]!.handle! });
      tx.addRule(ruleForRecreate(rules[0]!));
      await tx.commit();
      assert.equal(await ns.nft(['list', 'chain', family, r.table, r.chain]), listed);
      roundTrips++;
    });
  }

  test('most sampled records also round-trip', () => {
    assert.ok(records.length >= 40, `${records.length} records sampled`);
    assert.ok(roundTrips >= records.length / 2, `${roundTrips} of ${records.length} round-tripped`);
  });
});
