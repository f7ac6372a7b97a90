// The watch's table copy: placing rules from change events. First event
// sequences recorded from the kernel (6.18) for nft commands, then a model of
// how the kernel reports a transaction's rules (each NEWRULE names the rule
// before it at the end of the transaction, unless the rule is first or last;
// NLM_F_APPEND tells which) against random transactions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TableCache, type TableState } from '../../src/client/watch.js';
import type { ChangeEvent } from '../../src/client/monitor.js';
import type { Rule } from '../../src/nftables/rule.js';

const APPEND = 0x800;
const CREATE = 0x400;

function empty(): TableState {
  return {
    family: 'ip', name: 't', generation: 1,
    table: { family: 'ip', name: 't', flags: [], handle: 1 },
    chains: [{ family: 'ip', table: 't', name: 'c', handle: 1 }],
    rules: [],
    sets: [],
    objects: [],
    flowtables: [],
  };
}

function rule(handle: number, position?: number): Rule {
  return { family: 'ip', table: 't', chain: 'c', handle, exprs: [], ...(position !== undefined ? { position } : {}) };
}

function ev(type: 'add' | 'delete', r: Rule, flags: number): ChangeEvent {
  return { type, kind: 'rule', family: 'ip', object: r, flags, seq: 1, generation: 2, portId: 1 };
}

function order(c: TableCache): number[] {
  return c.state(0).rules.map((r) => r.handle!);
}

function positionsConsistent(c: TableCache): void {
  const rules = c.state(0).rules;
  rules.forEach((r, i) => assert.equal(r.position, i === 0 ? undefined : rules[i - 1]!.handle, `position of rule ${r.handle}`));
}

test('kernel event sequences recorded for nft add/insert/position/replace', () => {
  const c = new TableCache('ip', 't');
  c.load(empty());
  const steps: [ChangeEvent[], number[]][] = [
    [[ev('add', rule(2), CREATE | APPEND)], [2]], // add rule (empty chain)
    [[ev('add', rule(3), CREATE | APPEND)], [2, 3]], // add rule
    [[ev('add', rule(4), CREATE)], [4, 2, 3]], // insert rule
    [[ev('add', rule(5), CREATE | APPEND)], [4, 2, 3, 5]], // add rule position 3 (ends up last: no position)
    [[ev('add', rule(6, 2), CREATE)], [4, 2, 6, 3, 5]], // insert rule position 3
    [[ev('delete', rule(4), APPEND), ev('add', rule(4), APPEND)], [4, 2, 6, 3, 5]], // replace rule handle 4
    // one transaction: add position 3 (1.1.1.1), add position 3 (2.2.2.2): the first names the second.
    [[ev('add', rule(7, 8), CREATE | APPEND), ev('add', rule(8, 3), CREATE | APPEND)], [4, 2, 6, 3, 8, 7, 5]],
  ];
  for (const [changes, want] of steps) {
    assert.equal(c.apply(changes), true);
    assert.deepEqual(order(c), want);
    positionsConsistent(c);
  }
});

test('a rule placed after a rule nobody adds makes apply() ask for a reload', () => {
  const c = new TableCache('ip', 't');
  c.load(empty());
  assert.equal(c.apply([ev('add', rule(9, 77), CREATE | APPEND)]), false);
});

test('chain rename carries the rules, chain delete drops them, table delete clears', () => {
  const c = new TableCache('ip', 't');
  const s = empty();
  s.rules = [rule(2), rule(3, 2)];
  c.load(s);
  assert.equal(c.apply([{ type: 'add', kind: 'chain', family: 'ip', object: { family: 'ip', table: 't', name: 'd', handle: 1 }, flags: 0, seq: 1, generation: 2, portId: 1 }]), true);
  assert.deepEqual(c.state(0).rules.map((r) => r.chain), ['d', 'd']);
  assert.equal(c.apply([ev('add', { ...rule(4), chain: 'd' }, CREATE | APPEND)]), true);
  assert.deepEqual(order(c), [2, 3, 4]);
  c.apply([{ type: 'delete', kind: 'chain', family: 'ip', object: { family: 'ip', table: 't', name: 'd', handle: 1 }, flags: 0, seq: 1, generation: 3, portId: 1 }]);
  assert.deepEqual(c.state(0).chains, []);
  assert.deepEqual(c.state(0).rules, []);
  c.apply([{ type: 'delete', kind: 'table', family: 'ip', object: { family: 'ip', name: 't' }, flags: 0, seq: 1, generation: 4, portId: 1 }]);
  assert.equal(c.state(0).table, undefined);
  // Other tables and families are not ours.
  c.apply([{ type: 'add', kind: 'table', family: 'ip6', object: { family: 'ip6', name: 't' }, flags: 0, seq: 1, generation: 5, portId: 1 }]);
  assert.equal(c.state(0).table, undefined);
});

