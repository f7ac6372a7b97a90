// Expression kinds nft 1.0.6 cannot write, sent by nftlink to the real kernel:
// inner, tunnel, match and target are accepted and dumped back unchanged (and
// libnftnl prints the ones it knows as we do); kinds this kernel lacks, or
// lacks in a family, come back as a TransactionError naming the operation and
// the refused expression.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Nftables } from '../../src/client/nftables.js';
import { TransactionError } from '../../src/client/errors.js';
import type { Family } from '../../src/nftables/constants.js';
import { formatExpr, type Expr } from '../../src/nftables/expr/index.js';
import { formatRule, type Rule } from '../../src/nftables/rule.js';
import { ruleForRecreate } from '../../src/client/transaction.js';
import { withNetns, type Netns } from '../helpers/netns.js';

const SETUP = `
add table ip t
add chain ip t c { type filter hook input priority 0; }
add chain ip t fw { type filter hook forward priority 0; }
add table ip6 t
add chain ip6 t c { type filter hook input priority 0; }
add table inet t
add chain inet t c { type filter hook input priority 0; }
add chain inet t fw { type filter hook forward priority 0; }
add table bridge t
add chain bridge t c { type filter hook input priority 0; }
add table netdev t
add chain netdev t c { type filter hook ingress device lo priority 0; }
`;

