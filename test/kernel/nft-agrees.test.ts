// nft agrees: the same tables and chains, made once by nft (`nft -f`) and once
// by nftlink in a second namespace, list identically in `nft list ruleset` —
// a base chain for every hook of every family, with types, named and signed
// priorities, policies, devices, comments and table flags. And nftlink reads
// back what nft wrote: listRuleset fed to addRuleset recreates it exactly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Nftables } from '../../src/client/nftables.js';
import type { Chain, ChainHook } from '../../src/nftables/chain.js';
import type { Family } from '../../src/nftables/constants.js';
import type { Table } from '../../src/nftables/table.js';
import { Netns } from '../helpers/netns.js';
import { addVeth } from './util.js';

interface Spec {
  table: Table;
  chains: Chain[];
}

/** nft syntax for one chain. */
function nftChain(c: Chain): string {
  const body: string[] = [];
  if (c.hook) {
    const h = c.hook;
    let dev = '';
    if (h.device !== undefined) dev = ` device ${h.device}`;
    if (h.devices) dev = ` devices = { ${h.devices.join(', ')} }`;
    body.push(`type ${h.type ?? 'filter'} hook ${h.hook}${dev} priority ${h.priority};`);
    if (c.policy) body.push(`policy ${c.policy};`);
  }
  if (c.comment !== undefined) body.push(`comment "${c.comment}";`);
  return `add chain ${c.family} ${c.table} ${c.name}${body.length ? ` { ${body.join(' ')} }` : ''}`;
}

function nftTable(t: Table): string {
  const body: string[] = [];
  if (t.flags?.length) body.push(`flags ${t.flags.join(',')};`);
  if (t.comment !== undefined) body.push(`comment "${t.comment}";`);
  return `add table ${t.family} ${t.name}${body.length ? ` { ${body.join(' ')} }` : ''}`;
}

function specs(): Spec[] {
  const out: Spec[] = [];
  const hookChains = (family: Family, table: string, hooks: [ChainHook, Partial<Chain>?][]): Chain[] =>
    hooks.map(([hook, extra], i) => ({ family, table, name: `${hook.type ?? 'filter'}-${hook.hook}-${i}`, hook, ...extra }));
  for (const family of ['ip', 'ip6', 'inet'] as const) {
    const table = `t-${family}`;
    const hooks: [ChainHook, Partial<Chain>?][] = [
      [{ type: 'filter', hook: 'prerouting', priority: 'raw' }],
      [{ type: 'filter', hook: 'input', priority: 0 }, { policy: 'drop', comment: 'inbound' }],
      [{ type: 'filter', hook: 'forward', priority: -5 }, { policy: 'accept' }],
      [{ type: 'filter', hook: 'output', priority: 'filter + 3' }],
      [{ type: 'filter', hook: 'postrouting', priority: 'security' }],
      [{ type: 'nat', hook: 'prerouting', priority: 'dstnat' }],
      [{ type: 'nat', hook: 'input', priority: 100 }],
      [{ type: 'nat', hook: 'output', priority: -100 }],
      [{ type: 'nat', hook: 'postrouting', priority: 'srcnat + 10' }],
      [{ type: 'route', hook: 'output', priority: 'mangle' }],
    ];
    if (family === 'inet') {
      hooks.push([{ type: 'filter', hook: 'ingress', device: 'lo', priority: -500 }]);
      hooks.push([{ type: 'filter', hook: 'ingress', devices: ['v0', 'v1'], priority: 0 }]);
    }
    out.push({
      table: { family, name: table, comment: `the ${family} table` },
      chains: [...hookChains(family, table, hooks), { family, table, name: 'regular', comment: 'no hook' }],
    });
  }
  out.push({
    table: { family: 'bridge', name: 't-bridge' },
    chains: hookChains('bridge', 't-bridge', [
      [{ type: 'filter', hook: 'prerouting', priority: 'dstnat' }],
      [{ type: 'filter', hook: 'input', priority: 'filter' }],
      [{ type: 'filter', hook: 'forward', priority: -200 }, { policy: 'drop' }],
      [{ type: 'filter', hook: 'output', priority: 'out' }],
      [{ type: 'filter', hook: 'postrouting', priority: 'srcnat' }],
    ]),
  });
  out.push({
    table: { family: 'arp', name: 't-arp' },
    chains: hookChains('arp', 't-arp', [
      [{ type: 'filter', hook: 'input', priority: 0 }],
      [{ type: 'filter', hook: 'output', priority: 7 }, { policy: 'drop' }],
    ]),
  });
  out.push({
    table: { family: 'netdev', name: 't-netdev', comment: 'edge' },
    chains: hookChains('netdev', 't-netdev', [
      [{ type: 'filter', hook: 'ingress', device: 'lo', priority: 10 }],
      [{ type: 'filter', hook: 'ingress', devices: ['v0', 'v1'], priority: -10 }],
      [{ type: 'filter', hook: 'egress', device: 'v0', priority: 0 }, { comment: 'out' }],
    ]),
  });
  out.push({ table: { family: 'ip', name: 't-dormant', flags: ['dormant'] }, chains: [] });
  return out;
}