// --- a model of the kernel's reporting -------------------------------------------------------

type Op =
  | { op: 'append' }
  | { op: 'head' }
  | { op: 'after'; ref: number }
  | { op: 'before'; ref: number }
  | { op: 'delete'; ref: number }
  | { op: 'replace'; ref: number };

interface Node {
  h: number;
  deleted: boolean;
}

/**
 * Runs one transaction on `chain` as the kernel does: links new rules while
 * preparing, then walks the transaction in order, unlinking deleted rules
 * and reporting each new rule with the rule before it (left out when the new
 * rule is first or last at that point).
 */
function kernelTransaction(chain: number[], ops: Op[], nextHandle: () => number): { events: ChangeEvent[]; after: number[] } {
  const list: Node[] = chain.map((h) => ({ h, deleted: false }));
  const trans: { kind: 'new' | 'del'; node: Node; flags: number }[] = [];
  const find = (h: number): number => list.findIndex((n) => n.h === h && !n.deleted);
  for (const o of ops) {
    switch (o.op) {
      case 'append': {
        const n = { h: nextHandle(), deleted: false };
        list.push(n);
        trans.push({ kind: 'new', node: n, flags: CREATE | APPEND });
        break;
      }
      case 'head': {
        const n = { h: nextHandle(), deleted: false };
        list.unshift(n);
        trans.push({ kind: 'new', node: n, flags: CREATE });
        break;
      }
      case 'after':
      case 'before': {
        const i = find(o.ref);
        const n = { h: nextHandle(), deleted: false };
        list.splice(o.op === 'after' ? i + 1 : i, 0, n);
        trans.push({ kind: 'new', node: n, flags: o.op === 'after' ? CREATE | APPEND : CREATE });
        break;
      }
      case 'delete': {
        const n = list[find(o.ref)]!;
        n.deleted = true;
        trans.push({ kind: 'del', node: n, flags: 0 });
        break;
      }
      case 'replace': {
        const i = find(o.ref);
        const old = list[i]!;
        old.deleted = true;
        trans.push({ kind: 'del', node: old, flags: APPEND });
        const n = { h: old.h, deleted: false };
        list.splice(i, 0, n);
        trans.push({ kind: 'new', node: n, flags: APPEND });
        break;
      }
    }
  }
  const events: ChangeEvent[] = [];
  for (const t of trans) {
    if (t.kind === 'del') {
      list.splice(list.indexOf(t.node), 1);
      events.push(ev('delete', rule(t.node.h), t.flags));
    } else {
      const i = list.indexOf(t.node);
      const pos = i > 0 && i < list.length - 1 ? list[i - 1]!.h : undefined;
      events.push(ev('add', rule(t.node.h, pos), t.flags));
    }
  }
  return { events, after: list.map((n) => n.h) };
}

/** A random transaction that only refers to rules it may refer to (not deleted or replaced earlier in it). */
const transactionArb = fc.array(
  fc.record({ op: fc.constantFrom('append', 'head', 'after', 'before', 'delete', 'replace'), pick: fc.nat() }),
  { minLength: 1, maxLength: 8 },
);

test('random transactions: the copy follows the kernel model', () => {
  fc.assert(fc.property(fc.array(transactionArb, { minLength: 1, maxLength: 12 }), (txs) => {
    const cache = new TableCache('ip', 't');
    cache.load(empty());
    let chain: number[] = [];
    let handle = 2;
    for (const tx of txs) {
      const usable = new Set(chain);
      // Only rules from before the transaction are deleted or replaced (nft cannot name a rule it has not made yet).
      const removable = new Set(chain);
      const ops: Op[] = [];
      // Handles the kernel will give the rules of this transaction, in order.
      let predicted = handle;
      for (const { op, pick } of tx) {
        const refs = [...usable];
        if (op === 'append' || op === 'head' || refs.length === 0) {
          ops.push({ op: op === 'head' ? 'head' : 'append' });
          usable.add(predicted++);
          continue;
        }
        if (op === 'delete' || op === 'replace') {
          const rm = [...removable];
          if (rm.length === 0) {
            ops.push({ op: 'append' });
            usable.add(predicted++);
            continue;
          }
          const ref = rm[pick % rm.length]!;
          removable.delete(ref);
          usable.delete(ref);
          ops.push({ op, ref });
          continue;
        }
        const ref = refs[pick % refs.length]!;
        usable.add(predicted++);
        ops.push({ op, ref } as Op);
      }
      // Rules added in this transaction may be referred to by later operations of it.
      const { events, after } = kernelTransaction(chain, ops, () => handle++);
      chain = after;
      assert.equal(cache.apply(events), true);
      assert.deepEqual(order(cache), chain);
      positionsConsistent(cache);
    }
  }), { numRuns: 400 });
});

