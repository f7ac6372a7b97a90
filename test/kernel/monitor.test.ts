// nft.monitor() against the kernel, with `nft monitor` running alongside as
// the witness of what happened and in which order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Nftables, type ChangeEvent, type MonitorEvent, type TransactionMonitorEvent } from '../../src/index.js';
import { Netns, withNetns } from '../helpers/netns.js';
import { collect, NftMonitor, sleep, waitFor } from '../helpers/events.js';
import { formatChange } from '../../src/format/events.js';
import { formatRuleDebug } from '../../src/format/list.js';
import { stringifyJSON } from '../../src/format/json.js';
import type { Rule } from '../../src/nftables/rule.js';
import type { Table } from '../../src/nftables/table.js';
import type { Chain } from '../../src/nftables/chain.js';
import { isRawObject } from '../../src/nftables/events.js';
import type { NftSet } from '../../src/nftables/set.js';
import type { ElementList } from '../../src/nftables/element.js';
import type { NftObject } from '../../src/nftables/object.js';

const SCRIPT = `add table ip t
add chain ip t c
add chain ip t base { type filter hook input priority 0; policy accept; }
add rule ip t c ip daddr 1.2.3.4 counter accept
insert rule ip t c ip saddr 5.6.7.8 drop
add set ip t s { type ipv4_addr; }
add element ip t s { 10.0.0.1, 10.0.0.2 }
add counter ip t cnt
add quota ip t q { over 100 mbytes }
`;

const NFT_KIND: Record<string, string> = {
  table: 'table', chain: 'chain', rule: 'rule', set: 'set', map: 'set', element: 'element',
  counter: 'object', quota: 'object', limit: 'object', flowtable: 'flowtable',
};

/** `verb kind` for each line of nft monitor, runs of element lines (one per element) folded into one. */
function nftSequence(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const m = /^(add|insert|delete) (\S+) /.exec(l);
    if (m) {
      const s = `${m[1]} ${NFT_KIND[m[2]!] ?? m[2]}`;
      if (!(s.endsWith('element') && out.at(-1) === s)) out.push(s);
      continue;
    }
    const g = /^# new generation (\d+) by process (\d+) \((.*)\)$/.exec(l);
    if (g) out.push(`gen ${g[1]} ${g[2]} ${g[3]}`);
  }
  return out;
}

/** handle → expression lines of each rule in `nft --debug=netlink list` output. */
function rulesOfListing(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let cur: string[] | undefined;
  for (const l of text.split('\n')) {
    const m = /^\S+ \S+ \S+ (\d+)( \d+)?$/.exec(l);
    if (m) out.set(Number(m[1]), (cur = []));
    else if (cur && l.startsWith('  [')) cur.push(l);
    else cur = undefined;
  }
  return out;
}

function ourSequence(events: MonitorEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.type === 'generation') out.push(`gen ${e.generation} ${e.process?.pid} ${e.process?.name}`);
    else if (e.type === 'add' || e.type === 'delete') {
      const s = formatChange(e).split(' ').slice(0, 2).join(' ');
      if (!(s.endsWith('element') && out.at(-1) === s)) out.push(s);
    }
  }
  return out;
}

