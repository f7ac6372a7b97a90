// Rules against the real kernel, in throwaway namespaces, with nft as the
// judge: placement, replace, delete, destroy, handles, comments, jumps to
// chains of the same transaction, listing filters, counter resets, refused
// expressions located by the ext-ack offset, register normalisation, and a
// listed ruleset recreated in a second namespace.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Nftables } from '../../src/client/nftables.js';
import { TransactionError } from '../../src/client/errors.js';
import type { Operation } from '../../src/client/operation.js';
import type { RuleSpec } from '../../src/client/ops/rule.js';
import { NotFoundError } from '../../src/client/nftables.js';
import { normalizeExprRegisters, type Expr } from '../../src/nftables/expr/index.js';
import { formatRule, type Rule } from '../../src/nftables/rule.js';
import { canon } from '../helpers/expr-arbitraries.js';
import { Netns } from '../helpers/netns.js';

const T = { family: 'ip' as const, table: 'rtab' };

/** A rule that sets meta mark to n: the mark identifies it in listings. */
function marked(n: number, chain = 'c'): RuleSpec {
  return {
    ...T, chain,
    exprs: [
      { type: 'immediate', dreg: 1, data: new Uint8Array([n, 0, 0, 0]) },
      { type: 'meta', key: 'mark', sreg: 1 },
    ],
  };
}

function markOf(r: Rule): number {
  const imm = r.exprs.find((e) => e.type === 'immediate');
  assert.ok(imm && imm.type === 'immediate' && imm.data instanceof Uint8Array);
  return imm.data[0]!;
}

