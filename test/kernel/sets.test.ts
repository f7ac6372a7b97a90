// Sets, maps and elements against the real kernel, with nft 1.0.6 as the
// judge, in throwaway network namespaces.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Netns } from '../helpers/netns.js';
import { Nftables, TransactionError, ValidationError, formatRange, formatValue, type NftSet, type SetElement } from '../../src/index.js';

let ns: Netns;
let nft: Nftables;

before(async () => {
  ns = await Netns.create('sets');
  nft = await Nftables.open({ netns: ns.path });
});

after(async () => {
  await nft?.close();
  await ns?.destroy();
});

async function flush(): Promise<void> {
  await ns.nft(['flush', 'ruleset']);
}

/** `nft list ruleset` without the parts that move with time. */
async function listing(): Promise<string> {
  return (await ns.listRuleset()).replace(/ expires \d[\dhmsd]*/g, '');
}

// Each case: the same table written as nft text and as nftlink operations.
const KINDS: { name: string; nft: string; sets: NftSet[]; pre?: string }[] = [
  {
    name: 'plain set with elements',
    nft: 'set s { type ipv4_addr; elements = { 10.0.0.1, 10.0.0.2 } }',
    sets: [{ family: 'inet', table: 't', name: 's', keyType: 'ipv4_addr', elements: [{ key: '10.0.0.1' }, { key: '10.0.0.2' }] }],
  },
  {
    name: 'interval set with comment and auto-merge',
    nft: 'set s { type ipv4_addr; flags interval; auto-merge; comment "blocked"; elements = { 10.0.0.0/8, 192.168.1.1-192.168.1.9, 255.255.255.0/24 } }',
    sets: [{
      family: 'inet', table: 't', name: 's', keyType: 'ipv4_addr', flags: ['interval'], autoMerge: true, comment: 'blocked',
      elements: [{ key: '10.0.0.0/8' }, { key: '192.168.1.1-192.168.1.9' }, { key: '255.255.255.0/24' }],
    }],
  },
  {
    name: 'auto-merge joins overlapping and adjacent ranges of one list',
    nft: 'set am { type ipv4_addr; flags interval; auto-merge; elements = { 10.0.0.0/9, 10.128.0.0/9, 10.1.0.0/16, 192.168.0.0/24, 192.168.1.0/24, 172.16.0.1 } }',
    sets: [{
      family: 'inet', table: 't', name: 'am', keyType: 'ipv4_addr', flags: ['interval'], autoMerge: true,
      elements: ['10.0.0.0/9', '10.128.0.0/9', '10.1.0.0/16', '192.168.0.0/24', '192.168.1.0/24', '172.16.0.1'].map((key) => ({ key })),
    }],
  },
  {
    name: 'verdict map keyed ipv4_addr . inet_proto . inet_service, with a catch-all',
    pre: 'chain c0 { }',
    nft: 'map vm { type ipv4_addr . inet_proto . inet_service : verdict; elements = { 10.96.0.10 . tcp . 53 : goto c0, 10.96.0.11 . udp . 53 : accept, * : drop } }',
    sets: [{
      family: 'inet', table: 't', name: 'vm', keyType: ['ipv4_addr', 'inet_proto', 'inet_service'], dataType: 'verdict',
      elements: [{ key: ['10.96.0.10', 'tcp', 53], data: { verdict: 'goto', chain: 'c0' } }, { key: '10.96.0.11 . udp . 53', data: 'accept' }, { catchAll: true, data: 'drop' }],
    }],
  },
  {
    name: 'concatenated interval set',
    nft: 'set ci { type ipv4_addr . inet_service; flags interval; elements = { 10.0.0.0/8 . 80, 1.1.1.1 . 22-23 } }',
    sets: [{ family: 'inet', table: 't', name: 'ci', keyType: ['ipv4_addr', 'inet_service'], flags: ['interval'], elements: [{ key: ['10.0.0.0/8', 80] }, { key: ['1.1.1.1', '22-23'] }] }],
  },
  {
    name: 'timeout, gc-interval, size, policy, counter, element timeouts and comments',
    // (A set with policy memory and a size refuses a second element with EEXIST, from nft too: policy is tested without elements.)
    nft: 'set to { type ipv4_addr; size 1000; counter; timeout 30s; gc-interval 10s; elements = { 1.2.3.4 timeout 1m comment "c1", 1.2.3.5 } }\nset pm { type ipv4_addr; size 64; policy memory; }',
    sets: [{
      family: 'inet', table: 't', name: 'to', keyType: 'ipv4_addr', timeout: 30000, gcInterval: 10000, size: 1000, exprs: [{ type: 'counter' }],
      elements: [{ key: '1.2.3.4', timeout: 60000, comment: 'c1' }, { key: '1.2.3.5' }],
    }, { family: 'inet', table: 't', name: 'pm', keyType: 'ipv4_addr', size: 64, policy: 'memory' }],
  },
  {
    name: 'dynamic set with two stateful expressions',
    nft: 'set d2 { type ipv4_addr; flags dynamic; counter; quota 1000 bytes; }\nset sl { type ipv4_addr; flags dynamic; limit rate 10/second; }',
    sets: [{
      family: 'inet', table: 't', name: 'd2', keyType: 'ipv4_addr', flags: ['dynamic'],
      exprs: [{ type: 'counter' }, { type: 'quota', bytes: 1000, consumed: 0, flags: 0 }],
    }, {
      family: 'inet', table: 't', name: 'sl', keyType: 'ipv4_addr', flags: ['dynamic'],
      exprs: [{ type: 'limit', rate: 10, unit: 1, burst: 5, limitType: 'packets', flags: 0 }],
    }],
  },
  {
    name: 'constant set',
    nft: 'set co { type ipv4_addr; flags constant; elements = { 1.2.3.4 } }',
    sets: [{ family: 'inet', table: 't', name: 'co', keyType: 'ipv4_addr', flags: ['constant'], elements: [{ key: '1.2.3.4' }] }],
  },
  {
    name: 'ifname set with a wildcard interval',
    nft: 'set if { type ifname; flags interval; elements = { "eth*", "lo" } }',
    sets: [{ family: 'inet', table: 't', name: 'if', keyType: 'ifname', flags: ['interval'], elements: [{ key: 'eth*' }, { key: 'lo' }] }],
  },
  {
    name: 'ct_state, ct_status, tcp_flag, icmp types, ether_addr, boolean, nf_proto, time',
    nft: [
      'set cs { type ct_state; elements = { established | related, new } }',
      'set st { type ct_status; elements = { snat | dnat, assured } }',
      'set tf { type tcp_flag; elements = { syn | ack, fin } }',
      'set it { type icmp_type; elements = { echo-request, 200 } }',
      'set i6 { type icmpv6_type; elements = { nd-neighbor-solicit, echo-reply } }',
      'set et { type ether_addr; elements = { 00:11:22:33:44:55 } }',
      'set bo { type boolean; elements = { exists } }',
      'set np { type nf_proto; elements = { ipv4, ipv6 } }',
      'set tm { type time; elements = { 1s, 1h2m } }',
    ].join('\n'),
    sets: [
      { family: 'inet', table: 't', name: 'cs', keyType: 'ct_state', elements: [{ key: 'established|related' }, { key: 'new' }] },
      { family: 'inet', table: 't', name: 'st', keyType: 'ct_status', elements: [{ key: 'snat|dnat' }, { key: 'assured' }] },
      { family: 'inet', table: 't', name: 'tf', keyType: 'tcp_flag', elements: [{ key: 'syn|ack' }, { key: 'fin' }] },
      { family: 'inet', table: 't', name: 'it', keyType: 'icmp_type', elements: [{ key: 'echo-request' }, { key: 200 }] },
      { family: 'inet', table: 't', name: 'i6', keyType: 'icmpv6_type', elements: [{ key: 'nd-neighbor-solicit' }, { key: 'echo-reply' }] },
      { family: 'inet', table: 't', name: 'et', keyType: 'ether_addr', elements: [{ key: '00:11:22:33:44:55' }] },
      { family: 'inet', table: 't', name: 'bo', keyType: 'boolean', elements: [{ key: 'exists' }] },
      { family: 'inet', table: 't', name: 'np', keyType: 'nf_proto', elements: [{ key: 'ipv4' }, { key: 'ipv6' }] },
      { family: 'inet', table: 't', name: 'tm', keyType: 'time', elements: [{ key: 1000 }, { key: '1h2m' }] },
    ],
  },
  {
    name: 'mark map, mark interval set, interval map, ipv6 interval set',
    nft: [
      'map mm { type ipv4_addr : mark; elements = { 1.2.3.4 : 0x00000007 } }',
      'set mi { type mark; flags interval; elements = { 1-5, 0x100 } }',
      'map im { type ipv4_addr : interval ipv4_addr; flags interval; elements = { 10.0.0.0/8 : 1.2.3.4-1.2.3.8 } }',
      'set v6 { type ipv6_addr; flags interval; elements = { 2001:db8::/32, fe80::/10, ffff::/16 } }',
    ].join('\n'),
    sets: [
      { family: 'inet', table: 't', name: 'mm', keyType: 'ipv4_addr', dataType: 'mark', elements: [{ key: '1.2.3.4', data: 7 }] },
      { family: 'inet', table: 't', name: 'mi', keyType: 'mark', flags: ['interval'], elements: [{ key: '1-5' }, { key: 0x100 }] },
      { family: 'inet', table: 't', name: 'im', keyType: 'ipv4_addr', dataType: 'ipv4_addr', dataInterval: true, flags: ['interval'], elements: [{ key: '10.0.0.0/8', data: '1.2.3.4-1.2.3.8' }] },
      { family: 'inet', table: 't', name: 'v6', keyType: 'ipv6_addr', flags: ['interval'], elements: [{ key: '2001:db8::/32' }, { key: 'fe80::/10' }, { key: 'ffff::/16' }] },
    ],
  },
  {
    name: 'object map and typeof set',
    pre: 'counter c1 { }',
    nft: 'map om { type ipv4_addr : counter; elements = { 1.2.3.4 : "c1" } }\nset ty { typeof ip saddr; elements = { 1.2.3.4 } }',
    sets: [
      { family: 'inet', table: 't', name: 'om', keyType: 'ipv4_addr', objectType: 'counter', elements: [{ key: '1.2.3.4', object: 'c1' }] },
      { family: 'inet', table: 't', name: 'ty', keyType: 'ipv4_addr', keyTypeof: Buffer.from('000407000000010c00040c00000001040b000000', 'hex'), elements: [{ key: '1.2.3.4' }] },
    ],
  },
];

