// The reconciler's comparison of expressions: what a writer sends and what
// the kernel dumps back for it compare equal; a real difference does not.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalExpr } from '../../src/client/reconcile.js';
import type { Expr } from '../../src/nftables/expr/index.js';

const same = (a: Expr, b: Expr): void => assert.equal(canonicalExpr(a), canonicalExpr(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
const differ = (a: Expr, b: Expr): void => assert.notEqual(canonicalExpr(a), canonicalExpr(b));

test('nat: the kernel fills in the upper registers and the range flags', () => {
  same({ type: 'nat', natType: 'dnat', family: 'ip', sregAddrMin: 1, sregProtoMin: 9 },
    { type: 'nat', natType: 'dnat', family: 'ip', sregAddrMin: 1, sregAddrMax: 1, sregProtoMin: 9, sregProtoMax: 9, flags: 3 });
  differ({ type: 'nat', natType: 'dnat', family: 'ip', sregAddrMin: 1 }, { type: 'nat', natType: 'snat', family: 'ip', sregAddrMin: 1 });
});

test('registers compare in the kernel\'s dump numbering', () => {
  // NFT_REG32_00 (8) is dumped as NFT_REG_1.
  same({ type: 'meta', key: 'l4proto', dreg: 8 }, { type: 'meta', key: 'l4proto', dreg: 1 });
  differ({ type: 'meta', key: 'l4proto', dreg: 9 }, { type: 'meta', key: 'l4proto', dreg: 1 });
});

test('attributes a dump always carries equal their defaults when left out', () => {
  same({ type: 'lookup', set: 's', sreg: 1 }, { type: 'lookup', set: 's', sreg: 1, flags: 0 });
  differ({ type: 'lookup', set: 's', sreg: 1 }, { type: 'lookup', set: 's', sreg: 1, flags: 1 });
  same({ type: 'dynset', op: 'update', set: 'a', sregKey: 1 }, { type: 'dynset', op: 'update', set: 'a', sregKey: 1, flags: 0, timeout: 0 });
  same({ type: 'numgen', dreg: 1, modulus: 3, mode: 'random' }, { type: 'numgen', dreg: 1, modulus: 3, mode: 'random', offset: 0 });
});

test('counter values and in-batch ids are not configuration', () => {
  same({ type: 'counter' }, { type: 'counter', packets: 7, bytes: 700 });
  same({ type: 'lookup', set: 's', sreg: 1, setId: 4 }, { type: 'lookup', set: 's', sreg: 1 });
});

test('an anonymous set compares by its content, not its name', () => {
  const content = (n: string): string | undefined => (n === '__map3' || n === '__map%d' ? 'A' : n === '__map9' ? 'B' : undefined);
  // Same name, other content: different.
  assert.notEqual(canonicalExpr({ type: 'lookup', set: '__map3', sreg: 1, dreg: 0 }, content),
    canonicalExpr({ type: 'lookup', set: '__map9', sreg: 1, dreg: 0 }, content));
  assert.equal(canonicalExpr({ type: 'lookup', set: '__map%d', sreg: 1, dreg: 0 }, content),
    canonicalExpr({ type: 'lookup', set: '__map3', sreg: 1, dreg: 0 }, content));
});

test('values and verdicts differ when they differ', () => {
  differ({ type: 'cmp', op: 'eq', sreg: 1, data: Uint8Array.of(1, 2) }, { type: 'cmp', op: 'eq', sreg: 1, data: Uint8Array.of(1, 3) });
  differ({ type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'a' } }, { type: 'immediate', dreg: 0, data: { verdict: 'goto', chain: 'a' } });
  same({ type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'a' } }, { type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'a' } });
});
