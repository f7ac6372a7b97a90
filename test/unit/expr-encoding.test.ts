// Encoding details that differ from a plain field-by-field write, each
// because the kernel dumps a value it would refuse on input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttrWriter } from '../../src/netlink/attr.js';
import { decodeExprList, encodeExprList, type Expr } from '../../src/nftables/expr/index.js';

function roundTrip(e: Expr): Expr {
  const w = new AttrWriter(256);
  encodeExprList(w, [e]);
  return decodeExprList(w.finish(), 0, w.pos, ['t'])[0]!;
}

test('dynset: a zero timeout (as dumped for sets without timeouts) is not sent back', () => {
  assert.deepEqual(roundTrip({ type: 'dynset', op: 'add', set: 's', sregKey: 1, timeout: 0, flags: 0 }),
    { type: 'dynset', op: 'add', set: 's', sregKey: 1, flags: 0 });
  assert.deepEqual(roundTrip({ type: 'dynset', op: 'add', set: 's', sregKey: 1, timeout: 5000 }),
    { type: 'dynset', op: 'add', set: 's', sregKey: 1, timeout: 5000 });
});

test('osf: zero flags (as dumped) are not sent back; NFT_OSF_F_VERSION is', () => {
  assert.deepEqual(roundTrip({ type: 'osf', dreg: 1, ttl: 2, flags: 0 }), { type: 'osf', dreg: 1, ttl: 2 });
  assert.deepEqual(roundTrip({ type: 'osf', dreg: 1, ttl: 0, flags: 1 }), { type: 'osf', dreg: 1, ttl: 0, flags: 1 });
});

test('objref names travel without their NUL, as libnftnl sends them', () => {
  const w = new AttrWriter(256);
  encodeExprList(w, [{ type: 'objref', objType: 'counter', name: 'cnt' }]);
  assert.ok(w.finish().includes(Buffer.from([7, 0, 2, 0, 0x63, 0x6e, 0x74, 0])), 'NFTA_OBJREF_IMM_NAME is 3 bytes long');
});
