// Expression kinds nft 1.0.6 cannot write (inner, tunnel, DCCP options) or that
// only iptables-nft writes (match, target): expected bytes are built here by
// hand from the kernel's attribute definitions, independently of AttrWriter.
// Also: unknown attributes kept, bad input refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttrWriter } from '../../src/netlink/attr.js';
import { ValidationError } from '../../src/errors.js';
import { decodeExpr, encodeExpr, formatExpr, validateExprs, type Expr } from '../../src/nftables/expr/index.js';

// --- a tiny independent TLV builder ---------------------------------------------------
function tlv(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const h = Buffer.alloc(4);
  h.writeUInt16LE(len, 0);
  h.writeUInt16LE(type, 2);
  return Buffer.concat([h, payload, Buffer.alloc((4 - (len % 4)) % 4)]);
}
const be32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
const be16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const u8 = (n: number): Buffer => Buffer.from([n]);
const strz = (s: string): Buffer => Buffer.from(s + '\0', 'latin1');
/** A nest, marked NLA_F_NESTED as libmnl (and AttrWriter) mark them. */
const nest = (type: number, ...parts: Buffer[]): Buffer => tlv(type | 0x8000, Buffer.concat(parts));
/** NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { … } } */
const elem = (name: string, ...data: Buffer[]): Buffer => nest(1, tlv(1, strz(name)), nest(2, ...data));
/** The same with NFTA_EXPR_DATA unmarked: an expression kept raw is sent back with its payload as plain bytes. */
const rawElem = (name: string, ...data: Buffer[]): Buffer => nest(1, tlv(1, strz(name)), tlv(2, Buffer.concat(data)));

function encodeOne(e: Expr): string {
  const w = new AttrWriter(256);
  encodeExpr(w, e);
  return Buffer.from(w.finish()).toString('hex');
}
function decodeOne(b: Buffer): Expr {
  return decodeExpr(b, 4, b.length, []);
}

interface Case { name: string; expr: Expr; bytes: Buffer; text: string }

const payloadNh12 = [tlv(1, be32(1)), tlv(2, be32(1)), tlv(3, be32(12)), tlv(4, be32(4))];

const CASES: Case[] = [
  {
    name: 'exthdr dccp option present (libnftnl 1.2.4 prints no name for dccp)',
    expr: { type: 'exthdr', op: 'dccp', headerType: 40, offset: 0, len: 1, dreg: 1, flags: 1 },
    bytes: elem('exthdr', tlv(1, be32(1)), tlv(2, u8(40)), tlv(3, be32(0)), tlv(4, be32(1)), tlv(6, be32(4)), tlv(5, be32(1))),
    text: '[ exthdr load 1b @ 40 + 0 present => reg 1 ]',
  },
  {
    name: 'exthdr with neither register nor reset shape',
    expr: { type: 'exthdr', op: 'ipv6', headerType: 43, offset: 2, len: 4 },
    bytes: elem('exthdr', tlv(2, u8(43)), tlv(3, be32(2)), tlv(4, be32(4)), tlv(6, be32(0))),
    text: '[ exthdr op 0 len 4 type 43 offset 2 ]',
  },
  {
    name: 'inner vxlan with a nested payload load',
    expr: {
      type: 'inner', num: 0, tunnel: 'vxlan', flags: 0xf, hdrsize: 8,
      expr: { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 },
    },
    bytes: elem('inner', tlv(1, be32(0)), tlv(2, be32(1)), tlv(3, be32(0xf)), tlv(4, be32(8)),
      nest(5, tlv(1, strz('payload')), nest(2, ...payloadNh12))),
    text: '[ inner type 1 hdrsize 8 flags f [ payload load 4b @ network header + 12 => reg 1 ] ]',
  },
  {
    name: 'inner geneve',
    expr: {
      type: 'inner', num: 0, tunnel: 'geneve', flags: 0x3, hdrsize: 8,
      expr: { type: 'payload', base: 'll', offset: 12, len: 2, dreg: 1 },
    },
    bytes: elem('inner', tlv(1, be32(0)), tlv(2, be32(2)), tlv(3, be32(3)), tlv(4, be32(8)),
      nest(5, tlv(1, strz('payload')), nest(2, tlv(1, be32(1)), tlv(2, be32(0)), tlv(3, be32(12)), tlv(4, be32(2))))),
    text: '[ inner type 2 hdrsize 8 flags 3 [ payload load 2b @ link header + 12 => reg 1 ] ]',
  },
  {
    name: 'tunnel id',
    expr: { type: 'tunnel', key: 'id', dreg: 1 },
    bytes: elem('tunnel', tlv(1, be32(1)), tlv(2, be32(1))),
    text: '[ tunnel load id => reg 1 ]',
  },
  {
    name: 'tunnel path with mode',
    expr: { type: 'tunnel', key: 'path', dreg: 9, mode: 'rx' },
    bytes: elem('tunnel', tlv(1, be32(0)), tlv(2, be32(9)), tlv(3, be32(1))),
    text: '[ tunnel load path => reg 9 ]',
  },
  {
    name: 'match comment',
    expr: { type: 'match', name: 'comment', rev: 0, info: Buffer.concat([Buffer.from('hi'), Buffer.alloc(254)]) },
    bytes: elem('match', tlv(1, strz('comment')), tlv(2, be32(0)), tlv(3, Buffer.concat([Buffer.from('hi'), Buffer.alloc(254)]))),
    text: '[ match name comment rev 0 ]',
  },
  {
    name: 'target MARK rev 2',
    expr: { type: 'target', name: 'MARK', rev: 2, info: Buffer.from('0000002a00000000', 'hex') },
    bytes: elem('target', tlv(1, strz('MARK')), tlv(2, be32(2)), tlv(3, Buffer.from('0000002a00000000', 'hex'))),
    text: '[ target name MARK rev 2 ]',
  },
  {
    name: 'queue with odd total (libnftnl computes the range in 16 bits)',
    expr: { type: 'queue', num: 65535, total: 2, flags: 1 },
    bytes: elem('queue', tlv(1, be16(65535)), tlv(2, be16(2)), tlv(3, be16(1))),
    text: '[ queue num 65535-0 bypass ]',
  },
  {
    name: 'nat with an unknown type and family 0',
    expr: { type: 'nat', natType: 7, family: 0, flags: 0 },
    bytes: elem('nat', tlv(1, be32(7)), tlv(2, be32(0)), tlv(7, be32(0))),
    text: '[ nat unknown unknown flags 0x0 ]',
  },
  {
    name: 'synproxy without wscale prints nothing',
    expr: { type: 'synproxy', mss: 1460 },
    bytes: elem('synproxy', tlv(1, be16(1460))),
    text: '[ synproxy ]',
  },
  {
    name: 'log group without snaplen',
    expr: { type: 'log', group: 5, level: 3 },
    bytes: elem('log', tlv(1, be16(5)), tlv(5, be32(3))),
    text: '[ log group 5 snaplen 0 qthreshold 0 ]',
  },
];

