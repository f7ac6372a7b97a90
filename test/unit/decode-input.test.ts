// The decode command's inputs (hex, nft --debug=mnl dumps, pcap, pcapng)
// and its annotated tree, on bytes built here independently of the codecs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  describeDatagrams,
  detectFormat,
  InputError,
  parseHex,
  parseInput,
  parseMnlDump,
} from '../../src/format/decode.js';
import { writePcap, writePcapng } from '../helpers/pcap.js';

// protocol.md §1.6: BATCH_BEGIN, NEWTABLE ip "t", BATCH_END, as nft sends them.
const BATCH_HEX = '14000000100001000100000000000000 0000000a'
  + '1c000000000a050402000000000000000200000006000100 74000000'
  + '14000000110001000300000000000000 0000000a';

// A NEWRULE for "transport header bytes 2..3 == 22, accept" (protocol.md §1.6), built by hand.
function le16(v: number): number[] {
  return [v & 0xff, v >> 8];
}
function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}
function attr(type: number, payload: number[]): number[] {
  const len = 4 + payload.length;
  const pad = (4 - (len % 4)) % 4;
  return [...le16(len), ...le16(type), ...payload, ...new Array(pad).fill(0)];
}
function str(s: string): number[] {
  return [...Buffer.from(s + '\0')];
}
function newRule(): Uint8Array {
  const payload = attr(1, [...attr(1, str('payload')), ...attr(2, [
    ...attr(1, be32(1)), ...attr(2, be32(2)), ...attr(3, be32(2)), ...attr(4, be32(2)),
  ])]);
  const cmp = attr(1, [...attr(1, str('cmp')), ...attr(2, [...attr(1, be32(1)), ...attr(2, be32(0)), ...attr(3, attr(1, [0x00, 0x16]))])]);
  const imm = attr(1, [...attr(1, str('immediate')), ...attr(2, [...attr(1, be32(0)), ...attr(2, attr(2, attr(1, be32(1))))])]);
  const body = [2, 0, 0, 0, ...attr(1, str('t')), ...attr(2, str('c')), ...attr(4, [...payload, ...cmp, ...imm])];
  const len = 16 + body.length;
  return Uint8Array.from([...le16(len), 0, 0, ...le16(0x0a06), ...le16(0x0c01), 5, 0, 0, 0, 0, 0, 0, 0, ...body]);
}

test('hex input: whitespace, colons and 0x prefixes are ignored', () => {
  const a = parseHex('14 00:00 00');
  const b = parseHex('0x14000000');
  assert.deepEqual([...a], [0x14, 0, 0, 0]);
  assert.deepEqual([...b], [0x14, 0, 0, 0]);
});

test('hex input: odd length and non-hex characters are clear errors', () => {
  assert.throws(() => parseHex('140'), (e: unknown) => e instanceof InputError && /odd number of hex digits \(3\)/.test(e.message));
  assert.throws(() => parseHex('14zz'), (e: unknown) => e instanceof InputError && /not hex: 'z' at position 2/.test(e.message));
  assert.throws(() => parseHex('  '), (e: unknown) => e instanceof InputError && /no input/.test(e.message));
});

test('a batch in hex is annotated message by message with kernel names', () => {
  const r = describeDatagrams(parseInput(Buffer.from(BATCH_HEX)));
  assert.equal(r.messages, 3);
  assert.deepEqual(r.errors, []);
  const lines = r.text.split('\n');
  assert.match(lines[0]!, /^message 1: NFNL_MSG_BATCH_BEGIN {2}len 20 {2}type 0x0010 {2}flags 0x0001 \(REQUEST\) {2}seq 1 {2}pid 0$/);
  assert.match(r.text, /nfgenmsg: family unspec \(0\) {2}version 0 {2}res_id 10 \(subsystem NFTABLES\)/);
  assert.match(r.text, /message 2: NFT_MSG_NEWTABLE {2}len 28 {2}type 0x0a00 {2}flags 0x0405 \(REQUEST\|ACK\|CREATE\) {2}seq 2/);
  assert.match(r.text, /\n {2}NFTA_TABLE_NAME \(1\) len 6: "t"\n/);
  assert.match(r.text, /message 3: NFNL_MSG_BATCH_END/);
});

