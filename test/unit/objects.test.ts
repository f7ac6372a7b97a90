// Objects and flowtables without a kernel: validation before sending,
// lossless decoding of what this library does not know, ext-ack attribute
// paths, and the libnftnl debug prints.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchBuilder } from '../../src/client/batch.js';
import { AddFlowtableOp, DelFlowtableOp } from '../../src/client/ops/flowtable.js';
import { AddObjectOp, DelObjectOp } from '../../src/client/ops/object.js';
import { Transaction } from '../../src/client/transaction.js';
import { ValidationError } from '../../src/errors.js';
import { AttrWriter } from '../../src/netlink/attr.js';
import { NLA_F_NESTED } from '../../src/netlink/constants.js';
import { parseMessages, type MessageView } from '../../src/netlink/message.js';
import { familyNumber, NFT_MSG_NEWFLOWTABLE, NFT_MSG_NEWOBJ, nftType } from '../../src/nftables/constants.js';
import { decodeFlowtable, encodeFlowtable, type Flowtable } from '../../src/nftables/flowtable.js';
import { decodeObject, encodeObject, type NftObject } from '../../src/nftables/object.js';
import { attributePath, formatPath } from '../../src/nftables/schema.js';
import { formatFlowtable, formatObject, formatObjectMessage } from '../../src/format/object.js';
import { formatMessageBody } from '../../src/format/message.js';
import { formatIPv6, parseIPv4, parseIPv6 } from '../../src/nftables/addr.js';

function message(type: number, family: NftObject['family'], body: (w: AttrWriter) => void): MessageView {
  const w = new AttrWriter(512);
  const s = w.beginMessage(nftType(type), 0, 0, familyNumber(family));
  body(w);
  w.endMessage(s);
  const buf = Buffer.from(w.finish());
  return parseMessages(buf, 0, buf.length)[0]!;
}

function objMessage(o: NftObject, extra?: (w: AttrWriter) => void): MessageView {
  return message(NFT_MSG_NEWOBJ, o.family, (w) => {
    encodeObject(w, o);
    extra?.(w);
  });
}

