// Transactions against the real kernel, each in its own namespace, with nft as
// the judge: atomicity and error attribution, handles, dry runs, validation,
// the generation guard, renames, destroy, comments, flushes, disposal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { Nftables } from '../../src/client/nftables.js';
import type { Transaction } from '../../src/client/transaction.js';
import { GenerationConflictError, TransactionError } from '../../src/client/errors.js';
import { ValidationError } from '../../src/errors.js';
import { Netns } from '../helpers/netns.js';
import { withClient } from './util.js';

const SETUP = [
  'add table inet t',
  'add chain inet t existing',
  'add chain inet t target',
  'add rule inet t existing jump target',
  'add table ip other { comment "untouched"; }',
  'add chain ip other input { type filter hook input priority 0; policy accept; }',
  '',
].join('\n');

interface Bad {
  what: string;
  add: (tx: Transaction) => void;
  kind: string;
  label: string;
  code: string;
  attribute?: string;
}

// One refused operation of each kind the kernel refuses, with what the error
// must say about it (errno, and the attribute when the kernel points at one).
const BAD: Bad[] = [
  { what: 'chain in a missing table', add: (tx) => tx.addChain({ family: 'inet', table: 'missing', name: 'x' }),
    kind: 'addChain', label: 'addChain inet missing x', code: 'ENOENT', attribute: 'NFTA_CHAIN_TABLE' },
  { what: 'delete a missing chain', add: (tx) => tx.deleteChain({ family: 'inet', table: 't', name: 'missing' }),
    kind: 'deleteChain', label: 'deleteChain inet t missing', code: 'ENOENT', attribute: 'NFTA_CHAIN_NAME' },
  { what: 'create an existing chain', add: (tx) => tx.createChain({ family: 'inet', table: 't', name: 'existing' }),
    kind: 'createChain', label: 'createChain inet t existing', code: 'EEXIST', attribute: 'NFTA_CHAIN_NAME' },
  { what: 'delete a jump target', add: (tx) => tx.deleteChain({ family: 'inet', table: 't', name: 'target' }),
    kind: 'deleteChain', label: 'deleteChain inet t target', code: 'EBUSY', attribute: 'NFTA_CHAIN_NAME' },
  { what: 'nat priority too low', add: (tx) => tx.addChain({ family: 'inet', table: 't', name: 'n', hook: { type: 'nat', hook: 'prerouting', priority: -300 } }),
    kind: 'addChain', label: 'addChain inet t n', code: 'EOPNOTSUPP' },
  { what: 'create an existing table', add: (tx) => tx.createTable({ family: 'inet', name: 't' }),
    kind: 'createTable', label: 'createTable inet t', code: 'EEXIST', attribute: 'NFTA_TABLE_NAME' },
  { what: 'delete by a missing handle', add: (tx) => tx.deleteChain({ family: 'inet', table: 't', handle: 99999 }),
    kind: 'deleteChain', label: 'deleteChain inet t handle 99999', code: 'ENOENT', attribute: 'NFTA_CHAIN_HANDLE' },
];

test('atomic failure: 1000 operations with one refused at a random position change nothing, and the error names it', () =>
  withClient(async (nft, ns) => {
    await ns.nftFile(SETUP);
    const before = await ns.listRuleset();
    const gen = (await nft.getGeneration()).id;
    for (const bad of BAD) {
      const at = randomInt(1000);
      const tx = nft.transaction();
      for (let i = 0; i < 1000; i++) {
        if (i === at) bad.add(tx);
        else if (i % 3 === 0) tx.addChain({ family: 'inet', table: 't', name: `c${i}`, hook: { hook: 'output', priority: i } });
        else if (i % 3 === 1) tx.addChain({ family: 'inet', table: 't', name: `c${i}`, comment: `chain ${i}` });
        else tx.addTable({ family: 'ip', name: `tbl${i}` });
      }
      const where = `${bad.what} at #${at}`;
      await assert.rejects(tx.commit(), (e: unknown) => {
        assert.ok(e instanceof TransactionError, `${where}: ${String(e)}`);
        assert.equal(e.failures.length, 1, `${where}: ${e.message}`);
        const f = e.failures[0]!;
        assert.equal(f.index, at, where);
        assert.equal(f.kind, bad.kind, where);
        assert.equal(f.label, bad.label, where);
        assert.equal(f.code, bad.code, where);
        assert.equal(f.attribute, bad.attribute, where);
        assert.ok(e.message.includes(`#${at} ${bad.label}: ${bad.code}`), e.message);
        return true;
      });
      assert.equal(await ns.listRuleset(), before, `${where}: nft list ruleset is byte-identical`);
      assert.equal((await nft.getGeneration()).id, gen, `${where}: the generation did not move`);
    }
  }, 'atomic'));