test('each kind of set and map lists identically in `nft list ruleset`, made by nft or by nftlink', async () => {
  for (const k of KINDS) {
    await flush();
    await ns.nftFile(`table inet t {\n${k.pre ?? ''}\n${k.nft}\n}\n`);
    const byNft = await listing();
    await flush();
    if (k.pre) await ns.nftFile(`table inet t {\n${k.pre}\n}\n`);
    const tx = nft.transaction();
    tx.addTable({ family: 'inet', name: 't' });
    for (const s of k.sets) tx.addSet(s);
    await tx.commit();
    assert.equal(await listing(), byNft, k.name);
  }
});

test('elements written by nft decode to the values nft prints', async () => {
  await flush();
  await ns.nftFile(`table inet t {
    chain c0 { }
    set iv { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.1.1-192.168.1.9, 255.255.255.0/24, 1.2.3.4 } }
    map vm { type ipv4_addr . inet_proto . inet_service : verdict; elements = { 10.96.0.10 . tcp . 53 : goto c0, 10.96.0.11 . udp . 8080 : accept } }
    set v6 { type ipv6_addr; flags interval; elements = { 2001:db8::/32, ::1, fe80::1-fe80::9 } }
    map mm { type ipv4_addr : mark; elements = { 1.2.3.4 : 0x0000002a } }
    set cs { type ct_state; elements = { established | related, new } }
    set ci { type ipv4_addr . inet_service; flags interval; elements = { 10.0.0.0/8 . 1024-65535 } }
    set pr { type inet_proto; elements = { tcp, udp, 250 } }
  }\n`);
  const text = await ns.listRuleset();
  const expect: Record<string, unknown[]> = {
    iv: ['1.2.3.4', '10.0.0.0/8', '192.168.1.1-192.168.1.9', '255.255.255.0/24'],
    vm: [[['10.96.0.10', 'tcp', 53], { verdict: 'goto', chain: 'c0' }], [['10.96.0.11', 'udp', 8080], { verdict: 'accept' }]],
    v6: ['::1', '2001:db8::/32', 'fe80::1-fe80::9'],
    mm: [['1.2.3.4', 42]],
    cs: ['established|related', 'new'],
    ci: [['10.0.0.0/8', '1024-65535']],
    pr: [250, 'tcp', 'udp'],
  };
  for (const [name, want] of Object.entries(expect)) {
    const set = await nft.getSet({ family: 'inet', table: 't', name });
    const els = await nft.listElements({ family: 'inet', table: 't', set: name }, { values: true });
    const got = els.map((e) => (e.data !== undefined ? [e.key, e.data] : e.key));
    const sortKey = (v: unknown): string => JSON.stringify(v);
    assert.deepEqual(got.map(sortKey).sort(), want.map(sortKey).sort(), name);
    // And nft printed each value the way formatValue/formatRange print it.
    const raw = await nft.listElements({ family: 'inet', table: 't', set: name });
    for (const e of raw) {
      if (e.intervalEnd) continue;
      const keyType = set.keyType;
      const key = e.key as Uint8Array;
      const shown = e.keyEnd ? formatRange(keyType, key, e.keyEnd as Uint8Array) : formatValue(set.flags?.includes('interval') ? 'ipv4_addr' === keyType ? keyType : keyType : keyType, key);
      if (!set.flags?.includes('interval')) assert.ok(text.includes(shown), `${name}: nft printed ${shown}`);
    }
  }
});