/** Bytes as hex, so Buffer and Uint8Array values compare equal. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function listRules(nft: Nftables, family: Family): Promise<Rule[]> {
  return nft.listRules({ family });
}

async function withClient(fn: (ns: Netns, nft: Nftables) => Promise<void>): Promise<void> {
  await withNetns(async (ns) => {
    await ns.nftFile(SETUP);
    const nft = await Nftables.open({ netns: ns.path });
    try {
      await fn(ns, nft);
    } finally {
      await nft.close();
    }
  }, 'exprkernel');
}

const vxlanSaddr: Expr = { type: 'inner', tunnel: 'vxlan', flags: 0xf, hdrsize: 8, expr: { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 } };

const ACCEPTED: { family: Family; chain?: string; exprs: Expr[]; dumped?: Expr[]; libnftnl: boolean }[] = [
  { family: 'inet', exprs: [vxlanSaddr, { type: 'cmp', op: 'eq', sreg: 1, data: Buffer.from([1, 2, 3, 4]) }],
    dumped: [{ ...vxlanSaddr, num: 0 } as Expr, { type: 'cmp', op: 'eq', sreg: 1, data: Buffer.from([1, 2, 3, 4]) }], libnftnl: false },
  { family: 'netdev', exprs: [{ type: 'inner', num: 0, tunnel: 'geneve', flags: 0x3, hdrsize: 8, expr: { type: 'payload', base: 'll', offset: 12, len: 2, dreg: 1 } }], libnftnl: false },
  // The kernel dumps NFTA_TUNNEL_MODE even when it was not sent.
  { family: 'netdev', exprs: [{ type: 'tunnel', key: 'id', dreg: 1 }, { type: 'cmp', op: 'eq', sreg: 1, data: Buffer.from([0, 0, 0, 42]) }],
    dumped: [{ type: 'tunnel', key: 'id', dreg: 1, mode: 'none' }, { type: 'cmp', op: 'eq', sreg: 1, data: Buffer.from([0, 0, 0, 42]) }], libnftnl: true },
  { family: 'netdev', exprs: [{ type: 'tunnel', key: 'path', dreg: 1, mode: 'rx' }], libnftnl: true },
  { family: 'ip', exprs: [{ type: 'match', name: 'comment', rev: 0, info: Buffer.concat([Buffer.from('from nftlink'), Buffer.alloc(244)]) }], libnftnl: true },
  { family: 'ip', exprs: [{ type: 'target', name: 'MARK', rev: 2, info: Buffer.from('0000002a00000000', 'hex') }], libnftnl: true },
];

test('inner, tunnel, match and target: the kernel takes them and dumps them back as sent', async () => {
  await withClient(async (ns, nft) => {
    const tx = nft.transaction();
    for (const c of ACCEPTED) tx.addRule({ family: c.family, table: 't', chain: c.chain ?? 'c', exprs: c.exprs });
    await tx.commit();
    const byFamily = new Map<Family, Rule[]>();
    for (const f of ['ip', 'inet', 'netdev'] as Family[]) byFamily.set(f, await listRules(nft, f));
    // nft exits 1 here (libnftnl 1.2.4 cannot parse inner), but prints the rest.
    const libnftnl = (await ns.exec('nft', ['--debug=netlink', 'list', 'ruleset'])).stdout;
    for (const c of ACCEPTED) {
      const rules = byFamily.get(c.family)!;
      const r = rules.shift()!;
      assert.deepEqual(plain(r.exprs), plain(c.dumped ?? c.exprs));
      if (c.libnftnl) {
        // libnftnl 1.2.4 knows these kinds: its print of the kernel's dump is ours. (Its
        // header line also shows the rule's position, which formatRule leaves out.)
        const body = formatRule(r).split('\n').slice(1).join('\n');
        assert.ok(libnftnl.includes(`${r.family} t c ${r.handle}`) && libnftnl.includes(body), `libnftnl printed:\n${libnftnl}\nnot:\n${body}`);
      }
    }
  });
});

test('kinds the kernel lacks, or lacks in a family, fail with the operation and the expression named', async () => {
  await withClient(async (_ns, nft) => {
    const refused: { family: Family; chain?: string; exprs: Expr[]; code: string; at: number }[] = [
      { family: 'ip', exprs: [{ type: 'queue', num: 1, total: 1 }], code: 'ENOENT', at: 0 },
      { family: 'inet', exprs: [{ type: 'queue', sregQnum: 1 }], code: 'ENOENT', at: 0 },
      { family: 'inet', chain: 'fw', exprs: [{ type: 'counter', packets: 0, bytes: 0 }, { type: 'flow_offload', flowtable: 'f' }], code: 'ENOENT', at: 1 },
      { family: 'ip', exprs: [{ type: 'immediate', dreg: 1, data: Buffer.from([1, 0, 0, 0]) }, { type: 'fwd', sregDev: 1 }], code: 'ENOENT', at: 1 },
      { family: 'inet', exprs: [{ type: 'immediate', dreg: 1, data: Buffer.from([1, 0, 0, 0]) }, { type: 'dup', sregDev: 1 }], code: 'ENOENT', at: 1 },
      { family: 'ip', exprs: [{ type: 'tunnel', key: 'id', dreg: 1 }], code: 'ENOENT', at: 0 },
      { family: 'netdev', exprs: [{ type: 'masq' }], code: 'ENOENT', at: 0 },
      { family: 'bridge', exprs: [{ type: 'reject', rejectType: 'icmpx-unreach', icmpCode: 1 }], code: 'ENOENT', at: 0 },
      // DCCP left the kernel in 6.16: the exthdr DCCP op is refused.
      { family: 'inet', exprs: [{ type: 'exthdr', op: 'dccp', headerType: 40, offset: 0, len: 1, dreg: 1, flags: 1 }], code: 'EOPNOTSUPP', at: 0 },
      // There is no `secmark` expression: `meta secmark set "name"` is an objref to a secmark object.
      { family: 'ip', exprs: [{ type: 'unknown', name: 'secmark' }], code: 'ENOENT', at: 0 },
    ];
    const tx = nft.transaction();
    for (const c of refused) tx.addRule({ family: c.family, table: 't', chain: c.chain ?? 'c', exprs: c.exprs });
    const err = await tx.commit().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof TransactionError, String(err));
    assert.equal(err.failures.length, refused.length, err.message);
    refused.forEach((c, i) => {
      const f = err.failures[i]!;
      const name = c.exprs[c.at]!.type === 'unknown' ? (c.exprs[c.at] as { name: string }).name : c.exprs[c.at]!.type;
      assert.equal(f.index, i);
      assert.equal(f.label, `addRule ${c.family} t ${c.chain ?? 'c'}`);
      assert.equal(f.code, c.code, `${name}: ${err.message}`);
      assert.equal(f.attribute, `NFTA_RULE_EXPRESSIONS > expression #${c.at} (${name})`);
    });
    assert.match(err.message, /#0 addRule ip t c: ENOENT .* at NFTA_RULE_EXPRESSIONS > expression #0 \(queue\)/);
    // Nothing was applied.
    for (const f of ['ip', 'inet', 'netdev', 'bridge'] as Family[]) assert.deepEqual(await listRules(nft, f), []);
  });
});

test('formatExpr of what the kernel dumped for inner is stable across a second round trip', async () => {
  await withClient(async (_ns, nft) => {
    const tx = nft.transaction();
    tx.addRule({ family: 'inet', table: 't', chain: 'c', exprs: [vxlanSaddr] });
    await tx.commit();
    const [r] = await listRules(nft, 'inet');
    assert.equal(formatExpr(r!.exprs[0]!), '[ inner type 1 hdrsize 8 flags f [ payload load 4b @ network header + 12 => reg 1 ] ]');
    const tx2 = nft.transaction();
    tx2.addRule(ruleForRecreate(r!));
    await tx2.commit();
    const rules = await listRules(nft, 'inet');
    assert.equal(rules.length, 2);
    assert.deepEqual(plain(rules[1]!.exprs), plain(rules[0]!.exprs));
  });
});