test('renaming a chain renames the jumps to it, in rules and in verdict maps', () => {
  const c = new TableCache('ip', 't');
  const s = empty();
  s.chains.push({ family: 'ip', table: 't', name: 'leaf', handle: 2 });
  s.rules = [{ ...rule(3), exprs: [{ type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'leaf' } }] }];
  s.sets = [{
    family: 'ip', table: 't', name: 'vm', keyType: 'ipv4_addr', dataType: 'verdict', handle: 1,
    elements: [{ key: Uint8Array.from([10, 0, 0, 1]), data: { verdict: 'goto', chain: 'leaf' } }],
  }];
  c.load(s);
  assert.equal(c.apply([{ type: 'add', kind: 'chain', family: 'ip', object: { family: 'ip', table: 't', name: 'leaf2', handle: 2 }, flags: 0, seq: 1, generation: 2, portId: 1 }]), true);
  const st = c.state(2);
  assert.deepEqual(st.rules[0]!.exprs, [{ type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'leaf2' } }]);
  assert.deepEqual(st.sets[0]!.elements![0]!.data, { verdict: 'goto', chain: 'leaf2' });
  // The loaded state was not changed in place (states handed out stay as they were).
  assert.deepEqual(s.rules[0]!.exprs, [{ type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'leaf' } }]);
});

test('elements with a timeout leave the copy when they expire; expiration counts down', () => {
  let now = 1_000_000;
  const c = new TableCache('ip', 't', () => now);
  const s = empty();
  s.sets = [{ family: 'ip', table: 't', name: 'ts', keyType: 'ipv4_addr', flags: ['timeout'], handle: 1, elements: [] }];
  c.load(s);
  const key = (n: number): Uint8Array => Uint8Array.from([10, 0, 0, n]);
  assert.equal(c.apply([{
    type: 'add', kind: 'element', family: 'ip', flags: 0, seq: 0, generation: 2, portId: 1,
    object: { family: 'ip', table: 't', set: 'ts', elements: [{ key: key(1), timeout: 1000, expiration: 1000 }, { key: key(2) }] },
  }]), true);
  now += 400;
  assert.deepEqual(c.state(2).sets[0]!.elements!.map((e) => [(e.key as Uint8Array)[3], e.expiration]), [[1, 600], [2, undefined]]);
  now += 700;
  assert.deepEqual(c.state(2).sets[0]!.elements!.map((e) => (e.key as Uint8Array)[3]), [2]);
  // Deleting by key removes the element; an interval end is another element than a start with the same key.
  c.apply([{
    type: 'add', kind: 'element', family: 'ip', flags: 0, seq: 0, generation: 3, portId: 1,
    object: { family: 'ip', table: 't', set: 'ts', elements: [{ key: key(3) }, { key: key(3), intervalEnd: true }] },
  }]);
  c.apply([{
    type: 'delete', kind: 'element', family: 'ip', flags: 0, seq: 0, generation: 4, portId: 1,
    object: { family: 'ip', table: 't', set: 'ts', elements: [{ key: key(3), intervalEnd: true }, { key: key(2) }] },
  }]);
  assert.deepEqual(c.state(4).sets[0]!.elements!.map((e) => [(e.key as Uint8Array)[3], !!e.intervalEnd]), [[3, false]]);
  // Elements for a set the copy does not have: it asks for a reload.
  assert.equal(c.apply([{
    type: 'add', kind: 'element', family: 'ip', flags: 0, seq: 0, generation: 5, portId: 1,
    object: { family: 'ip', table: 't', set: 'nope', elements: [{ key: key(9) }] },
  }]), false);
});
