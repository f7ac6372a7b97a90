// The workload generator's two forms agree: the same kube-proxy ruleset
// loaded with `nft -f` (from the text) and with nftlink (from the
// operations), each into its own namespace, lists the same in `nft list
// ruleset`, for both shapes, after the bootstrap and after every kind of
// partial sync applied on top. And nftlink's batch carries the same
// expressions nft's does (nft -c --debug=mnl builds it without committing).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Nftables } from '../../src/client/nftables.js';
import { Netns } from '../helpers/netns.js';
import {
  addServices,
  bootstrap,
  churn,
  churnCleanup,
  CountSink,
  deleteServices,
  deleteServicesCleanup,
  fillTransaction,
  nftText,
  SHAPES,
  type Sink,
  type WorkloadOptions,
} from '../../bench/workload/index.js';
import { batchItems, diffBatches, messagesFromMnl, messagesFromTransaction } from '../../bench/workload/compare.js';

const N = 100;
const K = 10;
const M = 10;

/** The partial syncs applied one after the other on top of the bootstrap. */
function deltas(o: WorkloadOptions): [string, (out: Sink) => void][] {
  return [
    ['churn', (out) => churn(o, out, 0, M)],
    ['churn-cleanup', (out) => churnCleanup(o, out, 0, M)],
    ['add', (out) => addServices(o, out, o.services, M)],
    ['delete', (out) => deleteServices(o, out, o.services - M, M)],
    ['delete-cleanup', (out) => deleteServicesCleanup(o, out, o.services - M, M)],
    ['churn again', (out) => churn(o, out, 20, M)],
  ];
}

async function withTwo(fn: (a: Netns, b: Netns, nft: Nftables) => Promise<void>): Promise<void> {
  const a = await Netns.create('wl-nft');
  const b = await Netns.create('wl-lib');
  let nft: Nftables | undefined;
  try {
    nft = await Nftables.open({ netns: b.path });
    await fn(a, b, nft);
  } finally {
    await nft?.close();
    await a.destroy();
    await b.destroy();
  }
}

describe('workload generator: nft text and nftlink operations agree', () => {
  for (const shape of SHAPES) {
    it(`${shape}: N=${N} bootstrap and every partial sync list the same`, async () => {
      const o: WorkloadOptions = { services: N, endpoints: K, shape };
      await withTwo(async (a, b, nft) => {
        const boot = nftText((out) => bootstrap(o, out));
        await a.nftFile(boot.text);
        const { tx, commands } = fillTransaction(nft.transaction({ echo: false }), (out) => bootstrap(o, out));
        assert.equal(commands, boot.commands);
        await tx.commit();
        const listed = await a.listRuleset();
        assert.equal(await b.listRuleset(), listed, 'bootstrap');
        // The ruleset is what the generator says it is (not two equal empty listings).
        const count = new CountSink();
        bootstrap(o, count);
        assert.equal((listed.match(/^\tchain /gm) ?? []).length, count.chains);
        for (const [name, write] of deltas(o)) {
          const d = nftText(write);
          assert.ok(d.commands > 0, name);
          await a.nftFile(d.text);
          const t = fillTransaction(nft.transaction(), write);
          assert.equal(t.commands, d.commands, name);
          await t.tx.commit();
          assert.equal(await b.listRuleset(), await a.listRuleset(), `after ${name}`);
        }
      });
    });
  }

  for (const shape of SHAPES) {
    it(`${shape}: nftlink's batch has nft's messages and expressions (bootstrap and partial syncs)`, async () => {
      const o: WorkloadOptions = { services: 50, endpoints: 3, shape };
      await withTwo(async (a, _b, nft) => {
        const check = async (name: string, write: (out: Sink) => void): Promise<void> => {
          const { text } = nftText(write);
          // -c: nft builds the batch and the kernel checks it; nothing is committed.
          const r = await a.exec('nft', ['--debug=mnl', '-c', '-f', '-'], { input: text });
          assert.equal(r.code, 0, r.stderr);
          const theirs = batchItems(messagesFromMnl(r.stdout));
          const ours = batchItems(await messagesFromTransaction(fillTransaction(nft.transaction(), write).tx));
          assert.ok(theirs.messages.length > 0 || theirs.elements.length > 0, name);
          assert.deepEqual(diffBatches(theirs, ours), [], name);
          await a.nftFile(text);
        };
        await check('bootstrap', (out) => bootstrap(o, out));
        for (const [name, write] of deltas(o)) await check(name, write);
      });
    });
  }
});
