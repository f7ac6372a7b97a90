// Micro-benchmarks of the rule codec with the `benchmark` package: encode and
// decode throughput in rules per second, for the kube-proxy rule and for the
// mix of rules in test/fixtures/rules-golden.json (bytes nft sent).
// Run: node dist/bench/micro-rules.js [--json FILE]

import Benchmark from 'benchmark';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttrWriter } from '../src/netlink/attr.js';
import { parseMessages, type MessageView } from '../src/netlink/message.js';
import { nftType, NFT_MSG_NEWRULE } from '../src/nftables/constants.js';
import { resolveValues, type Expr, type ExprInput } from '../src/nftables/expr/index.js';
import { decodeRule, encodeRule, type Rule } from '../src/nftables/rule.js';

const v = (...b: number[]): Uint8Array => new Uint8Array(b);

/** `ip daddr 10.0.1.2 ip saddr != 10.0.0.0/8 tcp dport 80 counter meta mark set mark or 0x4000 jump x` */
export function kubeProxyRule(i = 0): Rule {
  const exprs: Expr[] = [
    { type: 'payload', base: 'network', offset: 16, len: 4, dreg: 1 },
    { type: 'cmp', op: 'eq', sreg: 1, data: v(10, 0, (i >> 8) & 0xff, i & 0xff) },
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
  return { family: 'ip', table: 'kp', chain: 'c', exprs };
}

const typedExprs: ExprInput[] = [
  { type: 'payload', base: 'network', offset: 16, len: 4, dreg: 1 },
  { type: 'cmp', op: 'eq', sreg: 1, data: '10.0.1.2' },
  { type: 'payload', base: 'network', offset: 12, len: 1, dreg: 1 },
  { type: 'cmp', op: 'neq', sreg: 1, data: v(10) },
  { type: 'meta', key: 'l4proto', dreg: 1 },
  { type: 'cmp', op: 'eq', sreg: 1, data: 'tcp' },
  { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 1 },
  { type: 'cmp', op: 'eq', sreg: 1, data: 80 },
  { type: 'counter' },
  { type: 'meta', key: 'mark', dreg: 1 },
  { type: 'bitwise', sreg: 1, dreg: 1, op: 'mask-xor', len: 4, mask: 0xffffbfff, xor: 0x4000 },
  { type: 'meta', key: 'mark', sreg: 1 },
  { type: 'immediate', dreg: 0, data: { verdict: 'jump', chain: 'x' } },
];

/** A rule as the kernel dumps it: with a handle and the counter's values. */
function dumped(rule: Rule): MessageView {
  const w = new AttrWriter(1024);
  const s = w.beginMessage(nftType(NFT_MSG_NEWRULE), 0x802, 1, 2);
  encodeRule(w, { ...rule, handle: 4242, exprs: rule.exprs.map((e) => (e.type === 'counter' ? { type: 'counter', bytes: 0, packets: 0 } : e)) });
  w.endMessage(s);
  const b = Buffer.from(w.finish());
  return parseMessages(b, 0, b.length)[0]!;
}

function main(): void {
  const kp = kubeProxyRule(258);
  const kpMsg = dumped(kp);
  const golden = (JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'rules-golden.json'), 'utf8')) as { rules: { hex: string }[] }).rules;
  const mixed = golden.map((g) => {
    const b = Buffer.from(g.hex, 'hex');
    return parseMessages(b, 0, b.length)[0]!;
  });
  const mixedRules = mixed.map(decodeRule);
  const w = new AttrWriter(1 << 16);
  let sink = 0;
  const results: Record<string, number> = {};
  const suite = new Benchmark.Suite('rules');
  suite
    .add('encode kube-proxy rule', () => {
      w.reset();
      encodeRule(w, kp);
      sink += w.pos;
    })
    .add('encode kube-proxy rule, typed operands', () => {
      w.reset();
      encodeRule(w, { ...kp, exprs: resolveValues(typedExprs) });
      sink += w.pos;
    })
    .add('decode kube-proxy rule', () => {
      sink += decodeRule(kpMsg).exprs.length;
    })
    .add(`encode ${mixedRules.length} mixed rules (per rule)`, () => {
      w.reset();
      for (const r of mixedRules) encodeRule(w, r);
      sink += w.pos;
    })
    .add(`decode ${mixed.length} mixed rules (per rule)`, () => {
      for (const m of mixed) sink += decodeRule(m).exprs.length;
    })
    .on('cycle', (ev: Benchmark.Event) => {
      const b = ev.target as Benchmark.Target & { name: string; hz: number; stats: { rme: number } };
      const perRule = b.name.includes('mixed') ? mixed.length : 1;
      const rate = b.hz * perRule;
      results[b.name] = Math.round(rate);
      console.log(`${b.name.padEnd(44)} ${Math.round(rate).toLocaleString('en').padStart(12)} rules/s  ±${b.stats.rme.toFixed(1)}%`);
    })
    .run({ async: false });
  if (sink === 42) console.log('');
  const i = process.argv.indexOf('--json');
  if (i >= 0) writeFileSync(process.argv[i + 1]!, JSON.stringify(results, null, 1) + '\n');
}

main();
