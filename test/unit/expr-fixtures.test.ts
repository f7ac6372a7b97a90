// Expression kinds against what nft 1.0.6 / libnftnl 1.2.4 actually do: for
// every captured case, the typed expression written here must encode to the
// bytes nft sent, the bytes nft sent and the kernel dumped must decode to it,
// and formatExpr must print what libnftnl printed for both.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttrWriter } from '../../src/netlink/attr.js';
import { decodeExpr, encodeExpr, formatExpr, validateExprs, type Expr } from '../../src/nftables/expr/index.js';
import { formatRule } from '../../src/nftables/rule.js';
import { capturedExprs, decodeCapturedRule, elemPayload, loadFixture } from '../helpers/exprfix.js';

// `resent`: what a listed expression is sent back as, when the encoder leaves
// out attributes the kernel dumps but refuses on input.
type Expect = { sent: Expr; dumped?: Expr; resent?: Expr };

// The expected expression of each case's kind, as a caller would write it.
// `dumped` is given where the kernel fills in defaults.
const EXPECT: Record<string, Record<string, Expect>> = {
  exthdr: {
    'tcpopt load': { sent: { type: 'exthdr', op: 'tcpopt', headerType: 2, offset: 2, len: 2, dreg: 1, flags: 0 } },
    'tcpopt present': { sent: { type: 'exthdr', op: 'tcpopt', headerType: 4, offset: 0, len: 1, dreg: 1, flags: 1 } },
    'tcpopt missing': { sent: { type: 'exthdr', op: 'tcpopt', headerType: 4, offset: 0, len: 1, dreg: 1, flags: 1 } },
    'tcpopt write': {
      sent: { type: 'exthdr', op: 'tcpopt', headerType: 2, offset: 2, len: 2, sreg: 1 },
      dumped: { type: 'exthdr', op: 'tcpopt', headerType: 2, offset: 2, len: 2, sreg: 1, flags: 0 },
      resent: { type: 'exthdr', op: 'tcpopt', headerType: 2, offset: 2, len: 2, sreg: 1 },
    },
    'tcpopt reset': {
      sent: { type: 'exthdr', op: 'tcpopt', headerType: 4 },
      dumped: { type: 'exthdr', op: 'tcpopt', headerType: 4, offset: 0, len: 0, flags: 0 },
      resent: { type: 'exthdr', op: 'tcpopt', headerType: 4 },
    },
    'ipv6 hbh present': { sent: { type: 'exthdr', op: 'ipv6', headerType: 0, offset: 0, len: 1, dreg: 1, flags: 1 } },
    'ipv6 frag field': { sent: { type: 'exthdr', op: 'ipv6', headerType: 44, offset: 3, len: 1, dreg: 1, flags: 0 } },
    'ipv6 rt0 addr': { sent: { type: 'exthdr', op: 'ipv6', headerType: 43, offset: 8, len: 16, dreg: 1, flags: 0 } },
    'ipv4 option present': { sent: { type: 'exthdr', op: 'ipv4', headerType: 7, offset: 0, len: 1, dreg: 1, flags: 1 } },
    'ipv4 option field': { sent: { type: 'exthdr', op: 'ipv4', headerType: 131, offset: 2, len: 1, dreg: 1, flags: 0 } },
    'sctp chunk present': { sent: { type: 'exthdr', op: 'sctp', headerType: 1, offset: 0, len: 1, dreg: 1, flags: 1 } },
    'sctp chunk field': { sent: { type: 'exthdr', op: 'sctp', headerType: 1, offset: 16, len: 4, dreg: 1, flags: 0 } },
  },
  nat: {
    'snat ip': {
      sent: { type: 'nat', natType: 'snat', family: 'ip', sregAddrMin: 1 },
      dumped: { type: 'nat', natType: 'snat', family: 'ip', sregAddrMin: 1, sregAddrMax: 1, flags: 0x1 },
    },
    'dnat ip with port': {
      sent: { type: 'nat', natType: 'dnat', family: 'ip', sregAddrMin: 1, sregProtoMin: 2, flags: 0x2 },
      dumped: { type: 'nat', natType: 'dnat', family: 'ip', sregAddrMin: 1, sregAddrMax: 1, sregProtoMin: 2, sregProtoMax: 2, flags: 0x3 },
    },
    'snat range persistent': {
      sent: { type: 'nat', natType: 'snat', family: 'ip', sregAddrMin: 1, sregAddrMax: 2, flags: 0x8 },
      dumped: { type: 'nat', natType: 'snat', family: 'ip', sregAddrMin: 1, sregAddrMax: 2, flags: 0x9 },
    },
    'dnat ip6 port range': {
      sent: { type: 'nat', natType: 'dnat', family: 'ip6', sregAddrMin: 1, sregProtoMin: 2, sregProtoMax: 3, flags: 0x6 },
      dumped: { type: 'nat', natType: 'dnat', family: 'ip6', sregAddrMin: 1, sregAddrMax: 1, sregProtoMin: 2, sregProtoMax: 3, flags: 0x7 },
    },
    'dnat inet port only': {
      sent: { type: 'nat', natType: 'dnat', family: 'inet', sregProtoMin: 1, flags: 0x2 },
      dumped: { type: 'nat', natType: 'dnat', family: 'inet', sregProtoMin: 1, sregProtoMax: 1, flags: 0x2 },
    },
    'snat inet prefix': {
      sent: { type: 'nat', natType: 'snat', family: 'ip', sregAddrMin: 1, sregAddrMax: 2, flags: 0x40 },
      dumped: { type: 'nat', natType: 'snat', family: 'ip', sregAddrMin: 1, sregAddrMax: 2, flags: 0x41 },
    },
  },
  masq: {
    plain: { sent: { type: 'masq' } },
    flags: { sent: { type: 'masq', flags: 0x1c } },
    ports: { sent: { type: 'masq', flags: 0x2, sregProtoMin: 1, sregProtoMax: 2 } },
  },
  redir: {
    plain: { sent: { type: 'redir' } },
    port: {
      sent: { type: 'redir', sregProtoMin: 1, flags: 0x2 },
      dumped: { type: 'redir', sregProtoMin: 1, sregProtoMax: 1, flags: 0x2 },
    },
    random: { sent: { type: 'redir', sregProtoMin: 1, sregProtoMax: 2, flags: 0x6 } },
  },
  reject: {
    'ip default': { sent: { type: 'reject', rejectType: 'icmp-unreach', icmpCode: 3 } },
    'ip icmp type': { sent: { type: 'reject', rejectType: 'icmp-unreach', icmpCode: 1 } },
    'tcp reset': {
      sent: { type: 'reject', rejectType: 'tcp-rst', icmpCode: 0 },
      dumped: { type: 'reject', rejectType: 'tcp-rst' },
    },
    icmpx: { sent: { type: 'reject', rejectType: 'icmpx-unreach', icmpCode: 3 } },
    'ip6 icmpv6': { sent: { type: 'reject', rejectType: 'icmp-unreach', icmpCode: 0 } },
    bridge: { sent: { type: 'reject', rejectType: 'icmpx-unreach', icmpCode: 1 } },
  },
  tproxy: {
    'ip addr port': { sent: { type: 'tproxy', family: 'ip', sregAddr: 1, sregPort: 2 } },
    'ip6 addr': { sent: { type: 'tproxy', family: 'ip6', sregAddr: 1 } },
    'inet ip': { sent: { type: 'tproxy', family: 'ip', sregAddr: 1 } },
    'inet port only': { sent: { type: 'tproxy', family: 0, sregPort: 1 } },
  },
  synproxy: {
    plain: { sent: { type: 'synproxy', mss: 0, wscale: 0, flags: 0 } },
    'mss wscale flags': { sent: { type: 'synproxy', mss: 1460, wscale: 5, flags: 0xf } },
  },
  dup: {
    'ip addr': { sent: { type: 'dup', sregAddr: 1 } },
    'ip addr dev': { sent: { type: 'dup', sregAddr: 1, sregDev: 2 } },
    'netdev dev': { sent: { type: 'dup', sregDev: 1 } },
  },
  fwd: {
    dev: { sent: { type: 'fwd', sregDev: 1 } },
    'ip neigh': { sent: { type: 'fwd', sregDev: 1, sregAddr: 2, nfproto: 'ip' } },
  },
  queue: {
    num: { sent: { type: 'queue', num: 1, total: 1 } },
    'range flags': { sent: { type: 'queue', num: 1, total: 3, flags: 3 } },
    sreg: { sent: { type: 'queue', sregQnum: 1 } },
  },
  notrack: {
    plain: { sent: { type: 'notrack' } },
  },
  flow_offload: {
    'flow add': { sent: { type: 'flow_offload', flowtable: 'f' } },
  },
  log: {
    plain: { sent: { type: 'log' }, dumped: { type: 'log', level: 4 } },
    'prefix level': { sent: { type: 'log', prefix: 'hello: ', level: 4 } },
    group: { sent: { type: 'log', prefix: 'x', group: 2, snaplen: 64, qthreshold: 3 } },
    'flags all': { sent: { type: 'log', level: 7, flags: 0x2f } },
    'flags some': { sent: { type: 'log', flags: 0x7 }, dumped: { type: 'log', level: 4, flags: 0x7 } },
    audit: { sent: { type: 'log', level: 8 } },
  },
};