async function twoNamespaces<T>(fn: (a: Netns, b: Netns) => Promise<T>): Promise<T> {
  const a = await Netns.create('agree-nft');
  try {
    const b = await Netns.create('agree-nl');
    try {
      await addVeth(a);
      await addVeth(b);
      return await fn(a, b);
    } finally {
      await b.destroy();
    }
  } finally {
    await a.destroy();
  }
}

test('a chain for every hook of every family, made by nftlink, lists in nft exactly as the same chain made by nft', () =>
  twoNamespaces(async (byNft, byNftlink) => {
    const all = specs();
    const file = all.flatMap((s) => [nftTable(s.table), ...s.chains.map(nftChain)]).join('\n') + '\n';
    await byNft.nftFile(file);

    await using nft = await Nftables.open({ netns: byNftlink.path });
    const tx = nft.transaction();
    for (const s of all) {
      tx.addTable(s.table);
      for (const c of s.chains) tx.addChain(c);
    }
    await tx.commit();

    const expected = await byNft.listRuleset();
    const got = await byNftlink.listRuleset();
    assert.ok(expected.split('\n').length > 100, 'the listing holds every chain');
    assert.equal(got, expected);
    // And with handles: objects were created in the same order.
    assert.equal(await byNftlink.nft(['-a', 'list', 'ruleset']), await byNft.nft(['-a', 'list', 'ruleset']));
  }));

test('what nft wrote, nftlink reads and recreates exactly (listRuleset → addRuleset)', () =>
  twoNamespaces(async (source, copy) => {
    const all = specs();
    await source.nftFile(all.flatMap((s) => [nftTable(s.table), ...s.chains.map(nftChain)]).join('\n') + '\n');
    await using reader = await Nftables.open({ netns: source.path });
    const rs = await reader.listRuleset();
    assert.equal(rs.tables.length, all.length);
    assert.equal(rs.chains.length, all.reduce((n, s) => n + s.chains.length, 0));
    // Priorities come back as numbers, devices as nft shows them.
    const ing = rs.chains.find((c) => c.family === 'netdev' && c.hook?.devices);
    // The kernel keeps the devices in its own order (nft sorts them for printing).
    assert.deepEqual({ ...ing?.hook, devices: [...ing!.hook!.devices!].sort() }, { type: 'filter', hook: 'ingress', priority: -10, devices: ['v0', 'v1'] });
    const one = rs.chains.find((c) => c.family === 'netdev' && c.hook?.hook === 'egress');
    assert.deepEqual(one?.hook, { type: 'filter', hook: 'egress', priority: 0, device: 'v0' });

    await using writer = await Nftables.open({ netns: copy.path });
    const tx = writer.transaction();
    tx.addRuleset(rs);
    await tx.commit();
    assert.equal(await copy.listRuleset(), await source.listRuleset());
  }));
