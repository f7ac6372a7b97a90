// Datatypes: the bytes nft sends for values, the text nft prints, and the
// errors for values that do not fit. Expected bytes come from what nft 1.0.6
// sent (strace of its sendmsg) and printed (`nft list`, `--debug=netlink`)
// on this machine.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '../../src/errors.js';
import {
  concatType,
  datatypeById,
  datatypeByName,
  decodeRange,
  decodeValue,
  formatDuration,
  formatRange,
  formatValue,
  intervalKeyType,
  keyTypeFromWire,
  parseDuration,
  parseRange,
  parseValue,
  parseVerdict,
  resolveType,
  type TypeSpec,
} from '../../src/nftables/datatypes.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// [type, input, bytes nft sends, text nft prints]
const CASES: [TypeSpec, unknown, string, string][] = [
  ['ipv4_addr', '10.0.0.1', '0a000001', '10.0.0.1'],
  ['ipv4_addr', '192.168.3.4', 'c0a80304', '192.168.3.4'],
  ['ipv6_addr', 'dead::beef', 'dead000000000000000000000000beef', 'dead::beef'],
  ['ipv6_addr', '::ffff:1.2.3.4', '00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
  ['ether_addr', '00:11:22:33:44:55', '001122334455', '00:11:22:33:44:55'],
  ['ether_addr', '0:1:2:3:4:5', '000102030405', '00:01:02:03:04:05'],
  ['inet_proto', 'tcp', '06', 'tcp'],
  ['inet_proto', 'udp', '11', 'udp'],
  ['inet_proto', 'icmpv6', '3a', 'ipv6-icmp'],
  ['inet_proto', 253, 'fd', '253'],
  ['inet_service', 80, '0050', '80'],
  ['inet_service', 'http', '0050', '80'],
  ['inet_service', 65535, 'ffff', '65535'],
  ['mark', 42, '2a000000', '0x0000002a'],
  ['mark', '0xffffffff', 'ffffffff', '0xffffffff'],
  ['ifname', 'eth0', '65746830000000000000000000000000', '"eth0"'],
  ['iface_index', 1, '01000000', '1'],
  ['ct_state', 'new', '08000000', 'new'],
  ['ct_state', 'established|related', '06000000', 'established | related'],
  ['ct_status', 'snat|dnat', '30000000', 'snat | dnat'],
  ['ct_status', 0x40000, '00000400', '0x40000'],
  ['tcp_flag', 'syn|ack', '12', 'syn | ack'],
  ['tcp_flag', 'fin', '01', 'fin'],
  ['icmp_type', 'echo-request', '08', 'echo-request'],
  ['icmp_type', 200, 'c8', '200'],
  ['icmpv6_type', 'nd-neighbor-solicit', '87', 'nd-neighbor-solicit'],
  ['icmpv6_type', 'mld-listener-done', '84', 'mld-listener-done'],
  ['nf_proto', 'ipv6', '0a', 'ipv6'],
  ['boolean', 'exists', '01', 'exists'],
  ['boolean', false, '00', 'missing'],
  ['time', '1h', '80ee3600', '1h'],
  ['time', 100000, 'a0860100', '1m40s'],
  ['uid', 1000, 'e8030000', '1000'],
  [{ type: 'integer', bits: 16, byteorder: 'big' }, 513, '0201', '513'],
  [{ type: 'integer', bits: 32 }, 1, '01000000', '1'],
  [['ipv4_addr', 'inet_proto', 'inet_service'], ['10.0.0.1', 'tcp', 80], '0a0000010600000000500000', '10.0.0.1 . tcp . 80'],
  ['ipv4_addr . inet_service', '1.2.3.4 . 22', '0102030400160000', '1.2.3.4 . 22'],
  [['ifname', 'inet_proto', 'inet_service'], ['eth0', 'tcp', 22], '657468300000000000000000000000000600000000160000', '"eth0" . tcp . 22'],
];

test('values: the bytes nft sends and the text it prints', () => {
  for (const [type, input, bytes, text] of CASES) {
    const b = parseValue(type, input);
    assert.equal(hex(b), bytes, `${JSON.stringify(type)} ${JSON.stringify(input)}`);
    assert.equal(formatValue(type, b), text);
    // What decodeValue gives back parses to the same bytes.
    assert.equal(hex(parseValue(type, decodeValue(type, b))), bytes);
  }
});

test('raw bytes are accepted at the type length and refused otherwise', () => {
  assert.equal(hex(parseValue('ipv4_addr', Uint8Array.from([1, 2, 3, 4]))), '01020304');
  assert.equal(hex(parseValue(['ipv4_addr', 'inet_service'], new Uint8Array(8))), '0000000000000000');
  assert.equal(hex(parseValue(['ipv4_addr', 'inet_service'], [Uint8Array.from([1, 2, 3, 4]), 80])), '0102030400500000');
  assert.throws(() => parseValue('ipv4_addr', new Uint8Array(3), 'key'), (e: unknown) => e instanceof ValidationError && e.field === 'key' && /4 bytes, not 3/.test(e.message));
});

test('bad values are ValidationErrors naming the field', () => {
  const bad: [TypeSpec, unknown, string, RegExp][] = [
    ['ipv4_addr', '10.0.0.300', 'elements[3].key', /not an IPv4 address/],
    ['ipv4_addr', '10.0.0', 'k', /not an IPv4 address/],
    ['ipv4_addr', '010.0.0.1', 'k', /not an IPv4 address/],
    ['ipv4_addr', 167772161, 'k', /not an IPv4 address/],
    ['inet_service', 70000, 'elements[0].key', /does not fit in 16 bits/],
    ['inet_service', -1, 'k', /non-negative/],
    ['inet_service', 1.5, 'k', /non-negative integer/],
    ['inet_proto', 'nope', 'k', /not a valid inet_proto/],
    ['ipv6_addr', '1::2::3', 'k', /not an IPv6 address/],
    ['ipv6_addr', '1:2:3:4:5:6:7:8:9', 'k', /not an IPv6 address/],
    ['ether_addr', '00:11:22:33:44', 'k', /not an Ethernet address/],
    ['ifname', 'a-name-of-16-byt', 'k', /at most 15 fit/],
    ['mark', 2 ** 32, 'k', /does not fit in 32 bits/],
    ['boolean', 2, 'k', /does not fit in 1 bits/],
    ['ct_state', 'new|bogus', 'k', /not a valid ct_state/],
  ];
  for (const [type, input, field, re] of bad) {
    assert.throws(() => parseValue(type, input, field), (e: unknown) => {
      assert.ok(e instanceof ValidationError, `${JSON.stringify(input)}: ${String(e)}`);
      assert.equal(e.field, field);
      assert.match(e.message, re);
      return true;
    });
  }
  // A concatenation names the field within the key.
  assert.throws(() => parseValue(['ipv4_addr', 'inet_proto', 'inet_service'], ['10.0.0.1', 'tcp', 70000], 'elements[5].key'),
    (e: unknown) => e instanceof ValidationError && e.field === 'elements[5].key[2]');
  assert.throws(() => parseValue(['ipv4_addr', 'inet_service'], ['10.0.0.1'], 'key'), /has 2 fields; got 1/);
  assert.throws(() => resolveType('no_such_type'), /unknown datatype "no_such_type"/);
  assert.throws(() => resolveType('integer'), /no fixed size/);
  assert.throws(() => resolveType(['ipv4_addr', 'ipv4_addr', 'ipv4_addr', 'ipv4_addr', 'ipv4_addr', 'ipv4_addr']), /at most 5 fields/);
});

test('concatenations: key type ids and lengths composed as nft composes them', () => {
  // Verified against what nft sent in NFTA_SET_KEY_TYPE / KEY_LEN / DESC_CONCAT.
  const a = concatType(['ipv4_addr', 'inet_service']);
  assert.equal(a.id, 461);
  assert.equal(a.len, 8);
  assert.deepEqual(a.fields.map((f) => f.len), [4, 2]);
  const b = resolveType(['ipv4_addr', 'inet_proto', 'inet_service']);
  assert.equal(b.id, 0x730d);
  assert.equal(b.len, 12);
  const c = resolveType('ipv4_addr . inet_service . ifname');
  assert.equal(c.id, 0x7369);
  assert.equal(c.len, 24);
  assert.deepEqual(c.fields.map((f) => f.len), [4, 2, 16]);
  assert.equal(c.byteorder, 'invalid');
  // And back from the wire.
  assert.equal(keyTypeFromWire(0x730d, 12)?.name, 'ipv4_addr . inet_proto . inet_service');
  assert.equal(keyTypeFromWire(0x1cd, 8, 'invalid', [4, 2])?.name, 'ipv4_addr . inet_service');
  assert.equal(keyTypeFromWire(7, 4, 'big')?.name, 'ipv4_addr');
  assert.equal(keyTypeFromWire(7, 16), undefined);
  assert.equal(keyTypeFromWire(4, 2, 'big')?.fields[0]?.len, 2);
  assert.equal(keyTypeFromWire(63, 4), undefined);
});

test('ranges: prefixes, ranges, wildcards, single values', () => {
  const r = (t: TypeSpec, v: unknown): string => {
    const { start, end } = parseRange(t, v);
    return `${hex(start)}-${hex(end)}`;
  };
  assert.equal(r('ipv4_addr', '10.0.0.0/8'), '0a000000-0affffff');
  assert.equal(r('ipv4_addr', '0.0.0.0/0'), '00000000-ffffffff');
  assert.equal(r('ipv4_addr', '10.0.0.1-10.0.0.9'), '0a000001-0a000009');
  assert.equal(r('ipv4_addr', '10.0.0.1'), '0a000001-0a000001');
  assert.equal(r('ipv6_addr', '2001:db8::/32'), '20010db8000000000000000000000000-20010db8ffffffffffffffffffffffff');
  assert.equal(r('inet_service', '1024-65535'), '0400-ffff');
  assert.equal(r('icmp_type', 'echo-request'), '08-08');
  assert.equal(r('icmp_type', 'echo-reply-echo-request'), '00-08');
  assert.equal(r('ifname', 'eth*'), '65746800000000000000000000000000-657468ffffffffffffffffffffffffff');
  assert.equal(r(['ipv4_addr', 'inet_service'], ['10.0.0.0/8', '22-23']), '0a00000000160000-0affffff00170000');
  assert.throws(() => parseRange('ipv4_addr', '10.0.0.1/8', 'k'), /bits set outside its \/8 prefix/);
  assert.throws(() => parseRange('ipv4_addr', '10.0.0.9-10.0.0.1', 'k'), /start is after its end/);
  assert.throws(() => parseRange('ipv4_addr', '10.0.0.0/33', 'k'), /bad prefix length/);
  assert.equal(formatRange('ipv4_addr', parseRange('ipv4_addr', '10.0.0.0/8').start, parseRange('ipv4_addr', '10.0.0.0/8').end), '10.0.0.0/8');
  const x = parseRange('ipv4_addr', '10.0.0.1-10.0.0.9');
  assert.equal(formatRange('ipv4_addr', x.start, x.end), '10.0.0.1-10.0.0.9');
  assert.deepEqual(decodeRange(['ipv4_addr', 'inet_service'], ...Object.values(parseRange(['ipv4_addr', 'inet_service'], ['10.0.0.0/8', 80])) as [Uint8Array, Uint8Array]), ['10.0.0.0/8', 80]);
});

test('interval sets carry host-order integers big-endian, as nft sends them', () => {
  // nft sent mark 1-5 in an interval set as 00000001 … 00000006.
  const kt = intervalKeyType(resolveType('mark'));
  const { start, end } = parseRange(kt, '1-5');
  assert.equal(hex(start), '00000001');
  assert.equal(hex(end), '00000005');
  assert.equal(formatRange(kt, start, end), '0x00000001-0x00000005');
  // Strings are not swapped.
  assert.equal(intervalKeyType(resolveType('ifname')).fields[0]!.byteorder, 'host');
});

test('IPv6 text as glibc (and so nft) prints it', () => {
  const cases: [string, string][] = [
    ['::1', '::1'], ['::', '::'], ['::2', '::2'], ['::100', '::100'], ['::1.2.3.4', '::1.2.3.4'], ['0:0:1::', '0:0:1::'],
    ['1::', '1::'], ['1:0:0:1:0:0:0:1', '1:0:0:1::1'], ['1:0:0:1:0:0:1:1', '1::1:0:0:1:1'], ['2001:DB8::', '2001:db8::'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'], ['1:0:0:2::3', '1:0:0:2::3'], ['fe80::1', 'fe80::1'], ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
  ];
  for (const [input, text] of cases) assert.equal(formatValue('ipv6_addr', parseValue('ipv6_addr', input)), text, input);
});

test('verdicts and durations', () => {
  assert.deepEqual(parseVerdict('jump other'), { verdict: 'jump', chain: 'other' });
  assert.deepEqual(parseVerdict({ verdict: 'accept' }), { verdict: 'accept' });
  assert.throws(() => parseVerdict({ verdict: 'goto' }, 'data'), /goto needs a chain/);
  assert.throws(() => parseVerdict({ verdict: 'accept', chain: 'x' }, 'data'), /takes no chain/);
  assert.throws(() => parseVerdict({ verdict: 'bogus' }, 'data'), /unknown verdict/);
  assert.equal(formatDuration(3723004), '1h2m3s4ms');
  assert.equal(formatDuration(86400000 * 23 + 3599000), '23d59m59s');
  assert.equal(parseDuration('1h2m3s4ms'), 3723004);
  assert.equal(parseDuration('5'), undefined);
});

test('every datatype has a unique id and name, and lookups agree', () => {
  const names = ['ipv4_addr', 'ipv6_addr', 'ether_addr', 'inet_proto', 'inet_service', 'mark', 'ifname', 'iface_index', 'verdict',
    'ct_state', 'ct_status', 'tcp_flag', 'icmp_type', 'icmpv6_type', 'nf_proto', 'boolean', 'time', 'integer'];
  const ids = [7, 8, 9, 12, 13, 19, 41, 20, 1, 26, 28, 15, 14, 29, 2, 39, 18, 4];
  names.forEach((n, i) => {
    assert.equal(datatypeByName(n)?.id, ids[i], n);
    assert.equal(datatypeById(ids[i]!)?.name, n);
  });
});

// --- properties --------------------------------------------------------------------

const FIXED: { type: string; gen: fc.Arbitrary<Uint8Array> }[] = [
  ...['ipv4_addr', 'ipv6_addr', 'ether_addr', 'inet_proto', 'inet_service', 'mark', 'iface_index', 'ct_state', 'ct_status',
    'tcp_flag', 'icmp_type', 'icmpv6_type', 'nf_proto', 'time', 'uid', 'gid', 'ether_type', 'arp_op', 'realm', 'classid',
    'icmp_code', 'icmpv6_code', 'devgroup', 'fib_addrtype', 'ct_event', 'igmp_type', 'pkt_type', 'ct_dir', 'cgroupsv2', 'ct_label']
    .map((type) => ({ type, gen: fc.uint8Array({ minLength: resolveType(type).len, maxLength: resolveType(type).len }) })),
  { type: 'boolean', gen: fc.constantFrom(Uint8Array.of(0), Uint8Array.of(1)) },
  { type: 'dscp', gen: fc.integer({ min: 0, max: 63 }).map((n) => Uint8Array.of(n)) },
  { type: 'ecn', gen: fc.integer({ min: 0, max: 3 }).map((n) => Uint8Array.of(n)) },
  { type: 'ifname', gen: fc.stringMatching(/^[a-z0-9.-]{1,15}$/).map((s) => { const b = new Uint8Array(16); b.set(Buffer.from(s)); return b; }) },
];

test('property: bytes → value → bytes for every fixed-size datatype', () => {
  for (const { type, gen } of FIXED) {
    fc.assert(fc.property(gen, (b) => {
      assert.equal(hex(parseValue(type, decodeValue(type, b))), hex(b), type);
      // The printed text is never empty.
      assert.ok(formatValue(type, b).length > 0);
    }), { numRuns: 300 });
  }
});

test('property: concatenated values round-trip and print field by field', () => {
  const t = ['ipv4_addr', 'inet_proto', 'inet_service'];
  fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 }), (a, p, port) => {
    const v = [Array.from(a).join('.'), p, port];
    const b = parseValue(t, v);
    assert.equal(b.length, 12);
    assert.equal(hex(parseValue(t, decodeValue(t, b))), hex(b));
    assert.equal(formatValue(t, b).split(' . ').length, 3);
  }));
});