/** nft -j's elements as text: prefixes, ranges, concatenations, map data. */
function jsonElements(j: unknown, set: string): string[] {
  const out: string[] = [];
  const val = (v: unknown): string => {
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    const o = v as Record<string, unknown>;
    if (o['prefix']) return `${(o['prefix'] as { addr: string }).addr}/${(o['prefix'] as { len: number }).len}`;
    if (o['range']) return (o['range'] as unknown[]).map(val).join('-');
    if (o['concat']) return (o['concat'] as unknown[]).map(val).join(' . ');
    if (o['elem']) return val((o['elem'] as { val: unknown }).val);
    for (const verdict of ['accept', 'drop', 'continue', 'return']) if (verdict in o) return verdict;
    if (o['goto']) return `goto ${(o['goto'] as { target: string }).target}`;
    if (o['jump']) return `jump ${(o['jump'] as { target: string }).target}`;
    return JSON.stringify(v);
  };
  for (const item of (j as { nftables: Record<string, { name: string; elem?: unknown[] }>[] }).nftables) {
    const s = item['set'] ?? item['map'];
    if (!s || s.name !== set) continue;
    for (const e of s.elem ?? []) {
      if (Array.isArray(e)) out.push(`${val(e[0])} : ${val(e[1])}`);
      else out.push(val(e));
    }
  }
  return out.sort();
}

