// The addon's socket: gathered sends, sends from the thread pool, receiving
// into the caller's buffer, readable notifications, and closing while work is
// in flight.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Netns } from '../helpers/netns.js';
import { decodeError, parseMessages } from '../../src/netlink/message.js';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_ERROR } from '../../src/netlink/constants.js';
import {
  batchBegin, batchEnd, fdCount, gc, getGen, getTable, newChain, newTable, NFNLGRP_NFTABLES, openSocket, sleep, waitFor,
} from './util.js';

const NEWTABLE = 0x0a00;
const NEWGEN = 0x0a0f;

async function withNs<T>(fn: (ns: Netns) => Promise<T>): Promise<T> {
  const ns = await Netns.create('nio');
  try {
    return await fn(ns);
  } finally {
    await ns.destroy();
  }
}

function chainCount(listing: string): number {
  return (listing.match(/^\s*chain /gm) ?? []).length;
}

test('an array of Buffers goes out as one datagram (one sendmsg)', () => withNs(async (ns) => {
  const s = openSocket(ns.path);
  try {
    const parts = [batchBegin(), newTable('gathered'), batchEnd()];
    const total = parts.reduce((n, b) => n + b.length, 0);
    assert.equal(s.send(parts), total);
    assert.match(await ns.nft('list tables'), /table ip gathered/);

    // The same pieces as three datagrams are not a batch: BEGIN alone is
    // aborted, and NEWTABLE outside a batch is refused.
    s.send(batchBegin());
    s.send(newTable('split'));
    s.send(batchEnd());
    await sleep(20);
    const buf = Buffer.alloc(1 << 16);
    const r = s.recv(buf);
    const errs = parseMessages(buf, 0, r.bytes).filter((m) => m.type === NLMSG_ERROR).map((m) => decodeError(m).errno);
    assert.ok(errs.includes(22), `NEWTABLE outside a batch → EINVAL, got ${JSON.stringify(errs)}`);
    assert.doesNotMatch(await ns.nft('list tables'), /split/);
  } finally {
    s.close();
  }
}));

test('more Buffers than IOV_MAX still go out as one datagram', () => withNs(async (ns) => {
  const s = openSocket(ns.path);
  try {
    s.setBuffers({ snd: 1 << 20 });
    const parts = [batchBegin(), newTable('many')];
    for (let i = 0; i < 1500; i++) parts.push(newChain('many', `c${i}`));
    parts.push(batchEnd());
    const total = parts.reduce((n, b) => n + b.length, 0);
    assert.equal(s.send(parts), total);
    assert.equal(chainCount(await ns.nft('list table ip many')), 1500);
  } finally {
    s.close();
  }
}));

test('sendAsync sends a large batch from the thread pool', () => withNs(async (ns) => {
  const s = openSocket(ns.path);
  try {
    s.setBuffers({ snd: 4 << 20 });
    const parts = [newTable('async')];
    for (let i = 0; i < 3000; i++) parts.push(newChain('async', `chain-${i}`));
    const body = Buffer.concat(parts);
    assert.ok(body.length > 64 << 10);
    const p = s.sendAsync([batchBegin(), body, batchEnd()]);
    // Nothing holds the pieces but the pending send.
    gc();
    const sent = await p;
    assert.equal(sent, body.length + 40);
    assert.equal(chainCount(await ns.nft('list table ip async')), 3000);
  } finally {
    s.close();
  }
}));

test('a datagram larger than the send buffer fails with EMSGSIZE (sync and async)', async () => {
  const s = openSocket();
  try {
    const { snd } = s.setBuffers({ snd: 4096 });
    const big = Buffer.alloc(snd * 4);
    assert.throws(() => s.send(big), { code: 'EMSGSIZE', errno: 90, syscall: 'sendmsg' });
    await assert.rejects(s.sendAsync([big]), { code: 'EMSGSIZE', errno: 90, syscall: 'sendmsg' });
  } finally {
    s.close();
  }
});

