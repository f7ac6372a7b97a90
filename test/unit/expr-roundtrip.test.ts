// Property: any valid expression of each kind encodes and decodes back to
// itself (values compared by content: byte arrays as hex, 64-bit counts as
// decimal, since the decoder returns numbers where they are exact).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AttrWriter } from '../../src/netlink/attr.js';
import { decodeExprList, encodeExprList, formatExpr, validateExprs } from '../../src/nftables/expr/index.js';
import { arbitraries, canon } from '../helpers/expr-arbitraries.js';

for (const [kind, arb] of Object.entries(arbitraries)) {
  test(`${kind}: encode then decode gives the expression back`, () => {
    fc.assert(fc.property(fc.array(arb, { minLength: 1, maxLength: 4 }), (exprs) => {
      validateExprs(exprs);
      const w = new AttrWriter(256);
      encodeExprList(w, exprs);
      const back = decodeExprList(w.finish(), 0, w.pos, ['test']);
      assert.deepEqual(canon(back), canon(exprs));
      for (const e of back) assert.equal(typeof formatExpr(e), 'string');
    }), { numRuns: 300 });
  });
}

test('every registered kind of this branch has a round-trip arbitrary', () => {
  for (const k of ['payload', 'cmp', 'immediate', 'counter', 'meta', 'ct', 'bitwise', 'byteorder', 'range', 'lookup', 'dynset',
    'objref', 'limit', 'quota', 'connlimit', 'last', 'hash', 'numgen', 'rt', 'socket', 'fib', 'osf', 'xfrm']) {
    assert.ok(arbitraries[k], k);
  }
});