test('elements written by nftlink read back in nft as intended', async () => {
  await flush();
  const tx = nft.transaction();
  tx.addTable({ family: 'inet', name: 't' });
  tx.addChain({ family: 'inet', table: 't', name: 'svc' });
  tx.addSet({ family: 'inet', table: 't', name: 'iv', keyType: 'ipv4_addr', flags: ['interval'] });
  tx.addElements({ family: 'inet', table: 't', set: 'iv', elements: [{ key: '10.0.0.0/8' }, { key: '10.0.0.0-9.255.255.255'.replace('10.0.0.0-', '0.0.0.0-') }, { key: '192.168.0.1-192.168.0.20' }] });
  tx.addSet({ family: 'inet', table: 't', name: 'vm', keyType: ['ipv4_addr', 'inet_proto', 'inet_service'], dataType: 'verdict' });
  tx.addElements({ family: 'inet', table: 't', set: 'vm', elements: [{ key: ['10.96.0.10', 'tcp', 443], data: { verdict: 'jump', chain: 'svc' } }, { key: ['10.96.0.11', 'udp', 53], data: 'drop' }] });
  tx.addSet({ family: 'inet', table: 't', name: 'p6', keyType: ['ipv6_addr', 'inet_service'], flags: ['interval'] });
  tx.addElements({ family: 'inet', table: 't', set: 'p6', elements: [{ key: ['2001:db8::/32', '1-1023'] }, { key: ['::1', 22] }] });
  await tx.commit();
  const get = async (set: string): Promise<string[]> =>
    jsonElements(JSON.parse(await ns.nft(['-j', 'list', set === 'vm' ? 'map' : 'set', 'inet', 't', set])), set);
  assert.deepEqual(await get('iv'), ['0.0.0.0-9.255.255.255', '10.0.0.0/8', '192.168.0.1-192.168.0.20']);
  assert.deepEqual(await get('vm'), ['10.96.0.10 . tcp . 443 : jump svc', '10.96.0.11 . udp . 53 : drop']);
  assert.deepEqual(await get('p6'), ['2001:db8::/32 . 1-1023', '::1 . 22']);
});