test('recv fills the caller\'s buffer from an offset, several datagrams 4-byte aligned', () => withNs(async (ns) => {
  await ns.nft('add table ip t');
  const s = openSocket(ns.path);
  try {
    const empty = s.recv(Buffer.alloc(1024));
    assert.deepEqual({ bytes: empty.bytes, count: empty.count, error: empty.error }, { bytes: 0, count: 0, error: undefined });
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const g = getTable('t');
      seqs.push(g.seq);
      s.send(g.msg);
    }
    const buf = Buffer.alloc(1 << 16, 0xee);
    const r = s.recv(buf, 8, 1024);
    assert.equal(r.count, 3);
    assert.equal(r.error, undefined);
    assert.equal(buf.readUInt32BE(0), 0xeeeeeeee, 'bytes before the offset are untouched');
    assert.equal(buf.readUInt32BE(4), 0xeeeeeeee);
    const msgs = parseMessages(buf, 8, 8 + r.bytes);
    assert.deepEqual(msgs.map((m) => m.seq), seqs);
    assert.ok(msgs.every((m) => m.type === NEWTABLE && (m.start - 8) % 4 === 0));
    assert.equal(r.bytes % 4, 0);
  } finally {
    s.close();
  }
}));

test('recv reports truncation: a datagram that does not fit stays queued, or is reported lost', () => withNs(async (ns) => {
  await ns.nft('add table ip t');
  const s = openSocket(ns.path);
  try {
    s.send(getTable('t').msg);
    // Less room than minRoom: the size is peeked, nothing is lost.
    const small = Buffer.alloc(16);
    const r1 = s.recv(small);
    assert.equal(r1.count, 0);
    assert.equal(r1.error?.code, 'EMSGTRUNC');
    assert.equal(r1.error?.syscall, 'recv');
    assert.equal(r1.error?.dropped, false);
    const needed = r1.error!.needed!;
    assert.ok(needed > 16);
    const r2 = s.recv(Buffer.alloc(needed), 0, needed);
    assert.equal(r2.count, 1);
    assert.equal(r2.bytes, (needed + 3) & ~3);
    assert.equal(r2.error, undefined);

    // With minRoom 0 the datagram is read straight into the small buffer:
    // netlink cannot return the rest, so it is reported lost.
    s.send(getTable('t').msg);
    const r3 = s.recv(small, 0, 0);
    assert.equal(r3.error?.code, 'EMSGTRUNC');
    assert.equal(r3.error?.dropped, true);
    assert.equal(r3.error?.needed, needed);
    assert.equal(s.recv(Buffer.alloc(4096)).count, 0);
  } finally {
    s.close();
  }
}));

test('error replies are capped and carry extended-ack TLVs', async () => {
  const s = openSocket();
  try {
    // A 256-byte table name fails the kernel's attribute policy.
    const g = getTable('x'.repeat(256));
    s.send(g.msg);
    const buf = Buffer.alloc(4096);
    const r = await s.recvAsync(buf, 0, 4096, 2000);
    const [m] = parseMessages(buf, 0, r.bytes);
    assert.equal(m!.type, NLMSG_ERROR);
    assert.ok(m!.flags & NLM_F_CAPPED, 'NETLINK_CAP_ACK: the request is not echoed back');
    assert.ok(m!.flags & NLM_F_ACK_TLVS, 'NETLINK_EXT_ACK: TLVs follow');
    assert.ok(m!.end - m!.start < g.msg.length + 36, 'the 256-byte name is not in the reply');
    const e = decodeError(m!);
    assert.equal(e.errno, 34);
    assert.equal(e.request.seq, g.seq);
    assert.match(e.message ?? '', /policy/);
    assert.equal(e.offset, 20);
  } finally {
    s.close();
  }
});

test('recv surfaces ENOBUFS after the receive queue overflowed', () => withNs(async (ns) => {
  const listener = openSocket(ns.path);
  const writer = openSocket(ns.path);
  try {
    listener.bind([NFNLGRP_NFTABLES]);
    listener.setBuffers({ rcv: 4096 });
    writer.setBuffers({ snd: 1 << 20 });
    const parts = [batchBegin(), newTable('flood')];
    for (let i = 0; i < 500; i++) parts.push(newChain('flood', `c${i}`));
    parts.push(batchEnd());
    writer.send(parts);
    const buf = Buffer.alloc(1 << 20);
    let sawEnobufs = false;
    for (let i = 0; i < 1000 && !sawEnobufs; i++) {
      const r = listener.recv(buf);
      if (r.error?.code === 'ENOBUFS') sawEnobufs = true;
      else if (r.count === 0) break;
    }
    assert.ok(sawEnobufs);
  } finally {
    listener.close();
    writer.close();
  }
}));

