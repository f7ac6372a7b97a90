// Recreating listed rulesets: the orders and flags the kernel insists on that
// a listing does not show (found by the conformance corpus).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction, type TransactionHost } from '../../src/client/transaction.js';
import { AttrWriter, AttrTable, beU32 } from '../../src/netlink/attr.js';
import { decodeExpr, encodeExprBody, type Expr } from '../../src/nftables/expr/index.js';
import type { Rule } from '../../src/nftables/rule.js';

const host: TransactionHost = {
  socket: () => { throw new Error('not sent in this test'); },
  chainHandle: async () => 0,
};

const jump = (chain: string): Expr => ({ type: 'immediate', dreg: 0, data: { verdict: 'jump', chain } });
const accept: Expr = { type: 'immediate', dreg: 0, data: { verdict: 'accept' } };
const rule = (chain: string, ...exprs: Expr[]): Rule => ({ family: 'inet', table: 'x', chain, exprs });

test('rules of binding chains are added before the rule that jumps to (and binds) them, nested ones first', () => {
  const tx = new Transaction(host);
  tx.addRuleset({
    tables: [{ family: 'inet', name: 'x' }],
    chains: [
      { family: 'inet', table: 'x', name: 'y', hook: { type: 'filter', hook: 'input', priority: 0 } },
      { family: 'inet', table: 'x', name: '__chain1', flags: ['binding'] },
      { family: 'inet', table: 'x', name: '__chain2', flags: ['binding'] },
      { family: 'inet', table: 'x', name: 'plain' },
    ],
    // As listed: the jumping rules first, the binding chains' rules after them.
    rules: [
      rule('y', jump('__chain1')),
      rule('y', jump('plain')),
      rule('__chain1', jump('__chain2')),
      rule('__chain1', accept),
      rule('__chain2', accept),
      rule('plain', accept),
    ],
  });
  const order = tx.operations.filter((o) => o.kind === 'addRule').map((o) => {
    const r = o.object as Rule;
    const v = (r.exprs[0] as { data: { verdict: string; chain?: string } }).data;
    return `${r.chain}:${v.chain ?? v.verdict}`;
  });
  assert.deepEqual(order, ['__chain2:accept', '__chain1:__chain2', '__chain1:accept', 'y:__chain1', 'y:plain', 'plain:accept']);
});

test('a dynset with an expression list carries NFT_DYNSET_F_EXPR, which the kernel requires and its dump leaves out', () => {
  const e: Expr = {
    type: 'dynset', op: 'update', set: 'y', sregKey: 1, timeout: 0,
    exprs: [{ type: 'limit', rate: 1, unit: 1, burst: 5, limitType: 'packets', flags: 0 }, { type: 'counter', packets: 0, bytes: 0 }],
  } as Expr;
  const w = new AttrWriter(512);
  encodeExprBody(w, e);
  const bytes = w.finish();
  // NAME, then DATA: find NFTA_DYNSET_FLAGS (9) and NFTA_DYNSET_TIMEOUT (6) inside DATA.
  const outer = new AttrTable(bytes, 0, bytes.length, 2);
  const [ds, de] = outer.range(2, 'NFTA_EXPR_DATA');
  const data = new AttrTable(bytes, ds, de, 10);
  assert.equal(beU32(bytes, data.off[9]!) & 0x2, 0x2, 'NFT_DYNSET_F_EXPR set');
  assert.equal(data.has(6), false, 'a zero timeout is not sent');
  // And it still decodes to the same expressions.
  const back = decodeExpr(bytes, 0, bytes.length, []) as { exprs?: Expr[] };
  assert.equal(back.exprs?.length, 2);
});
