// Side by side, in one run, in a throwaway namespace: N named counters added
// in one transaction, listed, and reset, through nftlink and through nft.
// Medians of R rounds and the ratio nft / nftlink.
//   node dist/bench/objects.js [N=2000] [R=5]

import { performance } from 'node:perf_hooks';
import { Nftables } from '../src/client/nftables.js';
import { Netns } from '../test/helpers/netns.js';

const N = Number(process.argv[2] ?? 2000);
const R = Number(process.argv[3] ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const ns = await Netns.create('bench');
const nft = await Nftables.open({ netns: ns.path });
try {
  const res: Record<string, { ours: number[]; theirs: number[] }> = { add: { ours: [], theirs: [] }, list: { ours: [], theirs: [] }, reset: { ours: [], theirs: [] } };
  const file = `add table inet t\n${Array.from({ length: N }, (_, i) => `add counter inet t c${i} { packets ${i} bytes ${i * 100} ; }`).join('\n')}\n`;
  for (let r = 0; r < R; r++) {
    await ns.nft(['flush', 'ruleset']);
    res.add!.theirs.push(await time(() => ns.nftFile(file)));
    res.list!.theirs.push(await time(() => ns.nft(['list', 'counters'])));
    res.reset!.theirs.push(await time(() => ns.nft(['reset', 'counters'])));

    await ns.nft(['flush', 'ruleset']);
    res.add!.ours.push(await time(async () => {
      const tx = nft.transaction({ echo: false });
      tx.addTable({ family: 'inet', name: 't' });
      for (let i = 0; i < N; i++) tx.addObject({ family: 'inet', table: 't', name: `c${i}`, type: 'counter', packets: i, bytes: i * 100 });
      await tx.commit();
    }));
    res.list!.ours.push(await time(async () => {
      const objs = await nft.listObjects({ type: 'counter' });
      if (objs.length !== N) throw new Error(`listed ${objs.length}`);
    }));
    res.reset!.ours.push(await time(() => nft.resetObjects({ type: 'counter' })));
  }
  console.log(`${N} counters, median of ${R} rounds (ms)`);
  console.log('operation        nftlink      nft   nft/nftlink');
  for (const [k, v] of Object.entries(res)) {
    const a = median(v.ours);
    const b = median(v.theirs);
    console.log(`${k.padEnd(12)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(8)} ${(b / a).toFixed(1).padStart(10)}x`);
  }
} finally {
  await nft.close();
  await ns.destroy();
}
