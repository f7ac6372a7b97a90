// Round-trip properties: any valid object or flowtable, encoded as the kernel
// would send it back, decodes to the same value; and what decodes re-encodes
// to the same bytes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AddFlowtableOp } from '../../src/client/ops/flowtable.js';
import { AddObjectOp } from '../../src/client/ops/object.js';
import { AttrWriter } from '../../src/netlink/attr.js';
import { parseMessages } from '../../src/netlink/message.js';
import { familyNumber, NFT_MSG_NEWFLOWTABLE, NFT_MSG_NEWOBJ, nftType, type Family } from '../../src/nftables/constants.js';
import { decodeFlowtable, encodeFlowtable, type Flowtable } from '../../src/nftables/flowtable.js';
import { CT_TIMEOUT_STATES, decodeObject, encodeObject, NFT_CT_TIMEOUT_DEFAULTS, type NftObject } from '../../src/nftables/object.js';
import { formatIPv4, formatIPv6 } from '../../src/nftables/addr.js';

const RUNS = 500;

/** fast-check builds some records without a prototype; the decoder builds plain ones. */
function plain<T>(v: T): T {
  if (v instanceof Uint8Array) return Buffer.from(v) as T;
  if (Array.isArray(v)) return v.map(plain) as T;
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out as T;
  }
  return v;
}

function roundTrip<T>(family: Family, type: number, encode: (w: AttrWriter) => void, decode: (m: ReturnType<typeof parseMessages>[0]) => T): { value: T; bytes: Buffer } {
  const w = new AttrWriter(512);
  const s = w.beginMessage(nftType(type), 0, 0, familyNumber(family));
  encode(w);
  w.endMessage(s);
  const bytes = Buffer.from(w.finish());
  return { value: decode(parseMessages(bytes, 0, bytes.length)[0]!), bytes };
}

// u64s come back as numbers below 2^53 and bigints above.
const u64 = fc.bigInt(0n, (1n << 64n) - 1n).map((v) => (v < 1n << 53n ? Number(v) : v));
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const name = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((s) => !s.includes('\0') && Buffer.byteLength(s) <= 255);
const l3 = fc.constantFrom('ip', 'ip6', 'inet', 2, 10, 1, 99).map((v) => ({ 2: 'ip', 10: 'ip6', 1: 'inet' } as Record<string | number, string>)[v] ?? v) as fc.Arbitrary<NftObject extends never ? never : string | number>;
const l4 = fc.constantFrom('tcp', 'udp', 'sctp', 'dccp', 'icmp', 'icmpv6', 'gre', 'udplite', 250);
const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIPv4(b));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b));

const common = fc.record({
  family: fc.constantFrom<Family>('ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'),
  table: name,
  name,
}, { requiredKeys: ['family', 'table', 'name'] }).chain((c) => fc.option(name, { nil: undefined }).map((comment) => (comment === undefined || Buffer.byteLength(comment) > 250 ? c : { ...c, comment })));

function policyFor(proto: string | number): fc.Arbitrary<Record<string, number>> {
  const states = typeof proto === 'string' ? CT_TIMEOUT_STATES[proto]! : CT_TIMEOUT_STATES['generic']!;
  const defaults = typeof proto === 'string' ? NFT_CT_TIMEOUT_DEFAULTS[proto] : undefined;
  // tcp and udp come back complete (defaults filled in); others with what was sent.
  return fc.dictionary(fc.constantFrom(...states), u32, { maxKeys: states.length }).map((p) => (defaults ? { ...defaults, ...p } : p));
}