test('a rule: every attribute and expression is named, and the rule is printed as libnftnl does', () => {
  const r = describeDatagrams([{ bytes: newRule() }]);
  assert.deepEqual(r.errors, []);
  const t = r.text;
  for (const want of [
    /NFT_MSG_NEWRULE .*flags 0x0c01 \(REQUEST\|CREATE\|APPEND\)/,
    /NFTA_RULE_TABLE \(1\) len 6: "t"/,
    /NFTA_RULE_CHAIN \(2\) len 6: "c"/,
    /NFTA_RULE_EXPRESSIONS \(4\) len \d+/,
    /\[0\] NFTA_LIST_ELEM \(1\) len \d+ {2}=> \[ payload load 2b @ transport header \+ 2 => reg 1 \]/,
    /NFTA_EXPR_NAME \(1\) len 12: "payload"/,
    /NFTA_PAYLOAD_BASE \(2\) len 8: 2/,
    /NFTA_PAYLOAD_OFFSET \(3\) len 8: 2/,
    /\[1\] NFTA_LIST_ELEM \(1\) len \d+ {2}=> \[ cmp eq reg 1 0x00001600 \]/,
    /NFTA_CMP_DATA \(3\) len 12\n {10}NFTA_DATA_VALUE \(1\) len 6: 0016/,
    /\[2\] NFTA_LIST_ELEM \(1\) len \d+ {2}=> \[ immediate reg 0 accept \]/,
    /NFTA_VERDICT_CODE \(1\) len 8: 1/,
    / {2}libnftnl:\n {4}ip t c\n {6}\[ payload load 2b @ transport header \+ 2 => reg 1 \]\n {6}\[ cmp eq reg 1 0x00001600 \]\n {6}\[ immediate reg 0 accept \]/,
  ]) assert.match(t, want);
});

test('attributes that run past their parent are marked and reported, not thrown', () => {
  const b = newRule();
  // Corrupt the length of NFTA_RULE_CHAIN (second attribute, at 20 + 8) to run past the message.
  const bad = Uint8Array.from(b);
  bad[28] = 0xff;
  const r = describeDatagrams([{ bytes: bad }]);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!, /attribute type 2 at offset 28 has length 255, but only \d+ bytes are left/);
  assert.match(r.text, /!! attribute type 2 with length 255 runs past its parent/);
});

test('a truncated message is an InputError naming the lengths', () => {
  const b = newRule().subarray(0, 60);
  assert.throws(() => describeDatagrams([{ bytes: b }]),
    (e: unknown) => e instanceof InputError && /message length \d+ runs past the data \(60 bytes left\) at byte 0: truncated/.test(e.message));
});

test('NLMSG_ERROR: errno, the request header and the extended ack', () => {
  // error -2 for a capped NEWTABLE request with NLMSGERR_ATTR_OFFS = 20.
  const req = [...le16(28), 0, 0, ...le16(0x0a00), ...le16(0x0405), 7, 0, 0, 0, 0, 0, 0, 0];
  const body = [0xfe, 0xff, 0xff, 0xff, ...req, ...attr(2, [20, 0, 0, 0])];
  const len = 16 + body.length;
  const m = Uint8Array.from([...le16(len), 0, 0, ...le16(2), ...le16(0x300), 7, 0, 0, 0, 0x10, 0, 0, 0, ...body]);
  const r = describeDatagrams([{ bytes: m }]);
  assert.match(r.text, /NLMSG_ERROR .*flags 0x0300 \(CAPPED\|ACK_TLVS\)/);
  assert.match(r.text, /error: -2 ENOENT/);
  assert.match(r.text, /request: NFT_MSG_NEWTABLE {2}len 28 .*seq 7/);
  assert.match(r.text, /NLMSGERR_ATTR_OFFS: 20/);
});