for (const c of CASES) {
  test(`${c.name}: encode, decode, format`, () => {
    validateExprs([c.expr]);
    assert.equal(encodeOne(c.expr), c.bytes.toString('hex'));
    assert.deepEqual(decodeOne(c.bytes), c.expr);
    assert.equal(formatExpr(c.expr), c.text);
  });
}

test('inner: NFTA_INNER_NUM is sent as 0 when left out (the kernel requires it)', () => {
  const e: Expr = { type: 'inner', tunnel: 'vxlan', flags: 0xf, hdrsize: 8, expr: { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 } };
  assert.equal(encodeOne(e), CASES[2]!.bytes.toString('hex'));
});

test('inner: an unknown nested expression stays raw inside the known one', () => {
  const b = elem('inner', tlv(1, be32(0)), tlv(2, be32(1)), tlv(3, be32(0xf)), tlv(4, be32(8)),
    nest(5, tlv(1, strz('frobnicate')), tlv(2, tlv(1, be32(7)))));
  const d = decodeOne(b);
  assert.equal(d.type, 'inner');
  assert.deepEqual((d as { expr: Expr }).expr, { type: 'unknown', name: 'frobnicate', data: tlv(1, be32(7)) });
  assert.equal(encodeOne(d), b.toString('hex'));
  assert.equal(formatExpr(d), '[ inner type 1 hdrsize 8 flags f [ frobnicate ] ]');
});

test('attributes a newer kernel adds are kept raw and sent back unchanged', () => {
  for (const [name, data] of [
    ['nat', [tlv(1, be32(1)), tlv(2, be32(2)), tlv(3, be32(1)), tlv(12, be32(0xdead))]],
    ['exthdr', [tlv(1, be32(1)), tlv(2, u8(2)), tlv(3, be32(2)), tlv(4, be32(2)), tlv(6, be32(1)), tlv(9, strz('x'))]],
    ['log', [tlv(5, be32(4)), tlv(7, be16(1))]],
  ] as const) {
    const b = elem(name, ...data);
    const d = decodeOne(b) as { type: string; unknownAttrs?: Uint8Array[] };
    assert.equal(d.type, name);
    assert.equal(d.unknownAttrs?.length, 1, name);
    assert.equal(encodeOne(d as Expr), b.toString('hex'), name);
  }
});