const data: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('counter'), packets: u64, bytes: u64 }),
  fc.record({ type: fc.constant('quota'), bytes: u64, used: u64, over: fc.boolean() }),
  fc.record({
    type: fc.constant('limit'), rate: u64.filter((v) => v !== 0),
    per: fc.oneof(fc.constantFrom('second', 'minute', 'hour', 'day', 'week'), fc.integer({ min: 2, max: 59 })),
    burst: u32, unit: fc.constantFrom('packets', 'bytes', 7), over: fc.boolean(),
  }).map((o) => (o.unit === 'packets' && o.burst === 0 ? { ...o, burst: 5 } : o)),
  fc.record({ type: fc.constant('connlimit'), count: u32, over: fc.boolean() }),
  fc.record({ type: fc.constant('ct-helper'), helper: fc.stringMatching(/^[a-z0-9-]{1,15}$/), protocol: l4, l3proto: l3 }, { requiredKeys: ['type', 'helper', 'protocol'] }),
  fc.record({ type: fc.constant('ct-expectation'), protocol: l4, dport: u16, timeout: u32, size: u8, l3proto: l3 }, { requiredKeys: ['type', 'protocol', 'dport', 'timeout', 'size'] }),
  l4.chain((protocol) => fc.record({ type: fc.constant('ct-timeout'), protocol: fc.constant(protocol), l3proto: l3, policy: policyFor(protocol) }, { requiredKeys: ['type', 'protocol', 'policy'] })),
  fc.record({ type: fc.constant('secmark'), context: fc.stringMatching(/^[a-z_:0-9]{1,200}$/) }),
  fc.record({
    type: fc.constant('synproxy'), mss: u16, wscale: fc.integer({ min: 0, max: 14 }),
    flags: fc.subarray(['timestamp', 'sack-perm']),
  }, { requiredKeys: ['type', 'flags'] }),
  fc.record({
    type: fc.constant('tunnel'), id: u32,
    ip: fc.record({ src: ipv4, dst: ipv4 }, { requiredKeys: ['dst'] }),
    sport: u16, dport: u16, flags: fc.subarray(['zero-csum-tx', 'dont-fragment', 'seq-number']), tos: u8, ttl: u8,
    opts: fc.oneof(
      fc.record({ vxlan: fc.record({ gbp: u32 }) }),
      fc.record({ erspan: fc.oneof(
        fc.record({ version: fc.constant(1), index: u32 }),
        fc.record({ version: fc.constant(2), hwid: fc.integer({ min: 0, max: 63 }), dir: fc.constantFrom('ingress', 'egress') }),
      ) }),
      fc.record({ geneve: fc.array(fc.record({ class: u16, type: u8, data: fc.integer({ min: 0, max: 8 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n })).map((d) => Buffer.from(d)) }), { minLength: 1, maxLength: 3 }) }),
    ),
  }, { requiredKeys: ['type', 'id', 'ip'] }),
  fc.record({
    type: fc.constant('tunnel'), id: u32,
    ip6: fc.record({ src: ipv6, dst: ipv6, flowlabel: fc.integer({ min: 0, max: 0xfffff }) }, { requiredKeys: ['dst'] }),
  }),
);

const objects: fc.Arbitrary<NftObject> = fc.tuple(common, data).map(([c, d]) => ({ ...c, ...d }) as unknown as NftObject);

describe('object round trips (fast-check)', () => {
  it('a valid object decodes to itself and re-encodes to the same bytes', () => {
    fc.assert(fc.property(objects, (generated) => {
      const o = plain(generated);
      new AddObjectOp(o, false); // valid input by construction: validation must agree
      const { value, bytes } = roundTrip(o.family, NFT_MSG_NEWOBJ, (w) => encodeObject(w, o), decodeObject);
      assert.deepEqual(value, o);
      const again = roundTrip(o.family, NFT_MSG_NEWOBJ, (w) => encodeObject(w, value), decodeObject);
      assert.deepEqual(again.bytes, bytes);
    }), { numRuns: RUNS });
  });
});

const flowtables: fc.Arbitrary<Flowtable> = fc.record({
  family: fc.constantFrom<Family>('ip', 'ip6', 'inet', 'netdev', 'bridge'),
  table: name,
  name,
  hook: fc.constant('ingress' as const),
  priority: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  devices: fc.array(fc.stringMatching(/^[a-z][a-z0-9.-]{0,13}\*?$/), { minLength: 1, maxLength: 6 }),
  flags: fc.subarray(['hw-offload', 'counter'] as const),
});

describe('flowtable round trips (fast-check)', () => {
  it('a valid flowtable decodes to itself and re-encodes to the same bytes', () => {
    fc.assert(fc.property(flowtables, (generated) => {
      const f = plain(generated);
      new AddFlowtableOp(f, false);
      const { value, bytes } = roundTrip(f.family, NFT_MSG_NEWFLOWTABLE, (w) => encodeFlowtable(w, f), decodeFlowtable);
      assert.deepEqual(value, f);
      const again = roundTrip(f.family, NFT_MSG_NEWFLOWTABLE, (w) => encodeFlowtable(w, value), decodeFlowtable);
      assert.deepEqual(again.bytes, bytes);
    }), { numRuns: RUNS });
  });
});