test('interval edge cases: adjacent and overlapping ranges, 0.0.0.0/0, the top of the range, IPv6 prefixes', async () => {
  await flush();
  let tx = nft.transaction();
  tx.addTable({ family: 'ip', name: 't' });
  tx.addSet({ family: 'ip', table: 't', name: 'iv', keyType: 'ipv4_addr', flags: ['interval'] });
  tx.addSet({ family: 'ip', table: 't', name: 'all', keyType: 'ipv4_addr', flags: ['interval'] });
  tx.addSet({ family: 'ip', table: 't', name: 'v6', keyType: 'ipv6_addr', flags: ['interval'] });
  // Adjacent ranges in one transaction: the end of one is the start of the next.
  tx.addElements({ family: 'ip', table: 't', set: 'iv', elements: [{ key: '1.0.0.0/8' }, { key: '2.0.0.0/8' }, { key: '255.255.255.255' }] });
  tx.addElements({ family: 'ip', table: 't', set: 'all', elements: [{ key: '0.0.0.0/0' }] });
  tx.addElements({ family: 'ip', table: 't', set: 'v6', elements: [{ key: '::/0' }] });
  await tx.commit();
  // And across transactions.
  tx = nft.transaction();
  tx.addElements({ family: 'ip', table: 't', set: 'iv', elements: [{ key: '3.0.0.0/8' }, { key: '254.0.0.0-255.255.255.254' }] });
  await tx.commit();
  const vals = async (set: string): Promise<unknown[]> => (await nft.listElements({ family: 'ip', table: 't', set }, { values: true })).map((e) => e.key);
  assert.deepEqual(await vals('iv'), ['1.0.0.0/8', '2.0.0.0/8', '3.0.0.0/8', '254.0.0.0-255.255.255.254', '255.255.255.255']);
  assert.deepEqual(await vals('all'), ['0.0.0.0/0']);
  assert.deepEqual(await vals('v6'), ['::/0']);
  const text = await ns.listRuleset();
  assert.match(text, /elements = \{ 1\.0\.0\.0\/8, 2\.0\.0\.0\/8,\s+3\.0\.0\.0\/8,\s+254\.0\.0\.0-255\.255\.255\.254,\s+255\.255\.255\.255 \}/);
  assert.match(text, /elements = \{ 0\.0\.0\.0\/0 \}/);
  assert.match(text, /elements = \{ ::\/0 \}/);

  // IPv6 prefixes, including one that reaches the top of the range.
  tx = nft.transaction();
  tx.flushSet({ family: 'ip', table: 't', name: 'v6' });
  tx.addElements({ family: 'ip', table: 't', set: 'v6', elements: [{ key: '2001:db8::/32' }, { key: 'fe80::/10' }, { key: 'ffff::/16' }, { key: '::1' }] });
  await tx.commit();
  assert.deepEqual(await vals('v6'), ['::1', '2001:db8::/32', 'fe80::/10', 'ffff::/16']);
  assert.match(await ns.listRuleset(), /elements = \{ ::1,\s+2001:db8::\/32,\s+fe80::\/10,\s+ffff::\/16 \}/);

  // Overlaps: the kernel refuses with EEXIST, and the error names the element.
  for (const [key, index] of [['1.128.0.0/9', 1], ['0.255.0.0-1.0.0.5', 1], ['2.255.255.255', 1]] as const) {
    tx = nft.transaction();
    tx.addElements({ family: 'ip', table: 't', set: 'iv', elements: [{ key: '9.9.9.9' }, { key }] });
    await assert.rejects(tx.commit(), (e: unknown) => {
      assert.ok(e instanceof TransactionError);
      const f = e.failures[0]!;
      assert.equal(f.code, 'EEXIST');
      assert.equal(f.label, 'addElements ip t iv');
      assert.match(f.detail ?? '', new RegExp(`^element #${index} \\(${key.replace(/\./g, '\\.')}\\)`));
      assert.match(f.attribute ?? '', /^NFTA_SET_ELEM_LIST_ELEMENTS > element #\d+/);
      return true;
    });
  }
  // Nothing of a refused transaction was applied (9.9.9.9 came with each).
  assert.deepEqual(await vals('iv'), ['1.0.0.0/8', '2.0.0.0/8', '3.0.0.0/8', '254.0.0.0-255.255.255.254', '255.255.255.255']);

  // Looking up points finds the ranges that hold them (nft's `get element`).
  const got = await nft.getElements({ family: 'ip', table: 't', set: 'iv', elements: [{ key: '3.4.5.6' }, { key: '255.0.0.1' }, { key: '255.255.255.255' }, { key: '2.0.0.0/8' }] }, { values: true });
  assert.deepEqual(got.map((e) => e.key), ['2.0.0.0/8', '3.0.0.0/8', '254.0.0.0-255.255.255.254', '255.255.255.255']);
  await assert.rejects(nft.getElements({ family: 'ip', table: 't', set: 'iv', elements: [{ key: '4.0.0.1' }] }), /element #0 of set ip t iv does not exist/);

  // Deleting a range mirrors what was added.
  tx = nft.transaction();
  tx.deleteElements({ family: 'ip', table: 't', set: 'iv', elements: [{ key: '2.0.0.0/8' }, { key: '255.255.255.255' }] });
  await tx.commit();
  assert.deepEqual(await vals('iv'), ['1.0.0.0/8', '3.0.0.0/8', '254.0.0.0-255.255.255.254']);
  assert.match(await ns.listRuleset(), /elements = \{ 1\.0\.0\.0\/8, 3\.0\.0\.0\/8,\s+254\.0\.0\.0-255\.255\.255\.254 \}/);
});

test('atomicity at scale: 100,000 elements with one bad element apply nothing, and the error names it', async () => {
  await flush();
  let tx = nft.transaction();
  tx.addTable({ family: 'inet', name: 't' });
  tx.addSet({ family: 'inet', table: 't', name: 'big', keyType: 'ipv4_addr' });
  tx.addElements({ family: 'inet', table: 't', set: 'big', elements: [{ key: '20.1.31.47' }] });
  await tx.commit();
  const gen = (await nft.getGeneration()).id;
  const els: SetElement[] = [];
  for (let i = 0; i < 100_000; i++) els.push({ key: `20.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
  tx = nft.transaction();
  tx.createElements({ family: 'inet', table: 't', set: 'big', elements: els });
  await assert.rejects(tx.commit(), (e: unknown) => {
    assert.ok(e instanceof TransactionError);
    assert.equal(e.failures.length, 1);
    const f = e.failures[0]!;
    assert.equal(f.code, 'EEXIST');
    assert.equal(f.detail, 'element #73519 (20.1.31.47)');
    assert.equal(f.attribute, 'NFTA_SET_ELEM_LIST_ELEMENTS > element #73519');
    return true;
  });
  assert.equal((await nft.getGeneration()).id, gen);
  assert.equal((await nft.listElements({ family: 'inet', table: 't', set: 'big' })).length, 1);
  // Without the duplicate's EXCL, the same 100,000 go in in one transaction.
  tx = nft.transaction();
  tx.addElements({ family: 'inet', table: 't', set: 'big', elements: els });
  const r = await tx.commit();
  assert.ok(r.messages > 20);
  assert.equal((await nft.listElements({ family: 'inet', table: 't', set: 'big' })).length, 100_000);
  assert.equal((await nft.getElements({ family: 'inet', table: 't', set: 'big', elements: [{ key: '20.1.134.159' }] })).length, 1);
});

test('bad values are rejected before anything is sent, naming the field', async () => {
  await flush();
  let tx = nft.transaction();
  tx.addTable({ family: 'inet', name: 't' });
  tx.addSet({ family: 'inet', table: 't', name: 'vm', keyType: ['ipv4_addr', 'inet_proto', 'inet_service'], dataType: 'verdict' });
  await tx.commit();
  const gen = (await nft.getGeneration()).id;
  // The set is in the same transaction: refused when the operation is added.
  tx = nft.transaction();
  tx.addSet({ family: 'inet', table: 't', name: 's', keyType: 'ipv4_addr' });
  assert.throws(() => tx.addElements({ family: 'inet', table: 't', set: 's', elements: [{ key: '10.0.0.1' }, { key: '10.0.0.300' }] }), (e: unknown) => {
    assert.ok(e instanceof ValidationError);
    assert.equal(e.field, 'elements[1].key');
    assert.equal(e.index, 1);
    assert.match(e.message, /^addElements inet t s: elements\[1\]\.key: "10\.0\.0\.300" is not an IPv4 address/);
    return true;
  });
  // A set made elsewhere: its types are read, and the commit refuses before sending.
  for (const [key, field] of [[['10.0.0.1', 'tcp', 70000], 'elements[0].key[2]'], [new Uint8Array(8), 'elements[0].key']] as const) {
    tx = nft.transaction();
    tx.addElements({ family: 'inet', table: 't', set: 'vm', elements: [{ key: key as SetElement['key'], data: 'accept' }] });
    await assert.rejects(tx.commit(), (e: unknown) => {
      assert.ok(e instanceof ValidationError, String(e));
      assert.equal(e.field, field);
      assert.equal(e.index, 0);
      return true;
    });
  }
  assert.equal((await nft.getGeneration()).id, gen);
});

test('anonymous sets: bound by a rule of the same transaction, named by the kernel', async () => {
  await flush();
  const tx = nft.transaction();
  tx.addTable({ family: 'ip', name: 't' });
  tx.addChain({ family: 'ip', table: 't', name: 'c' });
  const anon = tx.addSet({
    family: 'ip', table: 't', name: '__set%d', flags: ['anonymous', 'constant'], keyType: 'ipv4_addr',
    elements: [{ key: '1.2.3.4' }, { key: '5.6.7.8' }],
  });
  tx.addRule({
    family: 'ip', table: 't', chain: 'c',
    exprs: [
      { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 },
      { type: 'lookup', set: anon.name, setId: anon.setId, sreg: 1 },
      { type: 'immediate', dreg: 0, data: { verdict: 'accept' } },
    ],
  });
  await tx.commit();
  assert.match(anon.name, /^__set\d+$/);
  assert.equal(typeof anon.handle, 'number');
  assert.match(await ns.listRuleset(), /ip saddr \{ 1\.2\.3\.4, 5\.6\.7\.8 \} accept/);
  const sets = await nft.listSets({ family: 'ip', table: 't' });
  assert.deepEqual(sets.map((s) => s.name), [anon.name]);
  assert.ok(sets[0]!.flags!.includes('anonymous'));
  // Sized to its elements, as nft sizes anonymous sets.
  assert.equal(sets[0]!.size, 2);
  // nft --debug=netlink lists the anonymous set as `ip t @__set0` with the same element lines as ours.
  const dbg = (await ns.nft(['--debug=netlink', 'list', 'chain', 'ip', 't', 'c'])).split('\n');
  const els = await nft.listElements({ family: 'ip', table: 't', set: anon.name });
  const { formatSetElements } = await import('../../src/format/set.js');
  const ours = formatSetElements({ family: 'ip', table: 't', name: anon.name }, els);
  const at = dbg.indexOf(ours[0]!);
  assert.ok(at >= 0, dbg.join('\n'));
  assert.deepEqual(dbg.slice(at, at + ours.length), ours);
});

test('elements of a set made elsewhere: by value (types read from the kernel), by definition, by raw bytes', async () => {
  await flush();
  await ns.nftFile('table inet t {\n map vm {\n type ipv4_addr . inet_proto . inet_service : verdict\n }\n}\n');
  let tx = nft.transaction();
  tx.addElements({ family: 'inet', table: 't', set: 'vm', elements: [{ key: ['10.0.0.1', 'tcp', 80], data: 'accept' }] });
  tx.addElements({
    family: 'inet', table: 't', set: 'vm', definition: { keyType: ['ipv4_addr', 'inet_proto', 'inet_service'], dataType: 'verdict' },
    elements: [{ key: ['10.0.0.2', 'tcp', 80], data: 'drop' }],
  });
  tx.addElements({ family: 'inet', table: 't', set: 'vm', raw: true, elements: [{ key: Buffer.from('0a0000030600000000500000', 'hex'), data: { verdict: 'accept' } }] });
  await tx.commit();
  assert.match(await ns.listRuleset(), /10\.0\.0\.1 \. tcp \. 80 : accept,\s+10\.0\.0\.2 \. tcp \. 80 : drop,\s+10\.0\.0\.3 \. tcp \. 80 : accept|elements = \{/);
  const got = (await nft.getElements({ family: 'inet', table: 't', set: 'vm', elements: [{ key: ['10.0.0.2', 'tcp', 80] }] }, { values: true }));
  assert.deepEqual(got, [{ key: ['10.0.0.2', 'tcp', 80], data: { verdict: 'drop' } }]);
  await assert.rejects(nft.getElements({ family: 'inet', table: 't', set: 'vm', elements: [{ key: ['10.0.0.9', 'tcp', 80] }] }), /does not exist/);
  // Delete, destroy, flush.
  tx = nft.transaction();
  tx.deleteElements({ family: 'inet', table: 't', set: 'vm', elements: [{ key: ['10.0.0.1', 'tcp', 80] }] });
  tx.destroyElements({ family: 'inet', table: 't', set: 'vm', elements: [{ key: ['10.0.0.1', 'tcp', 80] }, { key: ['10.0.0.9', 'udp', 1] }] });
  await tx.commit();
  assert.equal((await nft.listElements({ family: 'inet', table: 't', set: 'vm' })).length, 2);
  tx = nft.transaction();
  tx.deleteElements({ family: 'inet', table: 't', set: 'vm', elements: [{ key: ['10.0.0.9', 'udp', 1] }] });
  await assert.rejects(tx.commit(), (e: unknown) => e instanceof TransactionError && e.failures[0]!.code === 'ENOENT' && e.failures[0]!.detail === 'element #0 (10.0.0.9 . udp . 1)');
  tx = nft.transaction();
  tx.flushSet({ family: 'inet', table: 't', name: 'vm' });
  await tx.commit();
  assert.equal((await nft.listElements({ family: 'inet', table: 't', set: 'vm' })).length, 0);
  tx = nft.transaction();
  tx.deleteSet({ family: 'inet', table: 't', name: 'vm' });
  tx.destroySet({ family: 'inet', table: 't', name: 'nothing-here' });
  await tx.commit();
  assert.equal((await nft.listSets({ family: 'inet' })).length, 0);
  // A missing set, for values: the commit says so before sending.
  tx = nft.transaction();
  tx.addElements({ family: 'inet', table: 't', set: 'vm', elements: [{ key: ['10.0.0.1', 'tcp', 80], data: 'accept' }] });
  await assert.rejects(tx.commit(), /set inet t vm does not exist/);
});

test('reset of element state returns the counters from before the reset', async () => {
  await flush();
  const tx = nft.transaction();
  tx.addTable({ family: 'inet', name: 't' });
  tx.addSet({ family: 'inet', table: 't', name: 'c', keyType: 'ipv4_addr', exprs: [{ type: 'counter' }] });
  tx.addElements({
    family: 'inet', table: 't', set: 'c',
    elements: [{ key: '1.2.3.4', exprs: [{ type: 'counter', packets: 5, bytes: 500 }] }, { key: '1.2.3.5', exprs: [{ type: 'counter', packets: 7, bytes: 700 }] }],
  });
  await tx.commit();
  const one = await nft.resetElements({ family: 'inet', table: 't', set: 'c', elements: [{ key: '1.2.3.4' }] }, { values: true });
  assert.deepEqual(one, [{ key: '1.2.3.4', exprs: [{ type: 'counter', bytes: 500, packets: 5 }] }]);
  const all = await nft.resetElements({ family: 'inet', table: 't', set: 'c' }, { values: true });
  const byKey = Object.fromEntries(all.map((e) => [e.key as string, e.exprs]));
  assert.deepEqual(byKey['1.2.3.4'], [{ type: 'counter', bytes: 0, packets: 0 }]);
  assert.deepEqual(byKey['1.2.3.5'], [{ type: 'counter', bytes: 700, packets: 7 }]);
  const after = await nft.listElements({ family: 'inet', table: 't', set: 'c' }, { values: true });
  for (const e of after) assert.deepEqual(e.exprs, [{ type: 'counter', bytes: 0, packets: 0 }]);
});

test('listRuleset and addRuleset carry sets and elements: a copy lists identically', async () => {
  await flush();
  const text = `table inet t {
    counter c1 { }
    chain c0 { }
    set iv { type ipv4_addr; flags interval; comment "x"; elements = { 10.0.0.0/8, 192.168.1.1-192.168.1.9, 255.255.255.0/24 } }
    map vm { type ipv4_addr . inet_proto . inet_service : verdict; elements = { 10.96.0.10 . tcp . 53 : goto c0, * : drop } }
    set ci { type ipv4_addr . inet_service; flags interval; elements = { 10.0.0.0/8 . 80, 1.1.1.1 . 22-23 } }
    set to { type ipv4_addr; timeout 30s; gc-interval 10s; size 100; counter; elements = { 1.2.3.4 comment "c1" } }
    map mm { type ipv4_addr : mark; elements = { 1.2.3.4 : 0x00000007 } }
    set ty { typeof ip saddr . tcp dport; elements = { 1.2.3.4 . 22 } }
    set if { type ifname; flags interval; elements = { "eth*", "lo" } }
    chain input {
      type filter hook input priority 0; policy accept;
      ip saddr { 10.0.0.0/8, 192.168.0.1 } counter drop
      ip daddr . tcp dport vmap { 10.0.0.1 . 22 : accept, 10.0.0.2 . 80 : jump c0 }
      ip saddr @iv drop
      meta l4proto tcp ct state { established, related } accept
    }
  }
  table ip u {\n set s {\n type ipv4_addr; flags dynamic,timeout; timeout 1h\n }\n }\n`;
  await ns.nftFile(text);
  const want = await listing();
  const rs = await nft.listRuleset();
  assert.deepEqual(rs.sets.filter((s) => !s.flags?.includes('anonymous')).map((s) => s.name).sort(), ['ci', 'if', 'iv', 'mm', 'to', 'ty', 'vm', 's'].sort());
  assert.equal(rs.sets.filter((s) => s.flags?.includes('anonymous')).length, 3);
  const other = await Netns.create('sets-copy');
  try {
    await using nft2 = await Nftables.open({ netns: other.path });
    // Stateful objects are another module's; the counter the map does not use is made here by nft.
    await other.nftFile('table inet t {\n counter c1 {\n }\n}\n');
    const tx = nft2.transaction();
    tx.addRuleset(rs);
    await tx.commit();
    const copy = (await other.listRuleset()).replace(/ expires \d[\dhmsd]*/g, '');
    assert.equal(copy, want);
  } finally {
    await other.destroy();
  }
});

test('per-set stateful expressions nft 1.0.6 cannot declare (last) go through and list back', async () => {
  await flush();
  const tx = nft.transaction();
  tx.addTable({ family: 'inet', name: 't' });
  tx.addSet({
    family: 'inet', table: 't', name: 'ls', keyType: 'ipv4_addr', flags: ['dynamic'],
    exprs: [{ type: 'last' }, { type: 'counter' }],
    elements: [{ key: '1.2.3.4', exprs: [{ type: 'last' }, { type: 'counter', packets: 3, bytes: 300 }] }],
  });
  await tx.commit();
  const [set] = await nft.listSets({ family: 'inet', table: 't' });
  assert.deepEqual(set!.exprs!.map((e) => e.type), ['last', 'counter']);
  assert.ok(set!.flags!.includes('expr'));
  const [el] = await nft.listElements({ family: 'inet', table: 't', set: 'ls' }, { values: true });
  assert.equal(el!.key, '1.2.3.4');
  assert.deepEqual(el!.exprs!.map((e) => e.type), ['last', 'counter']);
  assert.deepEqual(el!.exprs![1], { type: 'counter', bytes: 300, packets: 3 });
  // (nft 1.0.6 can neither declare nor print a set's `last`: its `list ruleset` exits 1 here, so nftlink is the reader.)
  // Element expressions must match the set's: the kernel refuses others, and the error names the element.
  const bad = nft.transaction();
  bad.addElements({ family: 'inet', table: 't', set: 'ls', elements: [{ key: '1.2.3.5', exprs: [{ type: 'counter' }] }] });
  await assert.rejects(bad.commit(), (e: unknown) => e instanceof TransactionError && e.failures[0]!.detail === 'element #0 (1.2.3.5)');
});
