// The addon's socket: opening (here and in another namespace), options,
// buffer sizing, errors, closing and the finalizer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Netns, run } from '../helpers/netns.js';
import {
  batchBegin, batchEnd, fdCount, gc, NETLINK_CAP_ACK, NETLINK_EXT_ACK, newTable, openSocket, SOL_NETLINK, waitFor,
} from './util.js';
import { loadAddon } from '../../src/netlink/native.js';

const SOL_SOCKET = 1;
const SO_SNDBUF = 7;

function threadNamespaces(): Set<string> {
  const out = new Set<string>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.add(readlinkSync(`/proc/self/task/${tid}/ns/net`));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

test('opens in this namespace with a port id, extended and capped acks on', () => {
  const s = openSocket();
  try {
    assert.ok(s.fd >= 0);
    assert.ok(s.portId > 0, 'the kernel assigned a port id');
    assert.equal(s.closed, false);
    assert.equal(s.extAck, true);
    assert.equal(s.capAck, true);
    assert.equal(s.getOption(SOL_NETLINK, NETLINK_EXT_ACK), 1);
    assert.equal(s.getOption(SOL_NETLINK, NETLINK_CAP_ACK), 1);
    // The descriptor is a netlink socket of this process.
    assert.match(readlinkSync(`/proc/self/fd/${s.fd}`), /^socket:\[\d+\]$/);
  } finally {
    s.close();
  }
});

test('/proc/self/ns/net names this namespace', () => {
  const s = openSocket('/proc/self/ns/net');
  s.close();
  assert.equal(s.closed, true);
});

test('opens in a named namespace; no thread of the process changes namespace', async () => {
  const ns = await Netns.create('native');
  try {
    const before = threadNamespaces();
    assert.equal(before.size, 1);
    const s = openSocket(ns.path);
    try {
      const sent = s.send([batchBegin(), newTable('native_probe'), batchEnd()]);
      assert.ok(sent > 0);
      assert.match(await ns.nft('list tables'), /table ip native_probe/);
      // The host namespace is only read here, never changed.
      const host = await run('nft', ['list', 'tables']);
      assert.doesNotMatch(host.stdout, /native_probe/);
      assert.deepEqual(threadNamespaces(), before);
    } finally {
      s.close();
    }
  } finally {
    await ns.destroy();
  }
});

test('failed syscalls throw errors with errno, code and syscall', () => {
  const { NetlinkSocket } = loadAddon();
  assert.throws(() => new NetlinkSocket(12, '/var/run/netns/nftlink-does-not-exist'), (e: NodeJS.ErrnoException & { path?: string }) => {
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.errno, 2);
    assert.equal(e.syscall, 'open');
    assert.equal(e.path, '/var/run/netns/nftlink-does-not-exist');
    return true;
  });
  // A namespace file of another kind: setns refuses it.
  assert.throws(() => new NetlinkSocket(12, '/proc/self/ns/uts'), { code: 'EINVAL', errno: 22, syscall: 'setns' });
  // No such netlink protocol.
  assert.throws(() => new NetlinkSocket(31), { code: 'EPROTONOSUPPORT', syscall: 'socket' });
  const s = openSocket();
  try {
    // nfnetlink has fewer groups than this.
    assert.throws(() => s.addMembership(4000), { code: 'EINVAL', errno: 22, syscall: 'setsockopt' });
    assert.throws(() => s.setOption(SOL_SOCKET, 9999, 1), { code: 'ENOPROTOOPT', syscall: 'setsockopt' });
  } finally {
    s.close();
  }
});

test('bad arguments throw TypeErrors, never crash', () => {
  const { NetlinkSocket } = loadAddon();
  assert.throws(() => new NetlinkSocket('12' as unknown as number), TypeError);
  assert.throws(() => new NetlinkSocket(12, 42 as unknown as string), TypeError);
  const s = openSocket();
  try {
    assert.throws(() => s.bind('7' as unknown as number[]), TypeError);
    assert.throws(() => s.bind([-1]), TypeError);
    assert.throws(() => s.addMembership(undefined as unknown as number), TypeError);
    assert.throws(() => s.setBuffers(null as unknown as { snd: number }), TypeError);
    assert.throws(() => s.setBuffers({ snd: -5 }), TypeError);
    assert.throws(() => s.setOption(1, 2, 'x' as unknown as number), TypeError);
    assert.throws(() => s.send('hello' as unknown as Buffer), TypeError);
    assert.throws(() => s.send([Buffer.alloc(4), {} as Buffer]), TypeError);
    assert.throws(() => s.recv({} as Buffer), TypeError);
    assert.throws(() => s.recv(Buffer.alloc(16), -1), TypeError);
    assert.throws(() => s.startPolling(42 as unknown as () => void), TypeError);
  } finally {
    s.close();
  }
});