test('every failing operation of a batch is reported, in order', () =>
  withClient(async (nft, ns) => {
    await ns.nftFile(SETUP);
    const tx = nft.transaction();
    tx.addChain({ family: 'inet', table: 't', name: 'fine' });
    tx.deleteChain({ family: 'inet', table: 't', name: 'nope' });
    tx.addChain({ family: 'inet', table: 't', name: 'fine2' });
    tx.createChain({ family: 'inet', table: 't', name: 'existing' });
    await assert.rejects(tx.commit(), (e: TransactionError) => {
      assert.deepEqual(e.failures.map((f) => [f.index, f.code]), [[1, 'ENOENT'], [3, 'EEXIST']]);
      return true;
    });
  }));

test('handles come back on the operations after commit, as nft -a shows them', () =>
  withClient(async (nft, ns) => {
    const tx = nft.transaction();
    const t = tx.addTable({ family: 'inet', name: 'h' });
    const chains = [0, 1, 2].map((i) => tx.addChain({ family: 'inet', table: 'h', name: `c${i}`, ...(i === 1 ? { hook: { hook: 'input' as const, priority: 0 } } : {}) }));
    const result = await tx.commit();
    assert.ok(result.generation > 0);
    const listing = await ns.nft(['-a', 'list', 'ruleset']);
    assert.match(listing, new RegExp(`table inet h \\{ # handle ${t.handle}\\n`));
    for (const [i, c] of chains.entries()) {
      assert.equal(typeof c.handle, 'number');
      assert.match(listing, new RegExp(`chain c${i} \\{ # handle ${c.handle}\\n`));
    }
    // And the same handles through nftlink's own listing.
    const listed = await nft.listChains({ family: 'inet', table: 'h' });
    assert.deepEqual(listed.map((c) => c.handle), chains.map((c) => c.handle));
  }));

test('check() is a dry run: it reports what the kernel would refuse and changes nothing', () =>
  withClient(async (nft, ns) => {
    await ns.nftFile(SETUP);
    const before = await ns.listRuleset();
    const gen = (await nft.getGeneration()).id;
    const good = nft.transaction();
    good.addTable({ family: 'inet', name: 'dry' });
    good.addChain({ family: 'inet', table: 'dry', name: 'c', hook: { hook: 'input', priority: 0 } });
    const r = await good.check();
    assert.equal(r.generation, gen);
    const bad = nft.transaction();
    bad.addChain({ family: 'inet', table: 't', name: 'ok' });
    bad.deleteChain({ family: 'inet', table: 't', name: 'target' });
    await assert.rejects(bad.check(), (e: TransactionError) => e.failures[0]!.index === 1 && e.failures[0]!.code === 'EBUSY');
    assert.equal(await ns.listRuleset(), before);
    assert.equal((await nft.getGeneration()).id, gen);
    // A checked transaction can still be committed.
    const after = await good.commit();
    assert.equal(after.generation, gen + 1);
    assert.match(await ns.listRuleset(), /table inet dry/);
  }));