test('every kind of change made by nft arrives decoded, in nft monitor\'s order, with generation and author', async () => {
  await withNetns(async (ns) => {
    const nft = await Nftables.open({ netns: ns.path });
    const witness = new NftMonitor(ns);
    const ac = new AbortController();
    const mon = nft.monitor({ signal: ac.signal });
    try {
      // nft monitor is subscribed once it reports a change: make one until it does.
      let started = false;
      for (let i = 0; i < 100 && !started; i++) {
        await ns.nft(`add table ip warmup${i}`);
        started = await witness.waitForLine(/add table ip warmup/, 200);
      }
      assert.ok(started, 'nft monitor did not start');
      // Compare what both saw after the warm-up.
      const after = (await nft.getGeneration()).id;
      await ns.nftFile(SCRIPT);
      const listing = await ns.nft('--debug=netlink list chain ip t c');
      await ns.nft('replace rule ip t c handle 3 ip daddr 9.9.9.9 accept');
      await ns.nft('delete element ip t s { 10.0.0.1 }');
      await ns.nft('rename chain ip t c c2');
      await ns.nft('delete table ip t');
      const last = (await nft.getGeneration()).id;
      assert.ok(await witness.waitForLine(new RegExp(`^# new generation ${last} `), 10_000), 'nft monitor missed the end');
      const { items: all, finished } = await collect(mon, (xs) => xs.some((x) => x.type === 'generation' && x.generation === last), 10_000);
      assert.ok(finished, `monitor delivered ${all.length} events, not up to generation ${last}`);
      const items = all.filter((x) => (x.type === 'generation' || x.type === 'add' || x.type === 'delete') && x.generation > after);
      const theirs = witness.lines.slice(witness.lines.findIndex((l) => l.startsWith(`# new generation ${after} `)) + 1);

      assert.deepEqual(ourSequence(items), nftSequence(theirs));
      assert.equal(items.filter((x) => x.type === 'generation').length, 5);

      // Every event of a transaction carries its NEWGEN's generation and author.
      let tx: ChangeEvent[] = [];
      for (const e of items) {
        if (e.type === 'generation') {
          for (const c of tx) {
            assert.equal(c.generation, e.generation);
            assert.equal(c.portId, e.portId);
            assert.deepEqual(c.process, e.process);
          }
          assert.equal(e.process?.name, 'nft');
          assert.equal(e.changes, tx.length);
          tx = [];
        } else if (e.type === 'add' || e.type === 'delete') {
          tx.push(e);
        }
      }

      // Decoded objects: what nft made.
      const changes = items.filter((e): e is ChangeEvent => e.type === 'add' || e.type === 'delete');
      const table = changes.find((c) => c.kind === 'table' && (c.object as Table).name === 't')!.object as Table;
      assert.equal(table.family, 'ip');
      assert.ok(table.handle! > 0);
      const base = changes.find((c) => c.kind === 'chain' && (c.object as Chain).name === 'base')!.object as Chain;
      assert.deepEqual({ ...base.hook }, { type: 'filter', hook: 'input', priority: 0 });
      assert.equal(base.policy, 'accept');
      const renamed = changes.filter((c) => c.kind === 'chain' && c.type === 'add').map((c) => (c.object as Chain).name);
      assert.deepEqual(renamed.slice(-1), ['c2']);
      // The rules as `nft --debug=netlink list` printed them after the first transaction.
      const ruleEvents = changes.filter((c) => c.kind === 'rule' && c.type === 'add').map((c) => c.object as Rule);
      const nftRules = rulesOfListing(listing);
      for (const r of ruleEvents.slice(0, 2)) {
        const expected = nftRules.get(r.handle!);
        assert.ok(expected, `rule ${r.handle} not in nft's listing`);
        assert.deepEqual(formatRuleDebug(r).split('\n').slice(1), expected);
      }
      // Nothing arrives undecoded.
      assert.deepEqual(changes.filter((c) => isRawObject(c.object)).map((c) => c.kind), []);
      const set = changes.find((c) => c.kind === 'set' && c.type === 'add')!.object as NftSet;
      assert.equal(set.name, 's');
      assert.equal(set.keyType, 'ipv4_addr');
      const added = changes.filter((c) => c.kind === 'element' && c.type === 'add').flatMap((c) => (c.object as ElementList).elements);
      assert.deepEqual(added.map((e) => Buffer.from(e.key as Uint8Array).toString('hex')), ['0a000001', '0a000002']);
      const removed = changes.filter((c) => c.kind === 'element' && c.type === 'delete').map((c) => c.object as ElementList);
      assert.deepEqual(removed.map((l) => [l.set, l.elements.map((e) => Buffer.from(e.key as Uint8Array).toString('hex'))]), [['s', ['0a000001']]]);
      const objects = changes.filter((c) => c.kind === 'object' && c.type === 'add').map((c) => c.object as NftObject);
      assert.deepEqual(objects.map((o) => [o.type, o.name]), [['counter', 'cnt'], ['quota', 'q']]);
      assert.equal((objects[1] as { over?: boolean }).over, true);
      const insert = changes.find((c) => c.kind === 'rule' && (c.flags & 0x800) === 0)!;
      assert.match(formatChange(insert), /^insert rule ip t c handle \d+ \[ payload load 4b @ network header \+ 12 => reg 1 \] \[ cmp eq reg 1 0x08070605 \] \[ immediate reg 0 drop \]$/);
    } finally {
      ac.abort();
      witness.stop();
      await nft.close();
    }
  }, 'mon');
});