test('buffer sizes: FORCE goes past wmem_max/rmem_max', () => {
  const s = openSocket();
  try {
    const wmemMax = Number(spawnSync('cat', ['/proc/sys/net/core/wmem_max']).stdout.toString());
    const want = wmemMax * 4;
    // The kernel doubles what it is given (bookkeeping overhead).
    const got = s.setBuffers({ snd: want, rcv: want });
    assert.equal(got.snd, want * 2);
    assert.equal(got.rcv, want * 2);
    assert.deepEqual(s.getBuffers(), got);
    assert.equal(s.getOption(SOL_SOCKET, SO_SNDBUF), want * 2);
    // Only one of the two.
    assert.equal(s.setBuffers({ rcv: 300_000 }).rcv, 600_000);
    assert.equal(s.getBuffers().snd, want * 2);
  } finally {
    s.close();
  }
});

test('buffer sizes: without CAP_NET_ADMIN in the initial user namespace FORCE is refused and the capped option is used', () => {
  // A child in a new user namespace (root there, but not in the initial one).
  const child = fileURLToPath(new URL('./buffers-child.js', import.meta.url));
  const r = spawnSync('unshare', ['-U', '-r', '-n', process.execPath, child], { encoding: 'utf8', timeout: 30_000, env: process.env });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { forceErrno: number; got: { snd: number; rcv: number }; wmemMax: number; rmemMax: number; want: number };
  assert.equal(out.forceErrno, 1, 'SO_SNDBUFFORCE is refused with EPERM in the child');
  assert.ok(out.want > out.wmemMax);
  assert.equal(out.got.snd, out.wmemMax * 2, 'fell back to SO_SNDBUF, capped at 2 × wmem_max');
  assert.equal(out.got.rcv, out.rmemMax * 2, 'fell back to SO_RCVBUF, capped at 2 × rmem_max');
});

test('close is idempotent; a closed socket refuses work with EBADF', () => {
  const before = fdCount();
  const s = openSocket();
  assert.equal(fdCount(), before + 1);
  s.close();
  s.close();
  assert.equal(s.closed, true);
  assert.equal(s.fd, -1);
  assert.equal(fdCount(), before);
  for (const f of [() => s.send(Buffer.alloc(20)), () => s.recv(Buffer.alloc(64)), () => s.getBuffers(),
    () => s.bind([7]), () => s.startPolling(() => {}), () => s.recvAsync(Buffer.alloc(64), 0, 64, 0)]) {
    assert.throws(f, { code: 'EBADF', errno: 9 });
  }
  s.stopPolling();
});

test('the finalizer closes the descriptor of a socket nobody closed', async () => {
  gc();
  const before = fdCount();
  (() => {
    for (let i = 0; i < 200; i++) openSocket();
  })();
  assert.equal(fdCount(), before + 200);
  // Finalizers run after collection, on the event loop.
  const ok = await waitFor(() => {
    gc();
    return fdCount() <= before;
  }, 10_000);
  assert.ok(ok, `descriptors left: ${fdCount() - before}`);
});

test('a polling socket is not collected while it polls', async () => {
  gc();
  const before = fdCount();
  let holder: { stop?: () => void } = {};
  (() => {
    const s = openSocket();
    s.startPolling(() => {});
    holder = { stop: () => s.close() };
  })();
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(fdCount(), before + 1, 'still open while polling');
  holder.stop!();
  assert.equal(fdCount(), before);
});

test('the addon under test is the build NFTLINK_ADDON names (the sanitizer build in CI)', () => {
  openSocket().close();
  const maps = readFileSync('/proc/self/maps', 'utf8');
  const override = process.env['NFTLINK_ADDON'];
  const expected = override ? resolve(override) : resolve(fileURLToPath(new URL('../../../build/Release/nftlink.node', import.meta.url)));
  assert.ok(maps.includes(expected), `${expected} is mapped`);
  if (override && /asan/.test(override)) assert.match(maps, /libasan\.so/, 'ASan runtime loaded');
});
