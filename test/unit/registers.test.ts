// Register numbering: the kernel reports a 4-byte register that starts a
// 16-byte one by the 16-byte number; comparisons go through the same mapping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpedRegister, normalizeExprRegisters, normalizeRegisters, type Expr } from '../../src/nftables/expr/index.js';

test('dumpedRegister maps NFT_REG32_00/04/08/12 to NFT_REG_1..4 and leaves the rest', () => {
  const expected = new Map<number, number>([[8, 1], [12, 2], [16, 3], [20, 4]]);
  for (let r = 0; r <= 23; r++) assert.equal(dumpedRegister(r), expected.get(r) ?? r, `register ${r}`);
});

test('normalizeRegisters rewrites every register field, nested ones too, and nothing else', () => {
  const exprs: Expr[] = [
    { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 8 },
    { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 9 },
    { type: 'lookup', set: 's', sreg: 8, dreg: 12 },
    { type: 'bitwise', sreg: 16, dreg: 20, len: 4, op: 'and', sreg2: 12 },
    { type: 'immediate', dreg: 8, data: new Uint8Array([8, 0, 0, 0]) },
    { type: 'dynset', op: 'update', set: 'd', sregKey: 8, expr: { type: 'limit', rate: 8, unit: 1 } },
    { type: 'objref', setSreg: 12, set: 'om' },
    { type: 'counter', packets: 8, bytes: 12 },
  ];
  const n = normalizeExprRegisters(exprs);
  assert.deepEqual(n, [
    { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 },
    { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 9 },
    { type: 'lookup', set: 's', sreg: 1, dreg: 2 },
    { type: 'bitwise', sreg: 3, dreg: 4, len: 4, op: 'and', sreg2: 2 },
    { type: 'immediate', dreg: 1, data: new Uint8Array([8, 0, 0, 0]) },
    { type: 'dynset', op: 'update', set: 'd', sregKey: 1, expr: { type: 'limit', rate: 8, unit: 1 } },
    { type: 'objref', setSreg: 2, set: 'om' },
    { type: 'counter', packets: 8, bytes: 12 },
  ]);
  // Inputs are not modified, and unchanged expressions are returned as they are.
  assert.equal(exprs[0]!.type === 'payload' && exprs[0]!.dreg, 8);
  assert.equal(n[1], exprs[1]);
  assert.equal(n[7], exprs[7]);
});

test('a dynset with several nested expressions is normalised in each', () => {
  const d: Expr = { type: 'dynset', op: 'add', set: 's', sregKey: 12, sregData: 9, exprs: [{ type: 'counter' }, { type: 'unknown', name: 'x' }] };
  assert.deepEqual(normalizeRegisters(d), { ...d, sregKey: 2 });
});