function encodeOne(e: Expr): Buffer {
  const w = new AttrWriter(256);
  encodeExpr(w, e);
  return Buffer.from(w.finish());
}

/** Exact byte equality with what nft sent (NLA_F_NESTED included: AttrWriter marks nests as libmnl does). */
function assertSameBytes(ours: Uint8Array, theirs: Uint8Array): void {
  assert.equal(Buffer.from(ours).toString('hex'), Buffer.from(theirs).toString('hex'));
}

for (const [kind, cases] of Object.entries(EXPECT)) {
  const fixtures = loadFixture(kind);
  test(`${kind}: every captured case has an expectation`, () => {
    assert.deepEqual(fixtures.map((c) => c.name).sort(), Object.keys(cases).sort());
  });
  for (const c of fixtures) {
    const exp = cases[c.name]!;
    const sentExprs = capturedExprs(c.sent);
    const mine = sentExprs.filter((x) => x.name === kind);
    test(`${kind} ${c.name}: encodes to the bytes of \`${c.command}\``, () => {
      assert.equal(mine.length, 1, `one ${kind} expression in the captured rule`);
      validateExprs([exp.sent]);
      assertSameBytes(encodeOne(exp.sent), mine[0]!.elem);
    });
    test(`${kind} ${c.name}: decodes what nft sent and prints what libnftnl printed`, () => {
      const d = decodeExpr(...elemPayload(mine[0]!.elem), []);
      assert.deepEqual(d, exp.sent);
      // nft may print other objects of the batch (a flowtable) before the rule.
      const header = c.sentNetlink.indexOf(`${c.family} t c`);
      assert.ok(header >= 0);
      assert.equal(`  ${formatExpr(d)}`, c.sentNetlink[header + 1 + mine[0]!.index]);
    });
    if (c.dumped) {
      test(`${kind} ${c.name}: decodes the kernel's dump and prints libnftnl's listing`, () => {
        const dumped = capturedExprs(c.dumped!).filter((x) => x.name === kind);
        assert.equal(dumped.length, 1);
        const d = decodeExpr(...elemPayload(dumped[0]!.elem), []);
        assert.deepEqual(d, exp.dumped ?? exp.sent);
        assert.equal(`  ${formatExpr(d)}`, c.dumpNetlink![1 + dumped[0]!.index]);
        // What was listed can be sent back: it re-encodes to an expression that decodes the same
        // (in libnftnl's attribute order, which is not always the kernel's dump order).
        const again = encodeOne(d);
        assert.deepEqual(decodeExpr(again, 4, again.length, []), exp.resent ?? d);
        if (exp.resent) assertSameBytes(again, mine[0]!.elem);
      });
    }
  }
}

// The whole rule through the rule codec: only rules made of kinds that are
// registered on this branch print in full; others are skipped by name here.
test('whole dumped rules of these kinds print as libnftnl lists them', () => {
  let checked = 0;
  for (const kind of Object.keys(EXPECT)) {
    for (const c of loadFixture(kind)) {
      if (!c.dumped) continue;
      const r = decodeCapturedRule(c.dumped);
      if (r.exprs.some((e) => e.type === 'unknown')) continue;
      const lines = formatRule(r).split('\n');
      assert.deepEqual(lines.slice(1), c.dumpNetlink!.slice(1), `${kind} ${c.name}`);
      assert.equal(lines[0], `${c.family} t c ${r.handle}`);
      checked++;
    }
  }
  assert.ok(checked >= 10, `only ${checked} rules were made of registered kinds`);
});
