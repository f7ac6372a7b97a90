// Typed operands: rules written with datatype values ('10.0.1.2', 80, 'tcp',
// 'established,related', 0x4000) encode to the bytes nft sent for the same
// rules (test/fixtures/rules-golden.json).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../../src/errors.js';
import { AttrWriter } from '../../src/netlink/attr.js';
import { parseMessages } from '../../src/netlink/message.js';
import { resolveValues, type ExprInput } from '../../src/nftables/expr/index.js';
import { encodeRule } from '../../src/nftables/rule.js';
import type { Family } from '../../src/nftables/constants.js';

interface Golden { cmd: string; hex: string }
const golden = (JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'rules-golden.json'), 'utf8')) as { rules: Golden[] }).rules;

function nftBytes(cmd: string): string {
  const g = golden.find((r) => r.cmd === cmd);
  assert.ok(g, cmd);
  const b = Buffer.from(g.hex, 'hex');
  const m = parseMessages(b, 0, b.length)[0]!;
  return Buffer.from(b.subarray(m.start + 20, m.end)).toString('hex');
}

function ours(family: Family, table: string, chain: string, exprs: ExprInput[]): string {
  const w = new AttrWriter(1024);
  encodeRule(w, { family, table, chain, exprs: resolveValues(exprs) });
  return Buffer.from(w.finish()).toString('hex');
}

const ipv4 = (): ExprInput[] => [
  { type: 'meta', key: 'nfproto', dreg: 1 },
  { type: 'cmp', op: 'eq', sreg: 1, data: 'ipv4' },
];

test('the kube-proxy rule with typed operands is the rule nft sends', () => {
  assert.equal(ours('ip', 'kp', 'c', [
    { type: 'payload', base: 'network', offset: 16, len: 4, dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: '10.0.1.2' },
    { type: 'payload', base: 'network', offset: 12, len: 1, dreg: 1 },
    // One byte of an address: not a field with a type of its own.
    { type: 'cmp', op: 'neq', sreg: 1, data: 10, dataType: { type: 'integer', bits: 8 } },
    { type: 'meta', key: 'l4proto', dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: 'tcp' },
    { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: 80 },
    { type: 'counter' },
    { type: 'meta', key: 'mark', dreg: 1 },
    { type: 'bitwise', sreg: 1, dreg: 1, op: 'mask-xor', len: 4, mask: 0xffffbfff, xor: 0x4000 },
    { type: 'meta', key: 'mark', sreg: 1 },
    { type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'x' } },
  ]), nftBytes('ip kp c ip daddr 10.0.1.2 ip saddr != 10.0.0.0/8 tcp dport 80 counter meta mark set mark or 0x4000 jump x'));
});

test('ct state flags, a mark set from an immediate, a host-order length compared big-endian', () => {
  assert.equal(ours('inet', 't', 'c', [
    { type: 'ct', key: 'state', dreg: 1 },
    { type: 'bitwise', sreg: 1, dreg: 1, len: 4, mask: 'established,related', xor: 0 },
    { type: 'cmp', op: 'neq', sreg: 1, data: 0 },
    { type: 'immediate', dreg: 0, data: { verdict: 'accept' } },
  ]), nftBytes('inet t c ct state established,related accept'));
  assert.equal(ours('inet', 't', 'c', [
    { type: 'immediate', dreg: 1, data: 0x10 },
    { type: 'meta', key: 'mark', sreg: 1 },
  ]), nftBytes('inet t c meta mark set 0x10'));
  assert.equal(ours('inet', 't', 'c', [
    { type: 'meta', key: 'len', dreg: 1 },
    { type: 'byteorder', sreg: 1, dreg: 1, op: 'hton', len: 4, size: 4 },
    { type: 'cmp', op: 'gt', sreg: 1, data: 1000 },
  ]), nftBytes('inet t c meta length > 1000'));
});

test('ranges, addresses of both families, and a ct direction', () => {
  assert.equal(ours('inet', 't', 'c', [
    { type: 'meta', key: 'l4proto', dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: 'tcp' },
    { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 1 },
    { type: 'range', op: 'neq', sreg: 1, from: 100, to: 200 },
    { type: 'counter' },
  ]), nftBytes('inet t c tcp dport != 100-200 counter'));
  assert.equal(ours('inet', 't', 'c', [
    ...ipv4(),
    { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 },
    { type: 'range', op: 'neq', sreg: 1, from: '10.0.0.1', to: '10.0.0.9' },
  ]), nftBytes('inet t c ip saddr != 10.0.0.1-10.0.0.9'));
  assert.equal(ours('inet', 't', 'c', [
    { type: 'ct', key: 'src_ip', direction: 'original', dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: '1.2.3.4' },
  ]), nftBytes('inet t c ct original ip saddr 1.2.3.4'));
  assert.equal(ours('inet', 't', 'c', [
    { type: 'ct', key: 'direction', dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: 'original' },
  ]), nftBytes('inet t c ct direction original'));
});

test('an operand whose type is unknown must be bytes or name its dataType', () => {
  assert.throws(() => resolveValues([
    { type: 'payload', base: 'network', offset: 3, len: 1, dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: 5 },
  ]), (e: unknown) => e instanceof ValidationError && e.field === 'exprs[1].data' && /register 1 is not known/.test(e.message));
  assert.throws(() => resolveValues([
    { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: 'not-an-address' },
  ]), (e: unknown) => e instanceof ValidationError && e.field.startsWith('exprs[1].data'));
  // A register loaded anew forgets the type it had.
  assert.throws(() => resolveValues([
    { type: 'meta', key: 'mark', dreg: 1 },
    { type: 'payload', base: 'network', offset: 3, len: 4, dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: 5 },
  ]), /exprs\[2\]\.data/);
  // Bytes are taken as they are.
  const bytes = new Uint8Array([1, 2]);
  const [, c] = resolveValues([{ type: 'payload', base: 'network', offset: 3, len: 2, dreg: 1 }, { type: 'cmp', op: 'eq', sreg: 1, data: bytes }]);
  assert.equal(c!.type === 'cmp' && c.data, bytes);
});