test('property: prefixes and ranges round-trip through their text', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }), (addr, len) => {
    const start = Uint8Array.from(addr);
    const end = Uint8Array.from(addr);
    for (let bit = len; bit < 128; bit++) {
      start[bit >> 3]! &= ~(0x80 >> (bit & 7));
      end[bit >> 3]! |= 0x80 >> (bit & 7);
    }
    const text = formatRange('ipv6_addr', start, end);
    const r = parseRange('ipv6_addr', text);
    assert.equal(hex(r.start), hex(start));
    assert.equal(hex(r.end), hex(end));
  }));
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (x, y) => {
    const [lo, hi] = x <= y ? [x, y] : [y, x];
    const s = Buffer.alloc(4);
    const e = Buffer.alloc(4);
    s.writeUInt32BE(lo);
    e.writeUInt32BE(hi);
    const r = parseRange('ipv4_addr', formatRange('ipv4_addr', s, e));
    assert.equal(hex(r.start), hex(s));
    assert.equal(hex(r.end), hex(e));
  }));
});

test('property: garbage input gives a ValidationError or bytes, never another error', () => {
  const types = ['ipv4_addr', 'ipv6_addr', 'ether_addr', 'inet_proto', 'inet_service', 'mark', 'ifname', 'ct_state', 'tcp_flag', 'time', 'boolean',
    ['ipv4_addr', 'inet_service']];
  fc.assert(fc.property(fc.constantFrom(...types), fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }), fc.uint8Array({ maxLength: 20 }), fc.bigInt()), (t, v) => {
    try {
      parseValue(t as TypeSpec, v);
    } catch (e) {
      assert.ok(e instanceof ValidationError, String(e));
    }
    try {
      parseRange(t as TypeSpec, v);
    } catch (e) {
      assert.ok(e instanceof ValidationError, String(e));
    }
  }), { numRuns: 3000 });
});
