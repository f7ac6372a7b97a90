// The watch (live table copy) against re-listing, on a kube-proxy table of N
// services (v1.35 shape, K = 10 endpoints, built with the shared generator).
//
// Measured, side by side in one run:
//  - reading the table's state: a fresh consistent listing (readTableState)
//    against the watch's snapshot();
//  - a partial sync (one service: its 10 endpoint chains flushed and their
//    rules added again, its ClusterIP element added again: 31 operations in
//    one transaction), reading the state first from a fresh listing or from
//    the watch; with the watch, the sync also waits until the copy has its
//    own commit;
//  - how long after commit() returns the watch reflects the commit.
//
// Run: node dist/bench/watch.js [N]   (N = 10000 by default; building the table takes minutes)

import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Nftables, readTableState, type TableState, type TableWatch } from '../src/index.js';
import { ruleForRecreate } from '../src/client/transaction.js';
import { Netns } from '../test/helpers/netns.js';

const GEN = '/work/shared/workload/gen_kubeproxy.py';
const N = Number(process.argv[2] ?? 10_000);
const CHUNK = 1000;

function gen(args: string[]): string {
  return execFileSync('python3', [GEN, '--endpoints', '10', '--shape', 'v135', ...args], { maxBuffer: 1 << 30 }).toString();
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** One service's partial sync, built from a state: flush and refill its endpoint chains, re-add its ClusterIP. */
async function partialSync(nft: Nftables, st: TableState, i: number): Promise<number> {
  const tag = `/svc${i}/tcp/p80__`;
  const chains = st.chains.filter((c) => c.name.startsWith('endpoint-') && c.name.includes(tag)).map((c) => c.name);
  if (chains.length === 0) throw new Error(`service ${i} has no endpoint chains`);
  const tx = nft.transaction({ echo: false });
  for (const name of chains) {
    tx.flushChain({ family: 'ip', table: 'kube-proxy', name });
    for (const r of st.rules) if (r.chain === name) tx.addRule(ruleForRecreate(r));
  }
  const cip = `172.30.${(1 + i) >> 8}.${(1 + i) & 255}`;
  tx.addElements({ family: 'ip', table: 'kube-proxy', set: 'cluster-ips', elements: [{ key: cip }] });
  const res = await tx.commit();
  return res.generation;
}

async function main(): Promise<void> {
  const ns = await Netns.create('benchw');
  try {
    let t = performance.now();
    await ns.nftFile(gen(['--services', String(Math.min(N, CHUNK)), 'bootstrap']));
    for (let first = CHUNK; first < N; first += CHUNK) {
      await ns.nftFile(gen(['--services', String(first), 'add', '--first', String(first), '--count', String(Math.min(CHUNK, N - first))]));
      process.stderr.write(`  built ${first + CHUNK} services\n`);
    }
    console.log(`table of ${N} services built in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const nft = await Nftables.open({ netns: ns.path });
    try {
      const listing: number[] = [];
      let st!: TableState;
      for (let k = 0; k < 3; k++) {
        t = performance.now();
        st = await readTableState(nft, { family: 'ip', table: 'kube-proxy' });
        listing.push(performance.now() - t);
      }
      const elements = st.sets.reduce((n, s) => n + (s.elements?.length ?? 0), 0);
      console.log(`state: ${st.chains.length} chains, ${st.rules.length} rules, ${st.sets.length} sets, ${elements} elements`);
      console.log(`fresh listing (readTableState): median ${ms(median(listing))} ms of ${listing.map(ms).join(', ')}`);

      t = performance.now();
      const w: TableWatch = nft.watch({ family: 'ip', table: 'kube-proxy' });
      await w.ready;
      console.log(`watch ready (initial snapshot) in ${ms(performance.now() - t)} ms`);
      const snaps: number[] = [];
      for (let k = 0; k < 20; k++) {
        t = performance.now();
        w.snapshot();
        snaps.push(performance.now() - t);
      }
      console.log(`watch.snapshot(): median ${ms(median(snaps))} ms`);

      const viaListing: number[] = [];
      const viaWatch: number[] = [];
      const lags: number[] = [];
      for (let k = 0; k < 6; k++) {
        // Alternate, so both see the same machine.
        const i = 100 + k * 2;
        t = performance.now();
        await partialSync(nft, await readTableState(nft, { family: 'ip', table: 'kube-proxy' }), i);
        viaListing.push(performance.now() - t);

        t = performance.now();
        const g = await partialSync(nft, w.snapshot(), i + 1);
        const committed = performance.now();
        await w.waitForGeneration(g, 30_000);
        const done = performance.now();
        viaWatch.push(done - t);
        lags.push(done - committed);
      }
      console.log(`partial sync (31 operations), state from a fresh listing: median ${ms(median(viaListing))} ms of ${viaListing.map(ms).join(', ')}`);
      console.log(`partial sync (31 operations), state from the watch (incl. waiting for its own commit): median ${ms(median(viaWatch))} ms of ${viaWatch.map(ms).join(', ')}`);
      console.log(`  ratio listing/watch: ${(median(viaListing) / median(viaWatch)).toFixed(1)}x`);
      console.log(`watch lag after commit() returned: median ${ms(median(lags))} ms, max ${ms(Math.max(...lags))} ms`);
      const fresh = await readTableState(nft, { family: 'ip', table: 'kube-proxy' });
      const cached = w.snapshot();
      console.log(`copy still equal to a fresh listing: chains ${cached.chains.length === fresh.chains.length}, rules ${JSON.stringify(cached.rules.map((r) => r.handle)) === JSON.stringify(fresh.rules.map((r) => r.handle))}; resyncs ${w.resyncs}`);
      await w.close();
    } finally {
      await nft.close();
    }
  } finally {
    await ns.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