test('a known kind with an attribute too short to read comes back raw, with the reason', () => {
  const b = rawElem('nat', tlv(1, be32(0)), tlv(2, be32(2)), tlv(3, Buffer.from([0, 1])));
  const d = decodeOne(b) as { type: string; name?: string; decodeError?: string };
  assert.equal(d.type, 'unknown');
  assert.equal(d.name, 'nat');
  assert.match(d.decodeError!, /NFTA_NAT_REG_ADDR_MIN has 2 bytes, needs 4/);
  assert.equal(encodeOne(d as Expr), b.toString('hex'));
});

test('notrack is sent without NFTA_EXPR_DATA, masq without attributes with an empty one', () => {
  assert.equal(encodeOne({ type: 'notrack' }), nest(1, tlv(1, strz('notrack'))).toString('hex'));
  assert.equal(encodeOne({ type: 'masq' }), elem('masq').toString('hex'));
  assert.deepEqual(decodeOne(nest(1, tlv(1, strz('notrack')))), { type: 'notrack' });
  assert.equal(formatExpr({ type: 'notrack' }), '[ notrack ]');
});

test('bad input is refused with a ValidationError naming the field', () => {
  const bad: [Expr, string][] = [
    [{ type: 'exthdr', op: 'tcpopt', headerType: 2, offset: 2, len: 2, dreg: 1, sreg: 2 }, 'exprs[0]'],
    [{ type: 'exthdr', op: 'tcpopt', headerType: 2, dreg: 1 }, 'exprs[0].len'],
    [{ type: 'exthdr', op: 'bogus' as never, headerType: 2 }, 'exprs[0].op'],
    [{ type: 'exthdr', op: 'ipv6', headerType: 300 }, 'exprs[0].headerType'],
    [{ type: 'nat', family: 'ip' } as never, 'exprs[0].natType'],
    [{ type: 'nat', natType: 'snat', family: 'ipx' as never }, 'exprs[0].family'],
    [{ type: 'reject', rejectType: 'icmp' as never }, 'exprs[0].rejectType'],
    [{ type: 'reject', rejectType: 'icmp-unreach', icmpCode: 256 }, 'exprs[0].icmpCode'],
    [{ type: 'log', group: 70000 }, 'exprs[0].group'],
    [{ type: 'log', prefix: 5 as never }, 'exprs[0].prefix'],
    [{ type: 'queue', sregQnum: 24 }, 'exprs[0].sregQnum'],
    [{ type: 'inner', tunnel: 'vxlan', flags: 0xf, hdrsize: 8 } as never, 'exprs[0].expr'],
    [{ type: 'inner', tunnel: 'vxlan', flags: 0xf, hdrsize: 8, expr: { type: 'inner', tunnel: 1, flags: 0, hdrsize: 0, expr: { type: 'notrack' } } }, 'exprs[0].expr'],
    [{ type: 'match', name: 'comment', rev: 0, info: 'x' as never }, 'exprs[0].info'],
    [{ type: 'target', name: 'MARK', info: new Uint8Array(8) } as never, 'exprs[0].rev'],
    [{ type: 'flow_offload' } as never, 'exprs[0].flowtable'],
    [{ type: 'fwd', sregAddr: 2 } as never, 'exprs[0].sregDev'],
    [{ type: 'tunnel', key: 'id' } as never, 'exprs[0].dreg'],
    [{ type: 'synproxy', mss: 65536 }, 'exprs[0].mss'],
  ];
  for (const [e, field] of bad) {
    assert.throws(() => validateExprs([e]), (err: unknown) => err instanceof ValidationError && err.field === field,
      `${JSON.stringify(e)} should fail on ${field}`);
  }
});

test('a nested expression error names the whole path, its operation, and the message once', () => {
  const exprs = [
    { type: 'counter' },
    { type: 'dynset', op: 'add', set: 's', sregKey: 1, exprs: [{ type: 'counter' }, { type: 'limit', rate: -1, unit: 1 }] },
  ] as Expr[];
  assert.throws(() => validateExprs(exprs, 'exprs', 'addRule ip t c'), (err: unknown) =>
    err instanceof ValidationError
    && err.field === 'exprs[1].exprs[1].rate'
    && err.operation === 'addRule ip t c'
    && err.message === 'addRule ip t c: exprs[1].exprs[1].rate: must be an integer in [0, 9007199254740991], not -1');
  // Without an operation, the path alone; a custom validator's field too.
  assert.throws(() => validateExprs([{ type: 'counter' }, { type: 'cmp', op: 'eq', sreg: 99, data: new Uint8Array(1) }] as Expr[], 'set.exprs'),
    (err: unknown) => err instanceof ValidationError && err.field === 'set.exprs[1].sreg' && err.message === 'set.exprs[1].sreg: must be a register number 0..23');
});