test('validation before sending: bad input throws a ValidationError naming the field; nothing is sent', () =>
  withClient(async (nft, ns) => {
    await ns.nftFile(SETUP);
    const gen = (await nft.getGeneration()).id;
    const sent: string[] = [];
    nft.sock.tracer = (dir, m) => {
      if (dir === 'send') sent.push(`type ${m.type}`);
    };
    const tx = nft.transaction();
    tx.addChain({ family: 'inet', table: 't', name: 'fine' });
    const cases: [() => unknown, string][] = [
      [() => tx.addChain({ family: 'inet', table: 't', name: 'n'.repeat(256) }), 'name'],
      [() => tx.addTable({ family: 'inet6' as 'inet', name: 'x' }), 'family'],
      [() => tx.addChain({ family: 'ip', table: 't', name: 'c', hook: { hook: 'ingress', priority: 0 } }), 'hook.hook'],
      [() => tx.addChain({ family: 'ip', table: 't', name: 'c', policy: 'drop' }), 'policy'],
    ];
    for (const [f, field] of cases) {
      assert.throws(f, (e: unknown) => e instanceof ValidationError && e.field === field);
    }
    assert.equal(tx.size, 1);
    assert.deepEqual(sent, []);
    assert.equal((await nft.getGeneration()).id, gen);
    nft.sock.tracer = undefined;
  }));

test('generation guard: a stale generation is a GenerationConflictError and nothing changes; the current one commits', () =>
  withClient(async (nft, ns) => {
    const g0 = (await nft.getGeneration()).id;
    await ns.nft('add table ip moved');
    const before = await ns.listRuleset();
    const stale = nft.transaction({ generation: g0 });
    stale.addTable({ family: 'ip', name: 'late' });
    await assert.rejects(stale.commit(), (e: unknown) => {
      assert.ok(e instanceof GenerationConflictError);
      assert.ok(e instanceof TransactionError);
      assert.equal(e.code, 'ERR_NFTLINK_GENERATION_CONFLICT');
      assert.equal(e.expected, g0);
      assert.equal(e.failures[0]!.code, 'ERESTART');
      return true;
    });
    assert.equal(await ns.listRuleset(), before);
    const g1 = (await nft.getGeneration()).id;
    const fresh = nft.transaction({ generation: g1 });
    fresh.addTable({ family: 'ip', name: 'late' });
    assert.equal((await fresh.commit()).generation, g1 + 1);
  }));