function validationField(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${String(e)}`);
    return e.field;
  }
  assert.fail('no ValidationError thrown');
}

const base = { family: 'inet' as const, table: 't', name: 'o' };

describe('object validation: bad input is refused before anything is sent, naming the field', () => {
  const cases: [string, unknown, string][] = [
    ['counter with negative packets', { ...base, type: 'counter', packets: -1 }, 'packets'],
    ['counter with fractional bytes', { ...base, type: 'counter', bytes: 1.5 }, 'bytes'],
    ['counter with a 65-bit bigint', { ...base, type: 'counter', bytes: 1n << 64n }, 'bytes'],
    ['quota without bytes', { ...base, type: 'quota' }, 'bytes'],
    ['limit with rate 0', { ...base, type: 'limit', rate: 0, per: 'second' }, 'rate'],
    ['limit per fortnight', { ...base, type: 'limit', rate: 1, per: 'fortnight' }, 'per'],
    ['limit burst 2^32', { ...base, type: 'limit', rate: 1, per: 'second', burst: 2 ** 32 }, 'burst'],
    ['ct helper name of 16 bytes', { ...base, type: 'ct-helper', helper: 'x'.repeat(16), protocol: 'tcp' }, 'helper'],
    ['ct helper protocol tpc', { ...base, type: 'ct-helper', helper: 'ftp', protocol: 'tpc' }, 'protocol'],
    ['ct helper l3proto ipx', { ...base, type: 'ct-helper', helper: 'ftp', protocol: 'tcp', l3proto: 'ipx' }, 'l3proto'],
    ['ct timeout unknown tcp state', { ...base, type: 'ct-timeout', protocol: 'tcp', policy: { establisehd: 5 } }, 'policy.establisehd'],
    ['ct timeout negative seconds', { ...base, type: 'ct-timeout', protocol: 'udp', policy: { replied: -5 } }, 'policy.replied'],
    ['ct expectation port 70000', { ...base, type: 'ct-expectation', protocol: 'tcp', dport: 70000, timeout: 1, size: 1 }, 'dport'],
    ['ct expectation size 256', { ...base, type: 'ct-expectation', protocol: 'tcp', dport: 21, timeout: 1, size: 256 }, 'size'],
    ['secmark without context', { ...base, type: 'secmark', context: '' }, 'context'],
    ['synproxy wscale 15', { ...base, type: 'synproxy', mss: 1460, wscale: 15 }, 'wscale'],
    ['synproxy unknown flag', { ...base, type: 'synproxy', flags: ['ecn'] }, 'flags'],
    ['tunnel without endpoints', { ...base, family: 'netdev', type: 'tunnel', id: 1 }, 'ip'],
    ['tunnel with a bad address', { ...base, family: 'netdev', type: 'tunnel', id: 1, ip: { dst: '10.0.0.300' } }, 'ip.dst'],
    ['tunnel with a bad IPv6 source', { ...base, family: 'netdev', type: 'tunnel', id: 1, ip6: { src: '2001:db8:::1', dst: '::1' } }, 'ip6.src'],
    ['tunnel geneve data of 3 bytes', { ...base, family: 'netdev', type: 'tunnel', id: 1, ip: { dst: '1.2.3.4' }, opts: { geneve: [{ class: 1, type: 1, data: new Uint8Array(3) }] } }, 'opts.geneve[0].data'],
    ['tunnel erspan version 3', { ...base, family: 'netdev', type: 'tunnel', id: 1, ip: { dst: '1.2.3.4' }, opts: { erspan: { version: 3 } } }, 'opts.erspan.version'],
    ['unknown object type', { ...base, type: 'meter' }, 'type'],
    ['no table', { ...base, table: '', type: 'counter' }, 'table'],
    ['name of 256 bytes', { ...base, name: 'n'.repeat(256), type: 'counter' }, 'name'],
    ['family inet6', { ...base, family: 'inet6', type: 'counter' }, 'family'],
    ['comment of 254 bytes', { ...base, type: 'counter', comment: 'c'.repeat(254) }, 'comment'],
  ];
  for (const [what, o, field] of cases) {
    it(`${what} → ${field}`, () => assert.equal(validationField(() => new AddObjectOp(o as NftObject, false)), field));
  }

  it('a transaction reports the index and the operation of the bad object', () => {
    const tx = new Transaction({ socket: () => { throw new Error('not used'); }, chainHandle: async () => 0 });
    tx.addTable({ family: 'inet', name: 't' });
    try {
      tx.addObject({ ...base, type: 'quota', bytes: -1 });
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.index, 1);
      assert.equal(e.field, 'bytes');
      assert.equal(e.operation, 'addObject inet t o (quota)');
    }
    assert.equal(tx.size, 1);
  });

  it('deletes need the type and a name or handle', () => {
    assert.equal(validationField(() => new DelObjectOp({ family: 'inet', table: 't', name: 'c' } as never, false)), 'type');
    assert.equal(validationField(() => new DelObjectOp({ family: 'inet', table: 't', type: 'counter' }, false)), 'name');
    assert.equal(validationField(() => new DelObjectOp({ family: 'inet', table: 't', type: 'counter', handle: -2 }, false)), 'handle');
  });

  it('flowtables: priority, devices and flags are checked', () => {
    const ft = { family: 'inet' as const, table: 't', name: 'f' };
    assert.equal(validationField(() => new AddFlowtableOp(ft, false)), 'priority');
    assert.equal(validationField(() => new AddFlowtableOp({ ...ft, priority: 'fliter' }, false)), 'priority');
    assert.equal(validationField(() => new AddFlowtableOp({ ...ft, priority: 0, devices: ['x'.repeat(16)] }, false)), 'devices[0]');
    assert.equal(validationField(() => new AddFlowtableOp({ ...ft, priority: 0, flags: ['offload' as never] }, false)), 'flags');
    assert.equal(validationField(() => new DelFlowtableOp({ family: 'inet', table: 't' }, false)), 'name');
  });
});

describe('objects: what the kernel sends back', () => {
  it('reads handle and use, and drops neither on the way back (they are just not sent)', () => {
    const m = objMessage({ ...base, type: 'counter', packets: 1, bytes: 2 }, (w) => {
      w.u32(5, 3); // NFTA_OBJ_USE
      w.u64(6, 77); // NFTA_OBJ_HANDLE
    });
    assert.deepEqual(decodeObject(m), { ...base, type: 'counter', packets: 1, bytes: 2, use: 3, handle: 77 });
  });

  it('keeps unknown NFTA_OBJ_* and data attributes raw and sends them back unchanged', () => {
    const rawTop = Buffer.from([8, 0, 42, 0, 1, 2, 3, 4]);
    const rawData = Buffer.from([8, 0, 9, 0, 0xde, 0xad, 0xbe, 0xef]);
    const o: NftObject = { ...base, type: 'quota', bytes: 10, used: 0, over: false, unknownAttrs: [rawTop], unknownDataAttrs: [rawData] };
    const m = objMessage(o);
    const d = decodeObject(m);
    assert.deepEqual(d, o);
    assert.deepEqual(Buffer.from(objMessage(d).buf), Buffer.from(m.buf));
  });

  it('keeps an object of an unknown type raw, and one whose data does not parse', () => {
    const data = Buffer.from([8, 0, 1, 0, 0, 0, 0, 5]);
    const m = message(NFT_MSG_NEWOBJ, 'inet', (w) => {
      w.str(1, 't');
      w.str(2, 'x');
      w.u32(3, 99);
      w.bytes(4 | NLA_F_NESTED, data);
    });
    const d = decodeObject(m);
    assert.deepEqual(d, { ...base, name: 'x', type: 'unknown', typeId: 99, data });
    assert.deepEqual(Buffer.from(objMessage(d).buf), Buffer.from(m.buf));
    // A quota without NFTA_QUOTA_BYTES: known type, unreadable data.
    const bad = message(NFT_MSG_NEWOBJ, 'inet', (w) => {
      w.str(1, 't');
      w.str(2, 'q');
      w.u32(3, 2);
      w.bytes(4 | NLA_F_NESTED, Buffer.from([8, 0, 2, 0, 0, 0, 0, 1]));
    });
    const q = decodeObject(bad);
    assert.equal(q.type, 'unknown');
    assert.equal(q.type === 'unknown' && q.typeId, 2);
    assert.match(q.type === 'unknown' ? q.decodeError ?? '' : '', /NFTA_QUOTA_BYTES/);
    assert.deepEqual(Buffer.from(objMessage(q).buf), Buffer.from(bad.buf));
  });

  it('a depleted quota reads as such, and the bit is not sent back (the kernel refuses it)', () => {
    const m = message(NFT_MSG_NEWOBJ, 'inet', (w) => {
      w.str(1, 't');
      w.str(2, 'q');
      w.u32(3, 2);
      const n = w.beginNest(4);
      w.u64(1, 100);
      w.u64(4, 100);
      w.u32(2, 3);
      w.endNest(n);
    });
    const q = decodeObject(m);
    assert.deepEqual(q, { ...base, name: 'q', type: 'quota', bytes: 100, used: 100, over: true, depleted: true });
    const again = decodeObject(objMessage(q));
    assert.equal(again.type === 'quota' && again.depleted, undefined);
    assert.equal(again.type === 'quota' && again.over, true);
  });

  it('reads every geneve option the kernel dumps in one nest', () => {
    const m = message(NFT_MSG_NEWOBJ, 'netdev', (w) => {
      w.str(1, 't');
      w.str(2, 'g');
      w.u32(3, 6);
      const d = w.beginNest(4);
      w.u32(1, 7);
      const ip = w.beginNest(2);
      w.bytes(1, Buffer.from([0, 0, 0, 0]));
      w.bytes(2, Buffer.from([10, 0, 0, 9]));
      w.endNest(ip);
      const opts = w.beginNest(9);
      const g = w.beginNest(3);
      w.u16(1, 0x102);
      w.u8(2, 0x80);
      w.bytes(3, Buffer.from([1, 2, 3, 4]));
      w.u16(1, 0x103);
      w.u8(2, 1);
      w.bytes(3, Buffer.from([5, 6, 7, 8, 9, 10, 11, 12]));
      w.endNest(g);
      w.endNest(opts);
      w.endNest(d);
    });
    const t = decodeObject(m);
    assert.equal(t.type, 'tunnel');
    if (t.type !== 'tunnel') return;
    assert.deepEqual(t.ip, { src: '0.0.0.0', dst: '10.0.0.9' });
    assert.deepEqual(t.opts, { geneve: [
      { class: 0x102, type: 0x80, data: Buffer.from([1, 2, 3, 4]) },
      { class: 0x103, type: 1, data: Buffer.from([5, 6, 7, 8, 9, 10, 11, 12]) },
    ] });
  });

  it('sends one GENEVE nest per option, each flagged NLA_F_NESTED (the kernel parses them strictly)', () => {
    const m = objMessage({ ...base, family: 'netdev', type: 'tunnel', id: 1, ip: { dst: '1.2.3.4' }, opts: { geneve: [
      { class: 1, type: 2, data: new Uint8Array(4) }, { class: 3, type: 4, data: new Uint8Array(8) },
    ] } });
    const hex = Buffer.from(m.buf).toString('hex');
    assert.equal(hex.split('03800600').length - 1, 2, 'two GENEVE nests, each with its class first');
  });

  it('flowtables: reads use and handle, keeps unknown attributes, device prefixes', () => {
    const ft: Flowtable = { family: 'inet', table: 't', name: 'f', hook: 'ingress', priority: -5, devices: ['eth0', 'veth*'], flags: ['counter'], unknownFlags: 0x10 };
    const m = message(NFT_MSG_NEWFLOWTABLE, 'inet', (w) => {
      encodeFlowtable(w, ft);
      w.u32(4, 2);
      w.u64(5, 9);
      w.bytes(30, Buffer.from([1, 2, 3, 4]));
    });
    const d = decodeFlowtable(m);
    assert.deepEqual(d, { ...ft, use: 2, handle: 9, unknownAttrs: [Buffer.from([8, 0, 30, 0, 1, 2, 3, 4])] });
    assert.ok(Buffer.from(m.buf).includes(Buffer.from('veth\0')), 'a trailing * is sent as a prefix');
  });
});

describe('ext-ack attribute paths through object data', () => {
  it('names the ct timeout state an offset points at', () => {
    const m = objMessage({ ...base, type: 'ct-timeout', protocol: 'tcp', policy: {} });
    const buf = Buffer.from(m.buf);
    // The ESTABLISHED attribute: type 3 inside the timeout data nest, value 432000 (0x00069780).
    const at = buf.indexOf(Buffer.from([8, 0, 3, 0, 0x00, 0x06, 0x97, 0x80]));
    assert.ok(at > 0);
    assert.equal(formatPath(attributePath(buf, 0, buf.length, at)), 'NFTA_OBJ_DATA > NFTA_CT_TIMEOUT_DATA > CTA_TIMEOUT_TCP_ESTABLISHED');
  });

  it('names the tunnel attribute an offset points at', () => {
    const m = objMessage({ ...base, family: 'netdev', type: 'tunnel', id: 1, ip: { src: '1.1.1.1', dst: '2.2.2.2' }, opts: { vxlan: { gbp: 5 } } });
    const buf = Buffer.from(m.buf);
    const at = buf.indexOf(Buffer.from([8, 0, 2, 0, 2, 2, 2, 2]));
    assert.equal(formatPath(attributePath(buf, 0, buf.length, at)), 'NFTA_OBJ_DATA > NFTA_TUNNEL_KEY_IP > NFTA_TUNNEL_KEY_IP_DST');
    const gbp = buf.indexOf(Buffer.from([8, 0, 1, 0, 0, 0, 0, 5]));
    assert.equal(formatPath(attributePath(buf, 0, buf.length, gbp)), 'NFTA_OBJ_DATA > NFTA_TUNNEL_KEY_OPTS > NFTA_TUNNEL_KEY_OPTS_VXLAN > NFTA_TUNNEL_KEY_VXLAN_GBP');
  });

  it('names flowtable hook attributes', () => {
    const m = message(NFT_MSG_NEWFLOWTABLE, 'inet', (w) => encodeFlowtable(w, { family: 'inet', table: 't', name: 'f', priority: 7, devices: ['lo'] }));
    const buf = Buffer.from(m.buf);
    const at = buf.indexOf(Buffer.from([8, 0, 2, 0, 0, 0, 0, 7]));
    assert.equal(formatPath(attributePath(buf, 0, buf.length, at)), 'NFTA_FLOWTABLE_HOOK > NFTA_FLOWTABLE_HOOK_PRIORITY');
  });
});

describe('libnftnl debug prints', () => {
  // The texts libnftnl 1.2.4 prints (`nft --debug=netlink add …` printed the same type text).
  const cases: [NftObject, string][] = [
    [{ ...base, name: 'c9', type: 'counter', packets: 1, bytes: 2 }, 'table t name c9 use 0 [ counter pkts 1 bytes 2 ]'],
    [{ ...base, type: 'quota', bytes: 1000, used: 10, over: true }, 'table t name o use 0 [ quota bytes 1000 flags 1 ]'],
    [{ ...base, type: 'limit', rate: 10, per: 'second', burst: 5, over: true }, 'table t name o use 0 [ limit rate 10 unit 1 burst 5 type 0 flags 1 ]'],
    [{ ...base, type: 'ct-helper', helper: 'ftp', protocol: 'tcp', l3proto: 'inet' }, 'table t name o use 0 [ ct_helper name ftp family 1 protocol 6 ]'],
    [{ ...base, type: 'ct-timeout', protocol: 'udp', policy: { replied: 5 } }, 'table t name o use 0 [ ct_timeout protocol 17 policy = {REPLIED = 5,}]'],
    [{ ...base, type: 'ct-timeout', protocol: 'tcp', l3proto: 'ip', policy: { established: 100, close: 4 } }, 'table t name o use 0 [ ct_timeout family 2 protocol 6 policy = {ESTABLISHED = 100,CLOSE = 4,}]'],
    [{ ...base, type: 'ct-expectation', protocol: 'tcp', dport: 5000, timeout: 3600000, size: 12, l3proto: 'ip' }, 'table t name o use 0 [ ct_expect family 2 protocol 6 dport 5000 timeout 3600000 size 12 ]'],
    [{ ...base, type: 'secmark', context: 'ctx' }, 'table t name o use 0 [ secmark context ctx ]'],
    [{ ...base, type: 'synproxy', mss: 1460, wscale: 7, flags: ['timestamp'] }, 'table t name o use 0 [ synproxy mss 1460 wscale 7 ]'],
    [{ ...base, type: 'tunnel', id: 42, ip: { dst: '1.2.3.4' } }, 'table t name o use 0 [ tunnel id 42 ]'],
  ];
  for (const [o, text] of cases) {
    it(text, () => {
      assert.equal(formatObject(o), text);
      assert.equal(formatMessageBody(objMessage(o)), text);
    });
  }

  it('prints a delete by handle with what it carries', () => {
    const b = new BatchBuilder(1, 256);
    b.currentOp = 0;
    new DelObjectOp({ family: 'inet', table: 't', type: 'quota', handle: 4 }, false).encode(b);
    const buf = Buffer.from(b.finish());
    assert.equal(formatObjectMessage(parseMessages(buf, 0, buf.length)[0]!), 'table t name handle 4 use 0 [ quota ]');
  });

  it('prints flowtables as libnftnl does (hook 0 is "prerouting" outside netdev)', () => {
    assert.equal(formatFlowtable({ family: 'inet', table: 't', name: 'ft', hook: 'ingress', priority: 0, devices: ['lo'], flags: ['hw-offload'] }),
      'flow table t ft use 0 size 0 flags 1 hook prerouting prio 0  dev {  lo  } ');
    assert.equal(formatFlowtable({ family: 'netdev', table: 'n', name: 'f', hook: 'ingress', priority: -10, devices: ['a', 'b'], use: 2 }),
      'flow table n f use 2 size 0 flags 0 hook ingress prio -10  dev {  a  b  } ');
  });
});

describe('addresses', () => {
  it('parses and prints IPv6 the RFC 5952 way', () => {
    for (const [text, canon] of [['2001:DB8:0:0:0:0:0:1', '2001:db8::1'], ['::', '::'], ['::1', '::1'], ['1::', '1::'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['::ffff:10.0.0.1', '::ffff:a00:1'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'], ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7']]) {
      const b = parseIPv6(text!);
      assert.ok(b, text);
      assert.equal(formatIPv6(b), canon);
    }
    for (const bad of ['', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '12345::', '1:2:3:4:5:6:7::8']) assert.equal(parseIPv6(bad), undefined, bad);
    assert.equal(parseIPv4('256.0.0.1'), undefined);
    assert.deepEqual(parseIPv4('10.0.0.1'), new Uint8Array([10, 0, 0, 1]));
  });
});
