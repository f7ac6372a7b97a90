// listTable against the real kernel: every strategy ('table', 'chains',
// 'parallel' with 1–3 workers) returns the same snapshot, the callbacks see
// exactly what the arrays would hold, and the counts agree with nft's own
// JSON listing of the same table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Chain } from '../../src/nftables/chain.js';
import type { Rule } from '../../src/nftables/rule.js';
import type { NftSet } from '../../src/nftables/set.js';
import { formatRule } from '../../src/index.js';
import { withClient } from './util.js';

function ruleset(): string {
  const lines = [
    'add table ip t',
    'add table ip other',
    'add chain ip other c0',
    'add rule ip other c0 counter',
    'add chain ip t base { type filter hook input priority 0; policy accept; }',
    'add set ip t addrs { type ipv4_addr; }',
    'add map ip t ports { type inet_service : verdict; }',
    'add set ip t nets { type ipv4_addr; flags interval; }',
    'add set ip t empty { type ipv4_addr; }',
    'add counter ip t hits',
    'add element ip t nets { 10.0.0.0/8, 192.168.0.0/16 }',
  ];
  const elems: string[] = [];
  for (let i = 0; i < 3000; i++) elems.push(`10.${(i >> 8) & 255}.${i & 255}.1`);
  lines.push(`add element ip t addrs { ${elems.join(', ')} }`);
  for (let c = 0; c < 40; c++) {
    lines.push(`add chain ip t c${c}`);
    lines.push(`add element ip t ports { ${1000 + c} : jump c${c} }`);
    for (let r = 0; r < 25; r++) {
      lines.push(`add rule ip t c${c} ip saddr 10.${c}.${r}.0/24 tcp dport { ${r + 1}, ${r + 2} } counter accept comment "c${c}r${r}"`);
    }
  }
  lines.push('add rule ip t base tcp dport vmap @ports');
  lines.push('add rule ip t base ip saddr @addrs counter name hits drop');
  return lines.join('\n') + '\n';
}

/** A listing flattened to comparable text (handles and sets' element order included). */
function flatten(chains: Chain[], sets: NftSet[], rules: Rule[]): string[] {
  return [
    ...chains.map((c) => `chain ${c.name} ${c.handle}`),
    ...sets.map((s) => `set ${s.name} ${s.flags ?? 0} ${(s.elements ?? []).length} ${JSON.stringify(s.elements, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? String(v) : v))}`),
    ...rules.map((r) => `rule ${r.chain} ${r.handle} ${formatRule(r)}`),
  ];
}

