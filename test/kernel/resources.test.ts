// Resources: open/close leaks no descriptors or threads; the socket layer's
// dumps span many datagrams; sequence numbers wrap safely.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Nftables } from '../../src/client/nftables.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { Netns } from '../helpers/netns.js';
import { withClient } from './util.js';

const fds = (): number => readdirSync('/proc/self/fd').length;
const threads = (): number => readdirSync('/proc/self/task').length;

test('no leaks: 10,000 open/close cycles (in another namespace) leave no descriptors or threads behind', async () => {
  const ns = await Netns.create('leak');
  try {
    // Warm up whatever is created once (the addon, libuv's pool).
    await (await Nftables.open({ netns: ns.path })).close();
    const fd0 = fds();
    const th0 = threads();
    for (let i = 0; i < 10_000; i++) {
      const nft = await Nftables.open({ netns: ns.path });
      if (i % 1000 === 0) await nft.getGeneration();
      await nft.close();
    }
    assert.equal(fds(), fd0);
    assert.equal(threads(), th0);
    // Sockets in this process's own namespace take the other path.
    for (let i = 0; i < 1000; i++) NetlinkSocket.open().close();
    assert.equal(fds(), fd0);
  } finally {
    await ns.destroy();
  }
});

test('dumps span many datagrams and end at NLMSG_DONE; replies are matched to requests by seq', () =>
  withClient(async (nft, ns) => {
    const lines = ['add table ip d'];
    for (let i = 0; i < 3000; i++) lines.push(`add chain ip d chain-with-a-longish-name-${i} { comment "c${i}"; }`);
    await ns.nftFile(lines.join('\n') + '\n');
    let datagrams = 0;
    const seqs = new Set<number>();
    nft.sock.tracer = (dir, m) => {
      if (dir === 'recv') {
        seqs.add(m.seq);
        datagrams++;
      }
    };
    const chains = await nft.listChains({ family: 'ip', table: 'd' });
    nft.sock.tracer = undefined;
    assert.equal(chains.length, 3000);
    assert.deepEqual(chains.map((c) => c.comment), Array.from({ length: 3000 }, (_, i) => `c${i}`));
    assert.equal(seqs.size, 1, 'every message of the dump answers the one request');
    assert.ok(datagrams >= 3001, 'objects plus NLMSG_DONE');
    // Interleaved single requests each get their own reply.
    const [g, t, c] = await Promise.all([
      nft.getGeneration(), nft.getTable({ family: 'ip', name: 'd' }), nft.getChain({ family: 'ip', table: 'd', name: 'chain-with-a-longish-name-7' }),
    ]);
    assert.ok(g.id > 0);
    assert.equal(t.use, 3000);
    assert.equal(c.comment, 'c7');
    await assert.rejects(nft.getChain({ family: 'ip', table: 'd', name: 'nope' }), { code: 'ENOENT' });
  }));

test('sequence numbers never wrap through 0', () => {
  const s = NetlinkSocket.open();
  try {
    (s as unknown as { seqNext: number }).seqNext = 0xfffffff0;
    const first = s.allocSeq(100);
    assert.equal(first, 1, 'a range that would cross 2^32 starts over at 1');
    assert.equal(s.allocSeq(), 101);
    (s as unknown as { seqNext: number }).seqNext = 0xffffffff;
    assert.equal(s.allocSeq(), 0xffffffff);
    assert.equal(s.allocSeq(), 1);
  } finally {
    s.close();
  }
});
