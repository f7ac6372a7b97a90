// The reconciliation helper against the real kernel: a sequence of random
// churns of the kube-proxy workload (endpoints replaced, services scaled,
// added and removed), reconciled through each state source ('cache',
// 'kernel', a table watch). After every step the namespace lists exactly
// like a fresh bootstrap of the same desired state loaded by `nft -f` into
// another namespace, and a second sync finds nothing to do (besides deleting
// the chains left stale, which here may go at once).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Nftables } from '../../src/client/nftables.js';
import { Reconciler, type ReconcilerOptions } from '../../src/client/reconcile.js';
import type { TableWatch } from '../../src/client/watch.js';
import { Netns } from '../helpers/netns.js';
import { normalizeJsonListing } from '../helpers/listing.js';
import { desiredTable, nftText, SHAPES, writeServices, type ServiceState, type Shape } from '../../bench/workload/index.js';
import { mulberry32 as rng } from '../helpers/prng.js';


const N = 40;
const STEPS = 7;

interface Member {
  ns: Netns;
  nft: Nftables;
  r: Reconciler;
  watch?: TableWatch;
  label: string;
}

async function freshBootstrap(shape: Shape, services: ServiceState[]): Promise<string> {
  const ns = await Netns.create('rc-ref');
  try {
    await ns.nftFile(nftText((out) => writeServices(shape, services, out)).text);
    return normalizeJsonListing(await ns.nft(['-j', 'list', 'ruleset']));
  } finally {
    await ns.destroy();
  }
}

describe('Reconciler: random churns end where a fresh bootstrap does', () => {
  for (const shape of SHAPES) {
    it(`${shape}: ${STEPS} steps from N=${N}, sources cache, kernel and watch`, async () => {
      const random = rng(shape === 'v135' ? 135 : 136);
      const live = new Map<number, ServiceState>();
      for (let i = 0; i < N; i++) live.set(i, { i, endpoints: 3, generation: 0 });
      let nextIndex = N;
      const members: Member[] = [];
      try {
        for (const source of ['cache', 'kernel', 'watch'] as const) {
          const ns = await Netns.create(`rc-${source}`);
          const nft = await Nftables.open({ netns: ns.path });
          const m: Member = { ns, nft, label: source, r: undefined as unknown as Reconciler };
          const opts: ReconcilerOptions = { family: 'ip', table: 'kube-proxy', staleChainDelayMs: 0 };
          if (source === 'watch') {
            m.watch = nft.watch({ family: 'ip', table: 'kube-proxy' });
            await m.watch.ready;
            opts.source = m.watch;
          } else {
            opts.source = source;
          }
          m.r = new Reconciler(nft, opts);
          members.push(m);
        }
        for (let step = 0; step <= STEPS; step++) {
          const changes: string[] = [];
          if (step > 0) {
            const n = 1 + Math.floor(random() * 4);
            for (let c = 0; c < n; c++) {
              const ids = [...live.keys()];
              const pick = live.get(ids[Math.floor(random() * ids.length)]!)!;
              const what = random();
              if (what < 0.4) {
                pick.generation = (pick.generation % 7) + 1;
                changes.push(`churn ${pick.i}`);
              } else if (what < 0.6) {
                pick.endpoints = 1 + Math.floor(random() * 5);
                changes.push(`scale ${pick.i} to ${pick.endpoints}`);
              } else if (what < 0.8) {
                live.set(nextIndex, { i: nextIndex, endpoints: 1 + Math.floor(random() * 4), generation: 0 });
                changes.push(`add ${nextIndex++}`);
              } else if (live.size > 1) {
                live.delete(pick.i);
                changes.push(`delete ${pick.i}`);
              }
            }
          }
          const services = [...live.values()].sort((a, b) => a.i - b.i).map((s) => ({ ...s }));
          const expected = await freshBootstrap(shape, services);
          for (const m of members) {
            const first = await m.r.sync(desiredTable(shape, services));
            assert.ok(step === 0 ? first.chainsAdded > 0 : first.operations > 0 || changes.length === 0, `${m.label} step ${step}: ${changes.join(', ')}`);
            // The next sync only deletes what the first left stale.
            const second = await m.r.sync(desiredTable(shape, services));
            assert.equal(second.commit, undefined, `${m.label} step ${step}: a second sync sent ${second.operations} operations (${changes.join(', ')})`);
            assert.equal(second.chainsDeleted, first.chainsFlushed, `${m.label} step ${step}: stale chains`);
            const got = normalizeJsonListing(await m.ns.nft(['-j', 'list', 'ruleset']));
            assert.equal(got, expected, `${m.label} step ${step}: ${changes.join(', ')}`);
          }
        }
      } finally {
        for (const m of members) {
          await m.watch?.close();
          await m.nft.close();
          await m.ns.destroy();
        }
      }
    });
  }
});