test('listTable: table, chains and parallel strategies return the same snapshot, which agrees with nft', { timeout: 120_000 }, () =>
  withClient(async (nft, ns) => {
    await ns.nftFile(ruleset());
    const reference = await nft.listTable({ family: 'ip', name: 't' }, { strategy: 'table' });
    assert.equal(reference.strategy, 'table');
    const ref = flatten(reference.chains, reference.sets, reference.rules);

    // What nft lists for the same table: the independent count.
    const json = JSON.parse(await ns.nft(['-j', 'list', 'table', 'ip', 't'])) as { nftables: Record<string, { name?: string; elem?: unknown[] }>[] };
    const count = (k: string): number => json.nftables.filter((o) => k in o).length;
    assert.equal(reference.chains.length, count('chain'));
    assert.equal(reference.rules.length, count('rule'));
    assert.equal(reference.rules.length, 40 * 25 + 2);
    const named = reference.sets.filter((s) => !s.name.startsWith('__'));
    assert.equal(named.length, count('set') + count('map'));
    const addrs = reference.sets.find((s) => s.name === 'addrs')!;
    const nftAddrs = json.nftables.find((o) => o.set?.name === 'addrs')!.set!.elem!;
    assert.equal(addrs.elements!.length, nftAddrs.length);
    assert.equal(addrs.elements!.length, 3000);
    assert.equal(reference.sets.find((s) => s.name === 'ports')!.elements!.length, 40);
    assert.equal(reference.sets.find((s) => s.name === 'empty')!.elements!.length, 0);
    // Anonymous sets ({ 1, 2 } in every rule) are listed with their elements, and nothing of the other table is.
    const anon = reference.sets.filter((s) => s.name.startsWith('__'));
    assert.equal(anon.length, 40 * 25);
    for (const s of anon) assert.equal(s.elements!.length, 2);
    assert.ok(!reference.rules.some((r) => r.chain === 'c0' && r.table !== 't'));
    assert.equal(reference.objects.length, 1);

    for (const [strategy, workers] of [['chains', 2], ['parallel', 1], ['parallel', 2], ['parallel', 3]] as const) {
      const l = await nft.listTable({ family: 'ip', name: 't' }, { strategy, workers });
      assert.equal(l.strategy, strategy);
      assert.equal(l.generation, reference.generation);
      assert.deepEqual(flatten(l.chains, l.sets, l.rules), ref, `${strategy} with ${workers} workers`);
      // The callbacks: the same objects, handed over one by one, nothing kept.
      const chains: Chain[] = [];
      const sets: NftSet[] = [];
      const rules: Rule[] = [];
      const s = await nft.listTable({ family: 'ip', name: 't' }, { strategy, workers, onChain: (c) => chains.push(c), onSet: (x) => sets.push(x), onRule: (r) => rules.push(r) });
      assert.equal(s.chains.length + s.sets.length + s.rules.length, 0);
      assert.deepEqual(flatten(chains, sets, rules), ref, `${strategy} with ${workers} workers, callbacks`);
    }

    // Without elements, sets come without them; without rules, no rule dump happens.
    const bare = await nft.listTable({ family: 'ip', name: 't' }, { strategy: 'parallel', elements: false, rules: false });
    assert.equal(bare.strategy, 'none');
    assert.equal(bare.rules.length, 0);
    assert.ok(bare.sets.every((s) => s.elements === undefined || s.elements.length === 0));
  }, 'ltab'));

test('listTable: a missing table is NotFoundError; bad options are refused before anything is sent', () =>
  withClient(async (nft) => {
    await assert.rejects(nft.listTable({ family: 'ip', name: 'nope' }), { code: 'ENOENT' });
    await assert.rejects(nft.listTable({ family: 'ip', name: '' }), { code: 'ERR_NFTLINK_VALIDATION', message: /name/ });
    await assert.rejects(nft.listTable({ family: 'ip', name: 't' }, { workers: 0 }), { message: /workers/ });
  }, 'ltab'));

test('listTable parallel, many times in one process: the dump workers end cleanly, and an abandoned listing stops them', { timeout: 120_000 }, () =>
  withClient(async (nft, ns) => {
    // A worker stopped while it closed its socket aborted the whole process
    // (node-addon-api could not throw into a terminating worker): the
    // workers now close their sockets before their last message and are
    // left to exit on their own.
    const lines = ['add table ip t'];
    for (let c = 0; c < 20; c++) {
      lines.push(`add chain ip t c${c}`);
      for (let r = 0; r < 5; r++) lines.push(`add rule ip t c${c} counter`);
    }
    await ns.nftFile(lines.join('\n') + '\n');
    for (let i = 0; i < 25; i++) {
      const l = await nft.listTable({ family: 'ip', name: 't' }, { strategy: 'parallel', workers: 2 });
      assert.equal(l.rules.length, 100);
    }
    // A listing abandoned by its caller (onRule throws): the error comes out, the workers are stopped, the client still works.
    await assert.rejects(nft.listTable({ family: 'ip', name: 't' }, { strategy: 'parallel', workers: 2, onRule: () => { throw new Error('enough'); } }), /enough/);
    assert.equal((await nft.listTable({ family: 'ip', name: 't' }, { strategy: 'parallel' })).rules.length, 100);
  }, 'ltab'));