test('startPolling calls back when multicast events arrive; stopPolling and dropMembership stop them', () => withNs(async (ns) => {
  const s = openSocket(ns.path);
  try {
    s.bind([NFNLGRP_NFTABLES]);
    // Room for several datagrams per recv.
    const buf = Buffer.alloc(1 << 18);
    const types: number[] = [];
    let calls = 0;
    s.startPolling((err) => {
      assert.equal(err, null);
      calls++;
      const r = s.recv(buf);
      for (const m of parseMessages(buf, 0, r.bytes)) types.push(m.type);
    });
    await ns.nft('add table ip polled');
    assert.ok(await waitFor(() => types.includes(NEWGEN), 5000), `events seen: ${types}`);
    assert.ok(calls >= 1);
    assert.ok(types.includes(NEWTABLE));

    s.stopPolling();
    const seen = calls;
    await ns.nft('add table ip unpolled');
    await sleep(100);
    assert.equal(calls, seen, 'no callback after stopPolling');
    assert.ok(s.recv(buf).count > 0, 'the event was still delivered to the socket');

    s.dropMembership(NFNLGRP_NFTABLES);
    await ns.nft('add table ip unheard');
    await sleep(50);
    assert.equal(s.recv(buf).count, 0, 'no events after dropMembership');
  } finally {
    s.close();
  }
}));

test('a readable listener that throws becomes an uncaught exception', () => {
  const child = fileURLToPath(new URL('./poll-throw-child.js', import.meta.url));
  const r = spawnSync(process.execPath, [child], { encoding: 'utf8', timeout: 30_000, env: process.env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'uncaught: boom from the listener');
});

test('recvAsync waits for data up to its timeout', async () => {
  const s = openSocket();
  try {
    const buf = Buffer.alloc(4096);
    const t0 = Date.now();
    const idle = await s.recvAsync(buf, 0, 4096, 100);
    assert.equal(idle.count, 0);
    assert.ok(Date.now() - t0 >= 90);
    const p = s.recvAsync(buf, 0, 4096, 5000);
    setTimeout(() => s.send(getGen().msg), 30);
    const r = await p;
    assert.equal(r.count, 1);
    assert.equal(parseMessages(buf, 0, r.bytes)[0]!.type, NEWGEN);
  } finally {
    s.close();
  }
});

test('close while recvAsync waits ends the wait (ECANCELED) and then releases the descriptor', async () => {
  const before = fdCount();
  const s = openSocket();
  const buf = Buffer.alloc(4096);
  const p = s.recvAsync(buf, 0, 4096, 20_000);
  await sleep(20);
  const t0 = Date.now();
  s.close();
  assert.equal(s.closed, true);
  const r = await p;
  assert.ok(Date.now() - t0 < 2000, 'close did not wait for the timeout');
  assert.equal(r.count, 0);
  assert.equal(r.error?.code, 'ECANCELED');
  assert.ok(await waitFor(() => fdCount() === before, 2000), 'socket and eventfd closed');
  s.close();
});

test('close while sendAsync is in flight: the send completes, then the descriptor is released', () => withNs(async (ns) => {
  const before = fdCount();
  const s = openSocket(ns.path);
  s.setBuffers({ snd: 8 << 20 });
  const parts = [batchBegin(), newTable('inflight')];
  for (let i = 0; i < 5000; i++) parts.push(newChain('inflight', `c${i}`));
  parts.push(batchEnd());
  const p = s.sendAsync(Buffer.concat(parts));
  s.close();
  s.close();
  assert.equal(s.closed, true);
  assert.throws(() => s.send(batchBegin()), { code: 'EBADF' });
  const sent = await p;
  assert.ok(sent > 0);
  assert.ok(await waitFor(() => fdCount() === before, 2000));
  assert.equal(chainCount(await ns.nft('list table ip inflight')), 5000);
}));
