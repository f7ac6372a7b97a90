// NFT_MSG_TRACE decoding and the packet header decoder, on bytes built here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../src/errors.js';
import { parseMessages } from '../../src/netlink/message.js';
import { decodePacket, decodeTrace, formatIPv6 } from '../../src/nftables/trace.js';

function le16(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff];
}
function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}
function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}
function attr(type: number, payload: number[]): number[] {
  const len = 4 + payload.length;
  return [...le16(len), ...le16(type), ...payload, ...new Array((4 - (len % 4)) % 4).fill(0)];
}
function msg(family: number, attrs: number[]): Uint8Array {
  const len = 20 + attrs.length;
  return Uint8Array.from([...le16(len), 0, 0, ...le16(0x0a11), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, family, 0, 0, 0, ...attrs]);
}

// IPv4 ICMP echo request 10.0.0.1 → 10.0.0.2, id 0x1234 seq 7.
const IPV4 = [0x45, 0x00, ...be16(84), ...be16(0xbeef), 0x40, 0x00, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
const ICMP = [8, 0, 0, 0, ...be16(0x1234), ...be16(7), 1, 2, 3, 4, 5, 6, 7, 8];
const ETHER = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];

test('a first trace message: ids, place, verdict, interfaces, mark and headers', () => {
  const m = msg(1, [
    ...attr(1, [...Buffer.from('t\0')]),
    ...attr(2, [...Buffer.from('pre\0')]),
    ...attr(15, be32(2)),
    ...attr(4, be32(3)),
    ...attr(6, be32(0xdeadbeef)),
    ...attr(3, [0, 0, 0, 0, 0, 0, 0, 5]),
    ...attr(5, attr(1, be32(0xffffffff))),
    ...attr(14, be32(0x42)),
    ...attr(10, be32(7)),
    ...attr(11, be16(1)),
    ...attr(7, ETHER),
    ...attr(8, IPV4),
    ...attr(9, ICMP),
    ...attr(99, [1, 2, 3, 4]),
  ]);
  const [v] = parseMessages(m, 0, m.length);
  const t = decodeTrace(v!);
  assert.equal(t.id, 0xdeadbeef);
  assert.equal(t.family, 'inet');
  assert.equal(t.nfproto, 2);
  assert.equal(t.type, 'rule');
  assert.equal(t.table, 't');
  assert.equal(t.chain, 'pre');
  assert.equal(t.ruleHandle, 5);
  assert.deepEqual(t.verdict, { verdict: 'continue' });
  assert.equal(t.mark, 0x42);
  assert.equal(t.iif, 7);
  assert.equal(t.iifType, 1);
  assert.equal(t.unknownAttrs?.length, 1);
  const p = decodePacket(t);
  assert.deepEqual(p.ll, { daddr: '02:00:00:00:00:02', saddr: '02:00:00:00:00:01', type: 0x0800 });
  assert.equal(p.network?.protocol, 'ip');
  assert.equal(p.network?.saddr, '10.0.0.1');
  assert.equal(p.network?.daddr, '10.0.0.2');
  assert.equal(p.network?.ttl, 64);
  assert.equal(p.network?.id, 0xbeef);
  assert.equal(p.network?.length, 84);
  assert.equal(p.network?.l4protoName, 'icmp');
  assert.deepEqual(p.transport, { protocol: 'icmp', icmpType: 8, icmpCode: 0, icmpTypeName: 'echo-request', icmpId: 0x1234, icmpSeq: 7 });
});

test('a policy step', () => {
  const m = msg(2, [...attr(6, be32(9)), ...attr(4, be32(1)), ...attr(16, be32(0)), ...attr(1, [...Buffer.from('t\0')]), ...attr(2, [...Buffer.from('in\0')])]);
  const t = decodeTrace(parseMessages(m, 0, m.length)[0]!);
  assert.equal(t.type, 'policy');
  assert.equal(t.policy, 0);
  assert.equal(t.family, 'ip');
});

test('IPv6 TCP SYN headers', () => {
  const ip6 = [0x60, 0x00, 0x00, 0x05, ...be16(40), 6, 63,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const tcp = [...be16(40000), ...be16(8080), ...be32(1000), ...be32(0), 0x50, 0x02, ...be16(65535)];
  const p = decodePacket({ nfproto: 10, networkHeader: Uint8Array.from(ip6), transportHeader: Uint8Array.from(tcp) });
  assert.equal(p.network?.protocol, 'ip6');
  assert.equal(p.network?.saddr, '2001:db8::1');
  assert.equal(p.network?.daddr, '::1');
  assert.equal(p.network?.flowLabel, 5);
  assert.equal(p.network?.ttl, 63);
  assert.deepEqual(p.transport, { protocol: 'tcp', sport: 40000, dport: 8080, seq: 1000, ack: 0, flags: ['syn'], window: 65535 });
});

test('IPv6 text follows RFC 5952', () => {
  const v6 = (s: number[]): string => formatIPv6(Uint8Array.from(s.flatMap((g) => be16(g))));
  assert.equal(v6([0, 0, 0, 0, 0, 0, 0, 0]), '::');
  assert.equal(v6([0, 0, 0, 0, 0, 0, 0, 1]), '::1');
  assert.equal(v6([0xfe80, 0, 0, 0, 0, 0, 1, 2]), 'fe80::1:2');
  assert.equal(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), '2001:db8:0:1:1:1:1:1');
  assert.equal(v6([0x2001, 0, 0, 1, 0, 0, 0, 1]), '2001:0:0:1::1');
});

test('truncated headers give partial fields, never an exception', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 16 }), fc.constantFrom(2, 10, 1, 5), (n, t, proto) => {
    decodePacket({ nfproto: proto, networkHeader: n, transportHeader: t });
  }), { numRuns: 500 });
  const p = decodePacket({ nfproto: 2, networkHeader: Uint8Array.from(IPV4), transportHeader: Uint8Array.from(ICMP.slice(0, 3)) });
  assert.deepEqual(p.transport, { protocol: 'icmp', icmpType: 8, icmpCode: 0, icmpTypeName: 'echo-request' });
});

test('malformed trace messages are DecodeErrors', () => {
  const noId = msg(2, attr(4, be32(3)));
  assert.throws(() => decodeTrace(parseMessages(noId, 0, noId.length)[0]!), (e: unknown) => e instanceof DecodeError && /without NFTA_TRACE_ID/.test(e.message));
  const shortId = msg(2, attr(6, [1, 2]));
  assert.throws(() => decodeTrace(parseMessages(shortId, 0, shortId.length)[0]!), (e: unknown) => e instanceof DecodeError && /NFTA_TRACE_ID has 2 bytes/.test(e.message));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (body) => {
    const m = msg(2, [...attr(6, be32(1)), ...body]);
    try {
      decodeTrace(parseMessages(m, 0, m.length)[0]!);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }), { numRuns: 500 });
});