test('nft --debug=mnl dump: parsed back to the bytes nft sent', () => {
  // Captured from `nft --debug=mnl add table ip t` (nft 1.0.6), color codes included.
  const dump = [
    '----------------\t------------------',
    '|  0000000028  |\t| message length |',
    '| 02560 | R--- |\t|  type | flags  |',
    '|  0000000002  |\t| sequence number|',
    '|  0000000000  |\t|     port ID    |',
    '----------------\t------------------',
    '| 02 00 00 00  |\t|  extra header  |',
    '|\x1b[1;31m00006\x1b[0m|\x1b[1;32m--\x1b[0m|\x1b[1;34m00001\x1b[0m|\t|len |flags| type|',
    '| 74 00 00 00  |\t|      data      |\t t      ',
    '----------------\t------------------',
  ].join('\n');
  assert.equal(detectFormat(Buffer.from(dump)), 'mnl');
  const d = parseMnlDump(dump);
  assert.equal(d.length, 1);
  assert.equal(Buffer.from(d[0]!.bytes).toString('hex'), '1c000000000a010002000000000000000200000006000100' + '74000000');
  const r = describeDatagrams(d);
  assert.match(r.text, /NFT_MSG_NEWTABLE .*flags 0x0001 \(REQUEST\)/);
  assert.match(r.text, /NFTA_TABLE_NAME \(1\) len 6: "t"/);
  assert.match(r.text, /only the R\/M\/A\/E message flags are recorded/);
});

test('nft --debug=mnl dump cut short is an error', () => {
  const dump = '|  0000000028  |\t| message length |\n| 02560 | R--- |\t|  type | flags  |\n';
  assert.throws(() => parseMnlDump(dump), (e: unknown) => e instanceof InputError && /says 28 bytes but the dump holds 8: truncated/.test(e.message));
});

test('pcap (both byte orders) and pcapng: packets, directions, protocol', () => {
  const batch = parseHex(BATCH_HEX);
  const rule = newRule();
  const packets = [{ data: batch, toKernel: true }, { data: rule, toKernel: false }];
  for (const file of [writePcap(packets, 'le'), writePcap(packets, 'be'), writePcapng(packets)]) {
    const d = parseInput(file);
    assert.equal(d.length, 2);
    assert.deepEqual([...d[0]!.bytes], [...batch]);
    assert.equal(d[0]!.direction, 'to kernel');
    assert.equal(d[1]!.direction, 'to user');
    assert.equal(d[0]!.protocol, 12);
    const r = describeDatagrams(d);
    assert.equal(r.messages, 4);
    assert.match(r.text, /# packet 1, 68 bytes, to kernel/);
    assert.match(r.text, /# packet 2, \d+ bytes, to user/);
  }
});

test('pcap of another link type is refused', () => {
  const f = writePcap([{ data: parseHex(BATCH_HEX), toKernel: true }], 'le');
  Buffer.from(f.buffer, f.byteOffset).writeUInt32LE(1, 20);
  assert.throws(() => parseInput(f), (e: unknown) => e instanceof InputError && /link type 1 is not NETLINK \(253\)/.test(e.message));
});

test('random bytes never crash the decoder: an InputError or a result', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
    for (const input of [bytes, Buffer.from(Buffer.from(bytes).toString('hex'))]) {
      try {
        describeDatagrams(parseInput(input));
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
      }
    }
  }), { numRuns: 500 });
});

test('corrupted real messages never crash the decoder', () => {
  const base = Buffer.concat([parseHex(BATCH_HEX), newRule()]);
  fc.assert(fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(base.length), (at, v, cut) => {
    const b = Uint8Array.from(base);
    b[at] = v;
    try {
      describeDatagrams([{ bytes: b.subarray(0, cut) }]);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
  }), { numRuns: 1000 });
});
