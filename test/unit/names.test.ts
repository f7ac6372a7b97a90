// Shared name strings and slab-backed operand values: what decoders hand out
// must be exactly what a plain copy would be, whatever the cache holds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCString, readName } from '../../src/netlink/attr.js';
import { copyValue } from '../../src/nftables/expr/common.js';

test('readName returns the same text as readCString, for repeated, distinct, long and non-ASCII names', () => {
  const names = ['kp', 'c', 'x', 'service-ULMVA6XW-ns1/svc1/tcp/p80', 'é-chain', '', 'a'.repeat(65), 'a'.repeat(255)];
  for (let i = 0; i < 3000; i++) names.push(`chain-${i}`);
  for (let round = 0; round < 2; round++) {
    for (const n of names) {
      const b = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(n + '\0', 'utf8'), Buffer.from([0, 0, 9])]);
      const end = 3 + Buffer.byteLength(n) + 1;
      assert.equal(readName(b, 3, end), readCString(b, 3, end), n);
      assert.equal(readName(b, 3, end), n);
    }
  }
  // Unterminated: up to the end.
  assert.equal(readName(Buffer.from('abc'), 0, 3), 'abc');
  // The cache keeps its own bytes: a reused receive buffer does not change what it matches.
  const rx = Buffer.from('alpha\0');
  assert.equal(readName(rx, 0, 6), 'alpha');
  rx.write('omega\0');
  assert.equal(readName(rx, 0, 6), 'omega');
  rx.write('alpha\0');
  assert.equal(readName(rx, 0, 6), 'alpha');
  // Same bytes, same string object.
  const a = Buffer.from('shared\0');
  assert.equal(readName(a, 0, 7), readName(Buffer.from('shared\0'), 0, 7));
});

test('readName: a name whose hash collides with a cached one, in a reused buffer, is still read right', () => {
  // FNV-1a as readName computes it: these two names collide (found by a search over random names).
  const hash = (t: string): number => {
    let h = 0x811c9dc5;
    for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
    return (h ^ t.length) | 0;
  };
  const pair: [string, string] = ['lolqrvgd', 'buadyxge'];
  assert.equal(hash(pair[0]), hash(pair[1]));
  const [a, b] = pair;
  const rx = Buffer.from(a + '\0');
  assert.equal(readName(rx, 0, rx.length), a);
  // The receive buffer is reused for the other name; a cache that kept a view would now answer `a`.
  rx.write(b + '\0');
  assert.equal(readName(rx, 0, rx.length), b);
  assert.equal(readName(Buffer.from(a + '\0'), 0, a.length + 1), a);
});

test('copyValue: independent copies, aligned views, large values copied too', () => {
  const src = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const values: Uint8Array[] = [];
  for (let i = 0; i < 5000; i++) values.push(copyValue(src, i % 5, (i % 5) + 1 + (i % 4)));
  src.fill(0);
  for (let i = 0; i < 5000; i++) {
    const s = i % 5;
    const n = 1 + (i % 4);
    assert.deepEqual([...values[i]!], [1, 2, 3, 4, 5, 6, 7, 8, 9].slice(s, s + n));
    assert.equal(values[i]!.byteOffset % 4, 0);
  }
  const big = Buffer.alloc(1000, 7);
  const c = copyValue(big, 0, 1000);
  big.fill(0);
  assert.equal(c.length, 1000);
  assert.ok(c.every((x) => x === 7));
});
