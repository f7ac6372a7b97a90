// The workload generator against the numbers of workload.md and the
// reference generator: kube-proxy's chain names, and the exact sizes of the
// transactions for the service mix of §6.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bootstrap,
  churn,
  CountSink,
  addServices,
  deleteServices,
  hash8,
  nftText,
  DesiredBuilder,
  desiredTable,
  type ServiceState,
} from '../../bench/workload/index.js';

test('chain names hash like kube-proxy (hashAndTruncate)', () => {
  // The value kube-proxy's own test has for this name.
  assert.equal(hash8('ns1/svc1/tcp/p80'), 'ULMVA6XW');
});

test('bootstrap sizes match workload.md §1.2 and §6', () => {
  const k = new CountSink();
  bootstrap({ services: 1000, endpoints: 10, shape: 'v135' }, k);
  assert.equal(k.commands, 47031);
  assert.equal(k.chains, 11056);
  assert.equal(k.rules, 22503);
  const big = new CountSink();
  bootstrap({ services: 10000, endpoints: 10, shape: 'v135' }, big);
  assert.equal(big.commands, 469671);
  assert.equal(big.chains, 110416);
  assert.equal(big.rules, 224823);
  const v136 = new CountSink();
  bootstrap({ services: 10000, endpoints: 10, shape: 'v136' }, v136);
  assert.equal(v136.commands, 168770);
  assert.equal(v136.chains, 13415);
  assert.equal(v136.rules, 18922);
});

test('partial sync sizes match workload.md §2', () => {
  const o = { services: 1000, endpoints: 10, shape: 'v135' as const };
  const size = (write: (k: CountSink) => void): number => {
    const k = new CountSink();
    write(k);
    return k.commands;
  };
  assert.equal(size((k) => churn(o, k, 0, 1)), 45 + 4); // 45 for a plain service; service 0 is a LoadBalancer (+ external chain and rules)
  assert.equal(size((k) => churn(o, k, 1, 1)), 45);
  assert.equal(size((k) => addServices(o, k, 1001, 1)), 46);
  assert.equal(size((k) => deleteServices(o, k, 1, 1)), 13);
});

test('the text is what nft -f reads: one command per line, rules with their bodies', () => {
  const { text, commands } = nftText((out) => bootstrap({ services: 2, endpoints: 2, shape: 'v136' }, out));
  const lines = text.trim().split('\n');
  assert.equal(lines.length, commands);
  assert.ok(lines.includes('add rule ip kube-proxy masquerading ct status dnat ip saddr . ip daddr . meta l4proto . th dport @hairpin-connections masquerade fully-random'));
  assert.ok(lines.some((l) => /^add rule ip kube-proxy service-SA5H6MZV-ns0\/svc0\/tcp\/p80 meta l4proto tcp dnat ip to numgen random mod 2 map \{ 0 : 10\.0\.0\.1 \. 8080, 1 : 10\.0\.0\.2 \. 8080 \}$/.test(l)));
});

test('DesiredBuilder gives the same table as a fresh build, reusing unchanged services', () => {
  const states: ServiceState[] = Array.from({ length: 30 }, (_, i) => ({ i, endpoints: 3, generation: 0 }));
  const b = new DesiredBuilder('v135');
  const first = b.table(states);
  const fresh = desiredTable('v135', states);
  const names = (t: typeof first): string[] => t.chains.map((c) => `${c.name}:${c.rules.length}`).sort();
  assert.deepEqual(names(first), names(fresh));
  const elements = (t: typeof first): Record<string, number> => Object.fromEntries(t.sets.map((s) => [s.name, s.elements.length]));
  assert.deepEqual(elements(first), elements(fresh));
  states[3]!.generation = 1;
  const second = b.table(states);
  const reused = second.chains.filter((c) => first.chains.includes(c)).length;
  // Only service 3's chains are new objects (its endpoint chains and service chain).
  assert.equal(second.chains.length - reused, 4);
});