test('groupByTransaction: one event per transaction, changes in order; objects filter', async () => {
  await withNetns(async (ns) => {
    const nft = await Nftables.open({ netns: ns.path });
    const ac = new AbortController();
    const grouped = nft.monitor({ signal: ac.signal, groupByTransaction: true });
    const onlyRules = nft.monitor({ signal: ac.signal, objects: ['rules'] });
    try {
      await ns.nftFile('add table ip t\nadd chain ip t c\nadd rule ip t c counter\nadd rule ip t c accept\n');
      // Our own commit: the author is this process.
      const tx = nft.transaction();
      tx.addChain({ family: 'ip', table: 't', name: 'mine' });
      const res = await tx.commit();
      const { items, finished } = await collect(grouped, (xs) => xs.length >= 2, 10_000);
      assert.ok(finished);
      const [first, second] = items as TransactionMonitorEvent[];
      assert.equal(first!.type, 'transaction');
      if (first!.type !== 'transaction' || second!.type !== 'transaction') throw new Error('unreachable');
      assert.deepEqual(first.changes.map((c) => `${c.type} ${c.kind}`), ['add table', 'add chain', 'add rule', 'add rule']);
      assert.deepEqual(second.changes.map((c) => `${c.type} ${c.kind} ${(c.object as Chain).name}`), ['add chain mine']);
      assert.equal(second.generation, res.generation);
      assert.equal(second.portId, nft.portId);
      assert.equal(second.process?.pid, process.pid);
      assert.equal(second.process?.name.length ? 'named' : 'unnamed', 'named');
      const rules = await collect(onlyRules, (xs) => xs.filter((x) => x.type === 'generation').length >= 1, 10_000);
      assert.ok(rules.finished);
      assert.deepEqual(rules.items.map((e) => e.type === 'generation' ? 'gen' : `${e.type} ${'kind' in e ? e.kind : ''}`), ['add rule', 'add rule', 'gen']);
      // The chain-only transaction is skipped entirely by the rules filter: nothing more arrives.
      const more = await collect(onlyRules, (xs) => xs.length >= 1, 300);
      assert.equal(more.items.length, 0);
    } finally {
      ac.abort();
      await nft.close();
    }
  }, 'mong');
});

test('a 2000-operation transaction overflowing a small buffer gives an overrun with a correct snapshot, then events go on', async () => {
  await withNetns(async (ns) => {
    const nft = await Nftables.open({ netns: ns.path });
    const ac = new AbortController();
    const mon = nft.monitor({ signal: ac.signal, receiveBuffer: 4096 });
    try {
      assert.ok(mon.receiveBuffer < 64 << 10, `receive buffer ${mon.receiveBuffer}`);
      let script = 'add table ip big\nadd chain ip big c\n';
      for (let i = 0; i < 1000; i++) script += `add chain ip big c${i}\n`;
      for (let i = 0; i < 998; i++) script += `add rule ip big c ip daddr 10.0.${i >> 8}.${i & 255} counter\n`;
      await ns.nftFile(script);
      const { items, finished } = await collect(mon, (xs) => xs.some((x) => x.type === 'overrun'), 15_000);
      assert.ok(finished, `no overrun event (got ${items.length} events)`);
      const ov = items.find((x) => x.type === 'overrun')!;
      if (ov.type !== 'overrun') throw new Error('unreachable');
      // Nothing of the overflowing transaction was yielded piecemeal.
      assert.deepEqual(items.filter((x) => x.type !== 'overrun'), []);
      assert.ok(ov.discarded >= 0);
      const fresh = await nft.listRuleset();
      assert.equal(ov.generation, fresh.generation);
      assert.equal(stringifyJSON(ov.snapshot), stringifyJSON(fresh));
      assert.equal(ov.snapshot.chains.filter((c) => c.table === 'big').length, 1001);
      // What nft lists agrees with the snapshot.
      const nftChains = (await ns.nft('list chains ip')).split('\n').filter((l) => /^\s*chain /.test(l)).length;
      assert.equal(nftChains, 1001);
      // Later changes are delivered normally, after the snapshot's generation.
      await ns.nft('add chain ip big after');
      const next = await collect(mon, (xs) => xs.some((x) => x.type === 'generation'), 10_000);
      assert.ok(next.finished);
      const add = next.items[0]!;
      assert.equal(add.type, 'add');
      if (add.type !== 'add') throw new Error('unreachable');
      assert.equal((add.object as Chain).name, 'after');
      assert.ok(add.generation > ov.generation);
    } finally {
      ac.abort();
      await nft.close();
    }
  }, 'mono');
});