test('rename a chain by name and by handle', () =>
  withClient(async (nft, ns) => {
    await ns.nftFile('add table ip t\nadd chain ip t a\nadd chain ip t b\nadd rule ip t a counter\n');
    const [b] = (await nft.listChains({ family: 'ip', table: 't' })).filter((c) => c.name === 'b');
    const tx = nft.transaction();
    tx.renameChain({ family: 'ip', table: 't', name: 'a', newName: 'a2' });
    tx.renameChain({ family: 'ip', table: 't', handle: b!.handle!, newName: 'b2' });
    await tx.commit();
    const listing = await ns.listRuleset();
    assert.match(listing, /chain a2 \{\n\t\tcounter packets 0 bytes 0\n\t\}/, 'rules move with the chain');
    assert.match(listing, /chain b2 \{/);
    assert.doesNotMatch(listing, /chain (a|b) \{/);
    // Renaming a chain that does not exist fails before sending (lookup by name).
    const tx2 = nft.transaction();
    tx2.renameChain({ family: 'ip', table: 't', name: 'gone', newName: 'x' });
    await assert.rejects(tx2.commit(), { code: 'ENOENT' });
  }));

test('destroy succeeds on missing objects; delete of a missing object fails', () =>
  withClient(async (nft, ns) => {
    await ns.nft('add table ip t');
    const tx = nft.transaction();
    tx.destroyTable({ family: 'ip', name: 'never' });
    tx.destroyChain({ family: 'ip', table: 't', name: 'never' });
    tx.destroyChain({ family: 'ip', table: 't', handle: 4242 });
    await tx.commit();
    const del = nft.transaction();
    del.deleteTable({ family: 'ip', name: 'never' });
    await assert.rejects(del.commit(), (e: TransactionError) => e.failures[0]!.code === 'ENOENT');
    // Destroy removes what exists.
    const tx2 = nft.transaction();
    tx2.destroyTable({ family: 'ip', name: 't' });
    await tx2.commit();
    assert.equal(await ns.listRuleset(), '');
  }));

test('comments on tables and chains are shown by nft list, and read back', () =>
  withClient(async (nft, ns) => {
    const tx = nft.transaction();
    tx.addTable({ family: 'ip', name: 'kube-proxy', comment: 'rules for kube-proxy' });
    tx.addChain({ family: 'ip', table: 'kube-proxy', name: 'services', comment: 'ns1/svc1:p80 — ünïcode' });
    tx.addChain({ family: 'ip', table: 'kube-proxy', name: 'filter-input', hook: { hook: 'input', priority: 0 }, comment: 'base' });
    await tx.commit();
    const listing = await ns.listRuleset();
    assert.match(listing, /table ip kube-proxy \{\n\tcomment "rules for kube-proxy"/);
    assert.match(listing, /chain services \{\n\t\tcomment "ns1\/svc1:p80 — ünïcode"/);
    assert.match(listing, /chain filter-input \{\n\t\tcomment "base"/);
    const rs = await nft.listRuleset();
    assert.equal(rs.tables[0]!.comment, 'rules for kube-proxy');
    assert.deepEqual(rs.chains.map((c) => c.comment), ['ns1/svc1:p80 — ünïcode', 'base']);
  }));

test('flush table and flush chain remove rules and keep chains', () =>
  withClient(async (nft, ns) => {
    await ns.nftFile('add table ip t\nadd chain ip t a\nadd chain ip t b\nadd rule ip t a counter\nadd rule ip t b counter\nadd table ip u\nadd chain ip u c\nadd rule ip u c counter\n');
    const tx = nft.transaction();
    tx.flushTable({ family: 'ip', name: 't' });
    tx.flushChain({ family: 'ip', table: 'u', name: 'c' });
    await tx.commit();
    assert.equal(await ns.listRuleset(), 'table ip t {\n\tchain a {\n\t}\n\n\tchain b {\n\t}\n}\ntable ip u {\n\tchain c {\n\t}\n}\n');
  }));

test('table flags: dormant, and adding the table without it wakes it (as nft add table does)', () =>
  withClient(async (nft, ns) => {
    const tx = nft.transaction();
    tx.addTable({ family: 'inet', name: 'sleepy', flags: ['dormant'] });
    await tx.commit();
    assert.match(await ns.listRuleset(), /table inet sleepy \{\n\tflags dormant\n/);
    assert.deepEqual((await nft.getTable({ family: 'inet', name: 'sleepy' })).flags, ['dormant']);
    const wake = nft.transaction();
    wake.addTable({ family: 'inet', name: 'sleepy' });
    await wake.commit();
    assert.doesNotMatch(await ns.listRuleset(), /dormant/);
  }));

test('table flags: owner — other sockets get EPERM; closing the owner removes the table', async () => {
  const ns = await Netns.create('owner');
  const owner = await Nftables.open({ netns: ns.path });
  const other = await Nftables.open({ netns: ns.path });
  try {
    const tx = owner.transaction();
    tx.createTable({ family: 'inet', name: 'mine', flags: ['owner'] });
    tx.addChain({ family: 'inet', table: 'mine', name: 'c' });
    await tx.commit();
    const t = await other.getTable({ family: 'inet', name: 'mine' });
    assert.deepEqual(t.flags, ['owner']);
    assert.equal(t.owner, owner.portId);
    assert.match(await ns.listRuleset(), /table inet mine \{ # progname node\n\tflags owner/);

    const intrude = other.transaction();
    intrude.addChain({ family: 'inet', table: 'mine', name: 'x' });
    await assert.rejects(intrude.commit(), (e: TransactionError) => e.failures[0]!.code === 'EPERM' && e.failures[0]!.index === 0);
    await assert.rejects(ns.nft('add chain inet mine y'), /Operation not permitted/);
    // The owner itself may change it.
    const own = owner.transaction();
    own.addChain({ family: 'inet', table: 'mine', name: 'z' });
    await own.commit();

    await owner.close();
    assert.equal(await ns.listRuleset(), '', 'the table went away with its owner');
  } finally {
    await owner.close();
    await other.close();
    await ns.destroy();
  }
});

test('table flags: owner + persist — the table outlives its owner and can be adopted', async () => {
  const ns = await Netns.create('persist');
  const first = await Nftables.open({ netns: ns.path });
  const second = await Nftables.open({ netns: ns.path });
  try {
    const tx = first.transaction();
    tx.createTable({ family: 'ip', name: 'kept', flags: ['owner', 'persist'] });
    tx.addChain({ family: 'ip', table: 'kept', name: 'c' });
    await tx.commit();
    assert.equal((await second.getTable({ family: 'ip', name: 'kept' })).owner, first.portId);
    await first.close();
    const orphan = await second.getTable({ family: 'ip', name: 'kept' });
    assert.equal(orphan.owner, undefined, 'no owner any more');
    assert.match(await ns.listRuleset(), /chain c/);
    const adopt = second.transaction();
    adopt.addTable({ family: 'ip', name: 'kept', flags: ['owner', 'persist'] });
    await adopt.commit();
    const adopted = await second.getTable({ family: 'ip', name: 'kept' });
    assert.equal(adopted.owner, second.portId);
    assert.deepEqual(adopted.flags, ['owner', 'persist']);
  } finally {
    await first.close();
    await second.close();
    await ns.destroy();
  }
});

test('await using closes the client (Symbol.asyncDispose)', async () => {
  const ns = await Netns.create('dispose');
  try {
    let seen: Nftables | undefined;
    {
      await using nft = await Nftables.open({ netns: ns.path });
      seen = nft;
      assert.equal(nft.sock.closed, false);
      await nft.getGeneration();
    }
    assert.equal(seen!.sock.closed, true);
    assert.throws(() => seen!.transaction(), { code: 'ERR_NFTLINK_CLOSED' });
  } finally {
    await ns.destroy();
  }
});

test('a committed transaction cannot be reused; a refused one can be fixed and sent again', () =>
  withClient(async (nft, ns) => {
    const tx = nft.transaction();
    tx.addChain({ family: 'ip', table: 'later', name: 'c' });
    await assert.rejects(tx.commit(), { code: 'ERR_NFTLINK_TRANSACTION' });
    await ns.nft('add table ip later');
    await tx.commit();
    assert.throws(() => tx.addTable({ family: 'ip', name: 'x' }), { code: 'ERR_NFTLINK_TRANSACTION_STATE' });
    await assert.rejects(tx.commit(), { code: 'ERR_NFTLINK_TRANSACTION_STATE' });
  }));

test('base chain counters: set when created, read back, counting loopback traffic; chain flags', () =>
  withClient(async (nft, ns) => {
    const tx = nft.transaction();
    tx.addTable({ family: 'ip', name: 't' });
    tx.addChain({ family: 'ip', table: 't', name: 'out', hook: { hook: 'output', priority: 0 }, counters: { packets: 5, bytes: 300 } });
    tx.addChain({ family: 'ip', table: 't', name: 'hw', hook: { hook: 'output', priority: 5 }, flags: ['hw-offload'] });
    await tx.commit();
    const before = await nft.getChain({ family: 'ip', table: 't', name: 'out' });
    assert.deepEqual(before.counters, { packets: 5, bytes: 300 });
    assert.deepEqual((await nft.getChain({ family: 'ip', table: 't', name: 'hw' })).flags, ['base', 'hw-offload']);
    assert.match(await ns.listRuleset(), /chain hw \{\n\t\ttype filter hook output priority filter \+ 5; policy accept; flags offload;/);
    // Three UDP datagrams over loopback, from inside the namespace.
    const r = await ns.exec('bash', ['-c', 'for i in 1 2 3; do echo hello > /dev/udp/127.0.0.1/9; done']);
    assert.equal(r.code, 0, r.stderr);
    // Each datagram (IP 20 + UDP 8 + "hello\n" 6 = 34 bytes) goes out, and so
    // does the ICMP port-unreachable it provokes (IP 20 + ICMP 8 + the 34
    // quoted bytes = 62); loopback is exempt from ICMP rate limiting.
    const after = await nft.getChain({ family: 'ip', table: 't', name: 'out' });
    assert.deepEqual(after.counters, { packets: 5 + 3 + 3, bytes: 300 + 3 * 34 + 3 * 62 });
  }));
