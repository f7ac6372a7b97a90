// Golden bytes from nft 1.0.6: for each rule in test/fixtures/rules-golden.json
// (regenerate with dist/test/fixtures/capture-rules.js) the NEWRULE message
// nft sent and the libnftnl text it printed. Decoding nft's bytes must print
// that text, and encoding what was decoded must give nft's bytes back (nests
// with NLA_F_NESTED, as libmnl sets it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttrWriter } from '../../src/netlink/attr.js';
import { parseMessages } from '../../src/netlink/message.js';
import { decodeRule, encodeRule, formatRule, type Rule } from '../../src/nftables/rule.js';
import type { Expr } from '../../src/nftables/expr/index.js';

interface Golden { cmd: string; hex: string; debug: string[] }
const fixture = JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'rules-golden.json'), 'utf8')) as { rules: Golden[] };

function message(hex: string) {
  const b = Buffer.from(hex, 'hex');
  const [m] = parseMessages(b, 0, b.length);
  return m!;
}

function encode(r: Rule): Buffer {
  const w = new AttrWriter(1024);
  encodeRule(w, r);
  return Buffer.from(w.finish());
}

test('golden fixture covers the rule commands', () => {
  assert.ok(fixture.rules.length >= 50, `only ${fixture.rules.length} golden rules`);
});

for (const g of fixture.rules) {
  test(`nft: add rule ${g.cmd}`, () => {
    const m = message(g.hex);
    const rule = decodeRule(m);
    // What nft printed for the rule it sent.
    assert.equal(formatRule(rule), g.debug.join('\n'));
    // Encoding the decoded rule gives nft's attributes back, byte for byte.
    const attrs = Buffer.from(m.buf.subarray(m.start + 20, m.end));
    assert.equal(encode(rule).toString('hex'), attrs.toString('hex'));
  });
}

test('the kube-proxy rule built by hand encodes to nft\'s bytes', () => {
  const g = fixture.rules.find((r) => r.cmd.startsWith('ip kp c ip daddr 10.0.1.2'));
  assert.ok(g);
  const v = (...b: number[]): Uint8Array => new Uint8Array(b);
  const exprs: Expr[] = [
    { type: 'payload', base: 'network', offset: 16, len: 4, dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: v(10, 0, 1, 2) },
    { type: 'payload', base: 'network', offset: 12, len: 1, dreg: 1 },
    { type: 'cmp', op: 'neq', sreg: 1, data: v(10) },
    { type: 'meta', key: 'l4proto', dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: v(6) },
    { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: v(0, 80) },
    { type: 'counter' },
    { type: 'meta', key: 'mark', dreg: 1 },
    { type: 'bitwise', sreg: 1, dreg: 1, op: 'mask-xor', len: 4, mask: v(0xff, 0xbf, 0xff, 0xff), xor: v(0, 0x40, 0, 0) },
    { type: 'meta', key: 'mark', sreg: 1 },
    { type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'x' } },
  ];
  const m = message(g.hex);
  const attrs = Buffer.from(m.buf.subarray(m.start + 20, m.end));
  assert.equal(encode({ family: 'ip', table: 'kp', chain: 'c', exprs }).toString('hex'), attrs.toString('hex'));
});
