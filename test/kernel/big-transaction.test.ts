// A 200 000-operation transaction: it commits (buffers sized to the 35 MB
// datagram, no ENOBUFS), every operation is in the kernel afterwards, and
// the event loop is never held for 50 ms while the commit runs (encoding
// yields, the kernel's sendmsg runs on the thread pool, replies are read in
// slices).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Nftables } from '../../src/client/nftables.js';
import { Netns } from '../helpers/netns.js';
import { watchLoop } from '../helpers/stall.js';
import { ipAddrEq, verdict } from '../../bench/workload/exprs.js';

const CHAINS = 20_000;
const RULES_PER_CHAIN = 9;

test('a 200k-operation transaction commits without ENOBUFS and without holding the event loop', async (t) => {
  const ns = await Netns.create('big');
  const nft = await Nftables.open({ netns: ns.path });
  try {
    // Warm up, so that JIT compilation is not what gets measured.
    const warm = nft.transaction({ echo: false });
    warm.addTable({ family: 'ip', name: 'warm' });
    for (let c = 0; c < 2000; c++) {
      warm.addChain({ family: 'ip', table: 'warm', name: `c${c}` });
      for (let r = 0; r < 3; r++) warm.addRule({ family: 'ip', table: 'warm', chain: `c${c}`, exprs: [...ipAddrEq('daddr', c * 4 + r), verdict({ verdict: 'accept' })] });
    }
    await warm.commit();

    const tx = nft.transaction({ echo: false });
    tx.addTable({ family: 'ip', name: 'big' });
    for (let c = 0; c < CHAINS; c++) tx.addChain({ family: 'ip', table: 'big', name: `chain-${c}` });
    for (let c = 0; c < CHAINS; c++) {
      for (let r = 0; r < RULES_PER_CHAIN; r++) {
        tx.addRule({ family: 'ip', table: 'big', chain: `chain-${c}`, exprs: [...ipAddrEq('daddr', ((10 << 24) + c * 16 + r) >>> 0), verdict({ verdict: 'accept' })] });
      }
    }
    assert.equal(tx.size, 1 + CHAINS * (1 + RULES_PER_CHAIN));

    const { result, stall } = await watchLoop(() => tx.commit());
    t.diagnostic(`${result.operations} operations, ${(result.bytes / 2 ** 20).toFixed(1)} MiB: encode ${result.timings.encodeMs.toFixed(0)} ms, ` +
      `kernel ${result.timings.sendMs.toFixed(0)} ms, replies ${result.timings.replyMs.toFixed(0)} ms; loop thread busy at most ${stall.busyMs.toFixed(1)} ms ` +
      `between ticks, longest gap ${stall.gapMs.toFixed(1)} ms, ${(stall.contention * 100).toFixed(0)}% of the time waiting for a CPU; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    assert.equal(result.operations, tx.size);
    assert.equal(result.messages, tx.size + 2);
    assert.ok(nft.sock.bufferSizes.snd >= result.bytes, 'the send buffer holds the whole datagram');
    assert.ok(stall.ticks > 10, 'the timer ran while the commit did');
    assert.ok(stall.busyMs < 50, `the loop thread worked ${stall.busyMs.toFixed(1)} ms without coming back to the loop`);
    // Wall-clock gaps mean something only when this thread was not waiting for a CPU.
    if (stall.contention < 0.1) assert.ok(stall.gapMs < 50, `the timer waited ${stall.gapMs.toFixed(1)} ms on a quiet machine`);

    // Everything arrived.
    let rules = 0;
    const listing = await nft.listTable({ family: 'ip', name: 'big' }, { strategy: 'chains', onRule: () => void rules++, onRestart: () => void (rules = 0) });
    assert.equal(listing.chains.length, CHAINS);
    assert.equal(rules, CHAINS * RULES_PER_CHAIN);
  } finally {
    await nft.close();
    await ns.destroy();
  }
});