describe('rules in the kernel', () => {
  let ns: Netns;
  let nft: Nftables;

  before(async () => {
    ns = await Netns.create('rules');
    nft = await Nftables.open({ netns: ns.path });
  });
  after(async () => {
    await nft?.close();
    await ns?.destroy();
  });

  async function fresh(): Promise<void> {
    await ns.nft(['flush', 'ruleset']);
    const tx = nft.transaction();
    tx.addTable({ family: 'ip', name: T.table });
    tx.addChain({ ...T, name: 'c' });
    tx.addChain({ ...T, name: 'x' });
    tx.addChain({ ...T, name: 'out', hook: { hook: 'output', priority: 0 } });
    await tx.commit();
  }

  /** Sends n UDP datagrams to 127.0.0.1 from inside the namespace (loopback only). */
  function udp(n: number) {
    const py = `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor _ in range(${n}): s.sendto(b'x', ('127.0.0.1', 9))`;
    return ns.exec('python3', ['-c', py], { timeoutMs: 10_000 });
  }

  async function marks(chain = 'c'): Promise<number[]> {
    return (await nft.listRules({ ...T, chain })).map(markOf);
  }

  test('placement: append, insert, after and before, by handle and by an operation of the same transaction', async () => {
    await fresh();
    // A model of the chain: marks in order, and each mark's handle once known.
    const model: number[] = [];
    const handles = new Map<number, number>();
    const place = (m: number, ref: number | undefined, where: 'end' | 'head' | 'after' | 'before'): void => {
      if (where === 'end') model.push(m);
      else if (where === 'head') model.unshift(m);
      else model.splice(model.indexOf(ref!) + (where === 'after' ? 1 : 0), 0, m);
    };

    // First transaction: references to rules of the same transaction.
    const tx = nft.transaction();
    const ops = new Map<number, Operation<RuleSpec>>();
    const add = (m: number, where: 'end' | 'head' | 'after' | 'before', ref?: number, insert = false): void => {
      const placement = where === 'after' ? { after: ops.get(ref!)! } : where === 'before' ? { before: ops.get(ref!)! } : {};
      ops.set(m, insert ? tx.insertRule(marked(m), placement) : tx.addRule(marked(m), placement));
      place(m, ref, where);
    };
    add(1, 'end');
    add(2, 'end');
    add(3, 'after', 1);
    add(4, 'before', 2, true);
    add(5, 'head', undefined, true);
    add(6, 'before', 1);
    add(7, 'after', 2, true);
    add(8, 'after', 5);
    await tx.commit();
    for (const [m, op] of ops) {
      assert.ok(typeof op.handle === 'number' && op.handle > 0, `rule ${m} got a handle`);
      handles.set(m, op.handle!);
    }
    assert.deepEqual(await marks(), model);

    // Second transaction: references by handle, mixed with new in-transaction references.
    const tx2 = nft.transaction();
    const ops2 = new Map<number, Operation<RuleSpec>>();
    const byHandle = (m: number, where: 'after' | 'before', ref: number, insert = false): void => {
      const placement = where === 'after' ? { after: handles.get(ref)! } : { before: handles.get(ref)! };
      ops2.set(m, insert ? tx2.insertRule(marked(m), placement) : tx2.addRule(marked(m), placement));
      place(m, ref, where);
    };
    byHandle(10, 'after', 3);
    byHandle(11, 'before', 5, true);
    byHandle(12, 'after', 2, true);
    byHandle(13, 'before', 7);
    ops2.set(14, tx2.addRule(marked(14), { after: ops2.get(10)! }));
    place(14, 10, 'after');
    await tx2.commit();
    assert.deepEqual(await marks(), model);

    // Handles from the echo are the ones the kernel lists.
    const listed = await nft.listRules({ ...T, chain: 'c' });
    for (const [m, op] of [...ops, ...ops2]) {
      assert.equal(listed.find((r) => markOf(r) === m)?.handle, op.handle, `handle of rule ${m}`);
    }
    // nft sees the same order.
    const nftOrder = [...(await ns.nft(['list', 'chain', 'ip', T.table, 'c'])).matchAll(/meta mark set 0x000000([0-9a-f]{2})/g)].map((x) => parseInt(x[1]!, 16));
    assert.deepEqual(nftOrder, model);
  });

  test('replace, delete and destroy by handle; deleting a missing rule fails with ENOENT and changes nothing', async () => {
    await fresh();
    const tx = nft.transaction();
    const a = tx.addRule(marked(1));
    const b = tx.addRule(marked(2));
    const c = tx.addRule(marked(3));
    await tx.commit();

    const tx2 = nft.transaction();
    tx2.replaceRule({ ...marked(9), handle: b.handle! });
    tx2.deleteRule({ ...T, chain: 'c', handle: a.handle! });
    tx2.destroyRule({ ...T, chain: 'c', handle: 999_999 });
    await tx2.commit();
    assert.deepEqual(await marks(), [9, 3]);
    // Replacing keeps the handle.
    assert.equal((await nft.getRule({ ...T, chain: 'c', handle: b.handle! })).handle, b.handle);

    const tx3 = nft.transaction();
    tx3.destroyRule({ ...T, chain: 'c', handle: c.handle! });
    tx3.deleteRule({ ...T, chain: 'c', handle: 999_999 });
    await assert.rejects(tx3.commit(), (e: unknown) => {
      assert.ok(e instanceof TransactionError);
      assert.equal(e.failures.length, 1);
      assert.equal(e.failures[0]!.index, 1);
      assert.equal(e.failures[0]!.code, 'ENOENT');
      return true;
    });
    assert.deepEqual(await marks(), [9, 3]);

    // A rule added and deleted in the same transaction (by its operation) never shows.
    const tx4 = nft.transaction();
    const t = tx4.addRule(marked(7));
    tx4.deleteRule({ ...T, chain: 'c', handle: t });
    await tx4.commit();
    assert.deepEqual(await marks(), [9, 3]);
  });

  test('comments show in nft list; other userdata is kept raw', async () => {
    await fresh();
    const raw = Buffer.from([0x00, 0x05, 0x68, 0x65, 0x79, 0x21, 0x00, 0x07, 0x02, 0xab, 0xcd]);
    const tx = nft.transaction();
    tx.addRule({ ...marked(1), comment: 'hello, world' });
    tx.addRule({ ...marked(2), userdata: raw });
    await tx.commit();
    assert.match(await ns.nft(['list', 'chain', 'ip', T.table, 'c']), /meta mark set 0x00000001 comment "hello, world"\n\t\tmeta mark set 0x00000002 comment "hey!"\n/);
    const [r1, r2] = await nft.listRules({ ...T, chain: 'c' });
    assert.equal(r1!.comment, 'hello, world');
    assert.equal(r1!.userdata, undefined);
    assert.equal(r2!.comment, 'hey!');
    assert.deepEqual(Buffer.from(r2!.userdata!), raw);
  });

  test('jump and goto to a chain added in the same transaction, by name and by id; a rule placed by chain id', async () => {
    await fresh();
    const tx = nft.transaction();
    const y = tx.addChain({ ...T, name: 'y' });
    const z = tx.addChain({ ...T, name: 'z' });
    tx.addRule({ ...T, chain: 'c', exprs: [{ type: 'immediate', dreg: 0, data: { verdict: 'jump', chainId: tx.chainId(y) } }] });
    tx.addRule({ ...T, chain: 'c', exprs: [{ type: 'immediate', dreg: 0, data: { verdict: 'goto', chain: 'z' } }] });
    tx.addRule({ ...T, chainId: tx.chainId(z), exprs: [{ type: 'counter' }] });
    await tx.commit();
    const text = await ns.nft(['list', 'table', 'ip', T.table]);
    assert.match(text, /chain c \{\n\t\tjump y\n\t\tgoto z\n\t\}/);
    assert.match(text, /chain z \{\n\t\tcounter packets 0 bytes 0\n\t\}/);
    const listed = await nft.listRules({ ...T, chain: 'c' });
    assert.deepEqual(listed.map((r) => r.exprs[0]), [
      { type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'y' } },
      { type: 'immediate', dreg: 0, data: { verdict: 'goto', chain: 'z' } },
    ]);
  });

  test('listRules uses the kernel filters; getRule finds one rule; a missing one is NotFoundError', async () => {
    await fresh();
    const tx = nft.transaction();
    tx.addTable({ family: 'ip6', name: 'other' });
    tx.addChain({ family: 'ip6', table: 'other', name: 'c' });
    tx.addRule({ family: 'ip6', table: 'other', chain: 'c', exprs: [{ type: 'counter' }] });
    tx.addRule(marked(1));
    tx.addRule(marked(2, 'x'));
    const r3 = tx.addRule(marked(3, 'x'));
    await tx.commit();
    assert.equal((await nft.listRules()).length, 4);
    assert.equal((await nft.listRules({ family: 'ip6' })).length, 1);
    assert.equal((await nft.listRules({ family: 'ip', table: T.table })).length, 3);
    assert.deepEqual((await nft.listRules({ ...T, chain: 'x' })).map(markOf), [2, 3]);
    const one = await nft.getRule({ ...T, chain: 'x', handle: r3.handle! });
    assert.equal(markOf(one), 3);
    await assert.rejects(nft.getRule({ ...T, chain: 'x', handle: 424242 }), NotFoundError);
    await assert.rejects(nft.listRules({ chain: 'x' }), /needs its table/);
  });

  test('resetRules returns the counters before the reset and zeroes them', async () => {
    await fresh();
    const tx = nft.transaction();
    tx.addRule({ ...T, chain: 'out', exprs: [{ type: 'counter' }] });
    await tx.commit();
    const sent = await udp(3);
    assert.equal(sent.code, 0, sent.stderr);
    const counted = (r: Rule): number => {
      const c = r.exprs[0];
      assert.ok(c && c.type === 'counter');
      return Number(c.packets ?? 0);
    };
    const [beforeReset] = await nft.listRules({ ...T, chain: 'out' });
    assert.ok(counted(beforeReset!) >= 3, `counted ${counted(beforeReset!)} packets`);
    const [reset] = await nft.resetRules({ ...T, chain: 'out' });
    assert.ok(counted(reset!) >= counted(beforeReset!));
    const [afterReset] = await nft.listRules({ ...T, chain: 'out' });
    assert.equal(counted(afterReset!), 0);
    // One rule by handle.
    await udp(1);
    const one = await nft.resetRule({ ...T, chain: 'out', handle: afterReset!.handle! });
    assert.ok(counted(one) >= 1);
    assert.equal(counted((await nft.listRules({ ...T, chain: 'out' }))[0]!), 0);
  });

  test('a refused expression is named by its index, from the ext-ack offset', async () => {
    await fresh();
    const tx = nft.transaction();
    tx.addRule(marked(1));
    tx.addRule({
      ...T, chain: 'c',
      exprs: [
        { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 },
        { type: 'counter' },
        { type: 'lookup', set: 'no-such-set', sreg: 1 },
        { type: 'immediate', dreg: 0, data: { verdict: 'accept' } },
      ],
    });
    await assert.rejects(tx.commit(), (e: unknown) => {
      assert.ok(e instanceof TransactionError);
      const f = e.failures[0]!;
      assert.equal(f.index, 1);
      assert.equal(f.code, 'ENOENT');
      assert.equal(f.expression, 2);
      assert.match(f.attribute ?? '', /NFTA_RULE_EXPRESSIONS > expression #2 \(lookup\)/);
      assert.match(f.detail ?? '', /expression #2: \[ lookup reg 1 set no-such-set \]/);
      return true;
    });
    // Nothing was applied.
    assert.deepEqual(await marks(), []);
  });

  test('registers: 32-bit registers come back as the kernel numbers them, and normalised forms compare equal', async () => {
    await fresh();
    const exprs: Expr[] = [
      { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 8 },
      { type: 'payload', base: 'network', offset: 16, len: 4, dreg: 9 },
      { type: 'cmp', op: 'eq', sreg: 9, data: new Uint8Array([10, 0, 0, 1]) },
      { type: 'meta', key: 'mark', dreg: 12 },
      { type: 'bitwise', sreg: 12, dreg: 12, len: 4, op: 'mask-xor', mask: new Uint8Array([0xff, 0, 0, 0]), xor: new Uint8Array(4) },
      { type: 'cmp', op: 'neq', sreg: 12, data: new Uint8Array(4) },
      { type: 'cmp', op: 'eq', sreg: 8, data: new Uint8Array([10, 0, 0, 2]) },
    ];
    const tx = nft.transaction();
    tx.addRule({ ...T, chain: 'c', exprs });
    await tx.commit();
    const [listed] = await nft.listRules({ ...T, chain: 'c' });
    assert.deepEqual(listed!.exprs.map((e) => ('dreg' in e ? e.dreg : 'sreg' in e ? e.sreg : undefined)), [1, 9, 9, 2, 2, 2, 1]);
    assert.notDeepEqual(canon(listed!.exprs), canon(exprs));
    assert.deepEqual(canon(listed!.exprs), canon(normalizeExprRegisters(exprs)));
  });

  test('a listed ruleset is recreated in a second namespace; nft lists both the same', async () => {
    await fresh();
    await ns.nftFile(`
      table inet web {
        chain input { type filter hook input priority 0; policy drop;
          ct state established,related accept
          iifname "lo" accept
          tcp dport { 22, 80, 443 } counter accept
          meta l4proto icmp limit rate 10/second accept
          jump extra comment "more"
          ip saddr . tcp dport { 10.0.0.1 . 22, 10.0.0.2 . 80 } drop
          ip saddr vmap { 10.1.0.1 : drop, 10.1.0.2 : jump extra }
          ip saddr @blocked drop
          meta mark set ip saddr map @marks
        }
        set blocked { type ipv4_addr; flags interval; elements = { 10.9.0.0/16, 10.10.0.1 } }
        map marks { type ipv4_addr : mark; elements = { 10.0.0.1 : 0x1 } }
        chain extra {
          ip saddr 10.0.0.0/8 meta mark set mark or 0x4000 return
          ip6 daddr ::1 counter drop
        }
      }
      table ip rtab {
        chain c { meta mark 0x10 jump x; }
      }`);
    const rs = await nft.listRuleset();
    const ns2 = await Netns.create('rules2');
    const nft2 = await Nftables.open({ netns: ns2.path });
    try {
      const tx = nft2.transaction();
      tx.addRuleset(rs);
      await tx.commit();
      assert.equal(await ns2.listRuleset(), await ns.listRuleset());
      // The anonymous set came back with its rule.
      assert.match(await ns2.listRuleset(), /tcp dport \{ 22, 80, 443 \} counter packets 0 bytes 0 accept/);
    } finally {
      await nft2.close();
      await ns2.destroy();
    }
  });

  test('typed operands: nft lists the rule written with values as it would have written it', async () => {
    await fresh();
    const tx = nft.transaction();
    tx.addRule({
      ...T, chain: 'c',
      exprs: [
        { type: 'payload', base: 'network', offset: 16, len: 4, dreg: 1 },
        { type: 'cmp', op: 'eq', sreg: 1, data: '10.0.1.2' },
        { type: 'meta', key: 'l4proto', dreg: 1 },
        { type: 'cmp', op: 'eq', sreg: 1, data: 'tcp' },
        { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 1 },
        { type: 'range', op: 'eq', sreg: 1, from: 8000, to: 8080 },
        { type: 'ct', key: 'state', dreg: 1 },
        { type: 'bitwise', sreg: 1, dreg: 1, len: 4, mask: 'established,related', xor: 0 },
        { type: 'cmp', op: 'neq', sreg: 1, data: 0 },
        { type: 'immediate', dreg: 1, data: 0x4000 },
        { type: 'meta', key: 'mark', sreg: 1 },
        { type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'x' } },
      ],
    });
    await tx.commit();
    assert.match(await ns.nft(['list', 'chain', 'ip', T.table, 'c']),
      /\t\tip daddr 10\.0\.1\.2 tcp dport 8000-8080 ct state established,related meta mark set 0x00004000 jump x\n/);
  });

  test('what nftlink prints for rules it built is what nft --debug=netlink prints for them', async () => {
    await fresh();
    const v = (...b: number[]): Uint8Array => new Uint8Array(b);
    const rules: Expr[][] = [
      [{ type: 'last' }],
      [{ type: 'connlimit', count: 5, flags: 1 }],
      [{ type: 'quota', bytes: 10_000_000_000, consumed: 7, flags: 1 }],
      [{ type: 'limit', rate: 3, unit: 86400 * 7, burst: 2, limitType: 'bytes' }],
      [{ type: 'ct', key: 'id', dreg: 1 }, { type: 'cmp', op: 'eq', sreg: 1, data: v(0, 0, 0, 1) }],
      [{ type: 'ct', key: 'zone', direction: 'reply', dreg: 9 }, { type: 'cmp', op: 'eq', sreg: 9, data: v(1, 0) }],
      [{ type: 'socket', key: 'cgroupv2', dreg: 1, level: 1 }, { type: 'cmp', op: 'eq', sreg: 1, data: new Uint8Array(8) }],
      [{ type: 'xfrm', key: 'spi', dir: 'in', spnum: 1, dreg: 1 }, { type: 'cmp', op: 'eq', sreg: 1, data: v(0, 0, 0, 7) }],
      [{ type: 'hash', hashType: 'symhash', dreg: 1, modulus: 7, offset: 3 }, { type: 'meta', key: 'mark', sreg: 1 }],
      [{ type: 'numgen', mode: 'random', dreg: 1, modulus: 9 }, { type: 'ct', key: 'mark', sreg: 1 }],
      [{ type: 'rt', key: 'tcpmss', dreg: 1 }, { type: 'cmp', op: 'gt', sreg: 1, data: v(5, 0xdc) }],
      [{ type: 'fib', flags: 0x2 | 0x8 | 0x20, result: 'oif', dreg: 1 }, { type: 'cmp', op: 'eq', sreg: 1, data: v(1, 0, 0, 0) }],
      [{ type: 'meta', key: 'mark', dreg: 1 }, { type: 'bitwise', sreg: 1, dreg: 1, len: 4, op: 'rshift', data: v(3, 0, 0, 0) }, { type: 'meta', key: 'priority', sreg: 1 }],
      [{ type: 'payload', base: 'network', offset: 12, len: 8, dreg: 1 }, { type: 'range', op: 'neq', sreg: 1, from: new Uint8Array(8), to: new Uint8Array(8).fill(0xff) }],
    ];
    const tx = nft.transaction();
    for (const exprs of rules) tx.addRule({ ...T, chain: 'c', exprs, comment: 'x' });
    await tx.commit();
    const ours = (await nft.listRules({ ...T, chain: 'c' })).flatMap((r) => formatRule(r).split('\n'));
    const out = await ns.exec('nft', ['--debug=netlink', 'list', 'chain', 'ip', T.table, 'c']);
    const theirs = out.stdout.split('\n').filter((l) => /^(ip \S+ \S+ \d+|  \[|  userdata)/.test(l));
    assert.equal(ours.length, theirs.length);
    assert.deepEqual(ours, theirs);
  });

  test('invalid rules are refused before anything is sent, naming the field', async () => {
    const tx = nft.transaction();
    assert.throws(() => tx.addRule({ ...T, chain: 'c', exprs: [{ type: 'meta', key: 'nope' as 'mark', dreg: 1 }] }), /exprs\[0\]\.key: unknown meta key/);
    assert.throws(() => tx.addRule({ ...T, chain: 'c', exprs: [{ type: 'cmp', op: 'eq', sreg: 1, data: new Uint8Array(17) }] }), /exprs\[0\]\.data/);
    assert.throws(() => tx.addRule({ ...T, chain: 'c', exprs: [{ type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 }, { type: 'cmp', op: 'eq', sreg: 1, data: '10.0.0.300' }] }), /exprs\[1\]\.data/);
    assert.throws(() => tx.addRule({ ...T, chain: '', exprs: [] }), /chain: must be a non-empty string/);
    assert.throws(() => tx.addRule(marked(1), { after: 5, before: 6 }), /placement: give after or before/);
    assert.throws(() => tx.replaceRule({ ...marked(1), handle: -1 }), /handle/);
    assert.throws(() => tx.addRule({ ...marked(1), comment: 'x'.repeat(300) }), /comment/);
    const other = nft.transaction().addRule(marked(1));
    assert.throws(() => tx.addRule(marked(2), { after: other }), /added earlier in this transaction/);
    assert.equal(tx.size, 0);
  });
});