test('a slow consumer: reading pauses at the queue limit and nothing is lost', async () => {
  await withNetns(async (ns) => {
    const nft = await Nftables.open({ netns: ns.path });
    const ac = new AbortController();
    const mon = nft.monitor({ signal: ac.signal, queueLimit: 50 });
    try {
      await ns.nft('add table ip t');
      let script = '';
      for (let t = 0; t < 20; t++) {
        script = '';
        for (let i = 0; i < 20; i++) script += `add chain ip t c${t}_${i}\n`;
        await ns.nftFile(script);
      }
      // Give the monitor time to read up to its limit.
      assert.ok(await waitFor(() => mon.isPaused, 5000), 'the monitor never paused');
      assert.ok(mon.queuedEvents <= 50 + 21, `queued ${mon.queuedEvents}`);
      let maxQueued = 0;
      const { items, finished } = await collect({
        next: async () => {
          maxQueued = Math.max(maxQueued, mon.queuedEvents);
          await sleep(1);
          return mon.next();
        },
      }, (xs) => xs.filter((x) => x.type === 'generation').length >= 21, 20_000);
      assert.ok(finished, `got ${items.length} events`);
      assert.ok(maxQueued <= 50 + 21, `queued ${maxQueued}`);
      assert.equal(items.filter((x) => x.type === 'overrun').length, 0);
      const names = items.flatMap((x) => (x.type === 'add' && x.kind === 'chain' ? [(x.object as Chain).name] : []));
      const want: string[] = [];
      for (let t = 0; t < 20; t++) for (let i = 0; i < 20; i++) want.push(`c${t}_${i}`);
      assert.deepEqual(names, want);
    } finally {
      ac.abort();
      await nft.close();
    }
  }, 'monb');
});

test('aborting ends the iteration and closes the socket; so does break; an aborted signal yields nothing', async () => {
  await withNetns(async (ns) => {
    const nft = await Nftables.open({ netns: ns.path });
    try {
      const ac = new AbortController();
      const mon = nft.monitor({ signal: ac.signal });
      const loop = (async () => {
        const seen: MonitorEvent[] = [];
        for await (const e of mon) seen.push(e);
        return seen;
      })();
      await ns.nft('add table ip t');
      await waitFor(() => mon.queuedEvents === 0, 2000);
      await sleep(100);
      ac.abort();
      const seen = await Promise.race([loop, sleep(3000).then(() => 'hang' as const)]);
      assert.notEqual(seen, 'hang');
      assert.equal(mon.closed, true);
      assert.ok(Array.isArray(seen) && seen.some((e) => e.type === 'generation'));

      const mon2 = nft.monitor();
      await ns.nft('add table ip u');
      for await (const e of mon2) {
        if (e.type === 'generation') break;
      }
      assert.equal(mon2.closed, true);

      const ac3 = new AbortController();
      ac3.abort();
      const mon3 = nft.monitor({ signal: ac3.signal });
      const r = await Promise.race([mon3.next(), sleep(2000).then(() => 'hang' as const)]);
      assert.deepEqual(r, { done: true, value: undefined });
      assert.equal(mon3.closed, true);
    } finally {
      await nft.close();
    }
  }, 'mona');
});

test('initialSnapshot and resync(): a snapshot event, then only later transactions', async () => {
  const ns = await Netns.create('mons');
  const nft = await Nftables.open({ netns: ns.path });
  const ac = new AbortController();
  try {
    await ns.nft('add table ip t');
    const mon = nft.monitor({ signal: ac.signal, initialSnapshot: true });
    const first = await collect(mon, (xs) => xs.length >= 1, 10_000);
    assert.ok(first.finished);
    const s = first.items[0]!;
    assert.equal(s.type, 'snapshot');
    if (s.type !== 'snapshot') throw new Error('unreachable');
    assert.equal(s.reason, 'initial');
    assert.deepEqual(s.snapshot.tables.map((t) => t.name), ['t']);
    await ns.nft('add chain ip t c');
    mon.resync();
    const next = await collect(mon, (xs) => xs.some((x) => x.type === 'snapshot'), 10_000);
    assert.ok(next.finished);
    const snap = next.items.find((x) => x.type === 'snapshot')!;
    if (snap.type !== 'snapshot') throw new Error('unreachable');
    assert.equal(snap.reason, 'requested');
    assert.deepEqual(snap.snapshot.chains.map((c) => c.name), ['c']);
  } finally {
    ac.abort();
    await nft.close();
    await ns.destroy();
  }
});

test('closing the client stops its monitors, watches and tracers', async () => {
  await withNetns(async (ns) => {
    await ns.nft('add table ip t');
    const nft = await Nftables.open({ netns: ns.path });
    const mon = nft.monitor();
    const w = nft.watch({ family: 'ip', table: 't' });
    const tr = nft.trace();
    await w.ready;
    const loop = (async () => {
      let n = 0;
      for await (const _ of mon) n++;
      return n;
    })();
    await nft.close();
    assert.notEqual(await Promise.race([loop, sleep(3000).then(() => 'hang' as const)]), 'hang');
    assert.equal(mon.closed, true);
    assert.equal(tr.closed, true);
    assert.deepEqual(await Promise.race([tr.next(), sleep(3000).then(() => 'hang' as const)]), { done: true, value: undefined });
    await assert.rejects(w.waitForGeneration(w.generation + 1, 3000), /closed/);
  }, 'monc');
});
