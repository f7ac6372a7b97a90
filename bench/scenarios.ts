// The scenarios of workload.md §6, each measured side by side in one run:
// nftlink (in a child process, see child.ts) against nft (and against one
// nft process per operation for S5), in fresh namespaces, several times.

import { Nftables } from '../src/client/nftables.js';
import type { RuleDumpStrategy } from '../src/client/list.js';
import { Netns } from '../test/helpers/netns.js';
import {
  addServices,
  bootstrap,
  churn,
  churnCleanup,
  deleteServices,
  deleteServicesCleanup,
  nftText,
  services as servicesRange,
  setup,
  type Shape,
  type Sink,
  type WorkloadOptions,
} from './workload/index.js';
import { buildBase, CHUNK } from './lib/base.js';
import { bulkSetText, bulkVmapText } from './lib/elements.js';
import { nftCommand, nftFile, NftlinkChild, timedExec, type Rusage } from './lib/measure.js';
import type { Row, Sample } from './lib/report.js';
import { S5_CHAIN, s5Address, type DeltaTaskKind, type TaskResult } from './lib/tasks.js';

export interface Context {
  shape: Shape;
  endpoints: number;
  reps: number;
  /** S2: numbers of services changed per sync. */
  counts: number[];
  /** S3: elements. */
  elements: number;
  /** S4: rule dump strategies to measure. */
  strategies: RuleDumpStrategy[];
  log: (msg: string) => void;
}

function nftSample(u: Rusage): Sample {
  return { wallMs: u.wallS * 1000, cpuMs: (u.userS + u.sysS) * 1000, sysMs: u.sysS * 1000, rssKB: u.maxRssKB };
}

function libSample(r: TaskResult): Sample {
  const s: Sample = { wallMs: r.wallMs!, cpuMs: (r.userMs ?? 0) + (r.sysMs ?? 0), sysMs: r.sysMs ?? 0 };
  if (r.maxRssKB !== undefined) s.rssKB = r.maxRssKB;
  if (r.commit) {
    s.assembleMs = r.assembleMs ?? 0;
    s.encodeMs = r.commit.encodeMs;
    s.sendMs = r.commit.sendMs;
    s.replyMs = r.commit.replyMs;
  }
  return s;
}

/** The kernel's sendmsg time of nftlink's batch, as a side of its own (the floor). */
function floorSample(r: TaskResult): Sample {
  return { wallMs: r.commit!.sendMs };
}

async function withNetns<T>(tag: string, fn: (ns: Netns) => Promise<T>): Promise<T> {
  const ns = await Netns.create(tag);
  try {
    return await fn(ns);
  } finally {
    await ns.destroy();
  }
}

/** Builds the same N-service base in each namespace (through nftlink, in 1 000-service chunks, side by side). */
async function bases(ctx: Context, o: WorkloadOptions, namespaces: Netns[]): Promise<void> {
  const t0 = performance.now();
  await Promise.all(namespaces.map(async (ns, i) => {
    const nft = await Nftables.open({ netns: ns.path });
    try {
      await buildBase(nft, o, i === 0 ? (done, total) => ctx.log(`  base: ${done}/${total} services (${((performance.now() - t0) / 1000).toFixed(0)} s)`) : undefined);
    } finally {
      await nft.close();
    }
  }));
}

/** Warms the child's code paths (JIT) on a small ruleset in a scratch namespace: a long-running controller is warm. */
const WARM_ROUNDS = 12;
const WARM_SINGLE_ADDS = 200;
const WARM_LISTINGS = 12;

async function warmUp(child: NftlinkChild, shape: Shape, endpoints: number): Promise<void> {
  await withNetns('warm', async (ns) => {
    await child.run({ kind: 'bootstrap', netns: ns.path, shape, services: 300, endpoints });
    // A controller's process is warm: the same code has run through many
    // syncs and V8 has optimized it. A few rounds get the child there (one
    // round left partial syncs of 4 600 commands at 2–3× their warm cost).
    for (let generation = 1; generation <= WARM_ROUNDS; generation++) {
      for (const delta of ['churn', 'churn-cleanup', 'add', 'delete', 'delete-cleanup'] as DeltaTaskKind[]) {
        await child.run({ kind: 'delta', netns: ns.path, shape, services: 300, endpoints, delta, first: delta.startsWith('delete') || delta === 'add' ? 300 : 0, count: 50, generation });
      }
    }
  });
}

// --- S1: bootstrap ---------------------------------------------------------------------

/** Above this many services S1 bootstraps in 1 000-service transactions only (one transaction costs the kernel minutes). */
export const S1_SINGLE_MAX = 2000;

export async function s1(ctx: Context, services: number): Promise<Row[]> {
  const rows: Row[] = [];
  if (services <= S1_SINGLE_MAX) rows.push(await s1One(ctx, services, 0));
  rows.push(await s1One(ctx, services, CHUNK));
  return rows;
}

async function s1One(ctx: Context, services: number, chunk: number): Promise<Row> {
  const o: WorkloadOptions = { services, endpoints: ctx.endpoints, shape: ctx.shape };
  // nft side: the same transactions, one `nft -f` each, one after the other.
  const texts: string[] = [];
  let commands = 0;
  if (chunk) {
    const s = nftText((out) => setup(o.shape, out));
    texts.push(s.text);
    commands += s.commands;
    for (let from = 0; from < services; from += chunk) {
      const c = nftText((out) => servicesRange(o, out, from, Math.min(services, from + chunk)));
      texts.push(c.text);
      commands += c.commands;
    }
  } else {
    const b = nftText((out) => bootstrap(o, out));
    texts.push(b.text);
    commands = b.commands;
  }
  const row: Row = { scenario: 'S1', case: chunk ? `bootstrap, ${Math.ceil(services / chunk) + 1} transactions of ≤ ${chunk} services` : 'bootstrap, one transaction', services, shape: ctx.shape, sides: { 'nft -f': [], nftlink: [], 'kernel floor': [] }, commands };
  const child = new NftlinkChild();
  try {
    await warmUp(child, ctx.shape, ctx.endpoints);
    for (let rep = 0; rep < ctx.reps; rep++) {
      ctx.log(`  S1 N=${services} repetition ${rep + 1}/${ctx.reps}`);
      const nftSide = (): Promise<void> => withNetns('s1-nft', async (ns) => {
        const total: Sample = { wallMs: 0, cpuMs: 0, sysMs: 0, rssKB: 0 };
        for (const text of texts) {
          const u = nftSample(await nftFile(ns.path, text));
          total.wallMs += u.wallMs;
          total.cpuMs! += u.cpuMs!;
          total.sysMs! += u.sysMs!;
          total.rssKB = Math.max(total.rssKB!, u.rssKB!);
        }
        row.sides['nft -f']!.push(total);
      });
      const libSide = (): Promise<void> => withNetns('s1-lib', async (ns) => {
        const r = await child.run({ kind: 'bootstrap', netns: ns.path, ...o, ...(chunk ? { chunk } : {}) });
        row.sides['nftlink']!.push(libSample(r));
        row.sides['kernel floor']!.push(floorSample(r));
      });
      // Alternate which side goes first, so drifting load hits both alike.
      if (rep % 2) {
        await libSide();
        await nftSide();
      } else {
        await nftSide();
        await libSide();
      }
    }
  } finally {
    await child.close();
  }
  return row;
}

// --- S2: partial syncs --------------------------------------------------------------------

/** Services [first, first+M) churned for each M: disjoint ranges, so every sync replaces the previous generation. */
function churnFirst(m: number, counts: number[]): number {
  let first = 0;
  for (const c of [...counts].sort((a, b) => a - b)) {
    if (c === m) return first;
    first += Math.max(c, 10);
  }
  return first;
}

export async function s2(ctx: Context, services: number): Promise<Row[]> {
  const o: WorkloadOptions = { services, endpoints: ctx.endpoints, shape: ctx.shape };
  const reps = Math.min(ctx.reps, 7);
  const need = ctx.counts.reduce((a, c) => a + Math.max(c, 10), 0);
  if (services < need) throw new Error(`S2 needs at least ${need} services for M = ${ctx.counts.join(', ')}`);
  const rows = new Map<string, Row>();
  const row = (kind: string, m: number, commands: number): Row => {
    const key = `${kind} M=${m}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { scenario: 'S2', case: key, services, shape: ctx.shape, sides: { 'nft -f': [], nftlink: [], 'kernel floor': [] }, commands }));
    return r;
  };
  const nsNft = await Netns.create('s2-nft');
  const nsLib = await Netns.create('s2-lib');
  const child = new NftlinkChild();
  try {
    ctx.log(`  S2 N=${services}: building the two bases`);
    await bases(ctx, o, [nsNft, nsLib]);
    await warmUp(child, ctx.shape, ctx.endpoints);
    for (let gen = 1; gen <= reps; gen++) {
      ctx.log(`  S2 N=${services} repetition ${gen}/${reps}`);
      for (const m of ctx.counts) {
        const first = churnFirst(m, ctx.counts);
        const steps: [DeltaTaskKind, number, (out: Sink) => void, boolean][] = [
          ['churn', first, (out) => churn(o, out, first, m, gen), true],
          ['churn-cleanup', first, (out) => churnCleanup(o, out, first, m, gen), true],
          ['add', services, (out) => addServices(o, out, services, m), true],
          ['delete', services, (out) => deleteServices(o, out, services, m), true],
          // Puts the base back to N services (not reported).
          ['delete-cleanup', services, (out) => deleteServicesCleanup(o, out, services, m), false],
        ];
        for (const [delta, from, write, report] of steps) {
          const { text, commands } = nftText(write);
          // Nothing to do (v1.36 churns leave no stale chains unless the service has affinity).
          if (commands === 0) continue;
          const task = { kind: 'delta' as const, netns: nsLib.path, ...o, delta, first: from, count: m, generation: gen };
          const nftSide = async (): Promise<Sample> => nftSample(await nftFile(nsNft.path, text));
          const libSide = async (): Promise<TaskResult> => child.run(task);
          let a: Sample;
          let b: TaskResult;
          if (gen % 2) {
            a = await nftSide();
            b = await libSide();
          } else {
            b = await libSide();
            a = await nftSide();
          }
          if (!report) continue;
          const r = row(delta, m, commands);
          r.sides['nft -f']!.push(a);
          r.sides['nftlink']!.push(libSample(b));
          r.sides['kernel floor']!.push(floorSample(b));
        }
      }
    }
  } finally {
    await child.close();
    await nsNft.destroy();
    await nsLib.destroy();
  }
  const order: string[] = [];
  for (const kind of ['churn', 'churn-cleanup', 'add', 'delete']) for (const m of ctx.counts) order.push(`${kind} M=${m}`);
  return order.map((k) => rows.get(k)!).filter(Boolean);
}

// --- S3: bulk elements ---------------------------------------------------------------------

export async function s3(ctx: Context): Promise<Row[]> {
  const M = ctx.elements;
  const mk = (c: string): Row => ({ scenario: 'S3', case: c, services: 0, shape: '-', sides: {} });
  const addSet = mk(`${M} IPv4 elements into a new set, one command`);
  const addVmap = mk(`${M} elements into a new verdict map (ipv4 . proto . port)`);
  const list = mk(`list the ${M}-element set`);
  const one = mk(`add 1 element to the ${M}-element set`);
  for (const r of [addSet, addVmap, one]) r.sides = { 'nft -f': [], nftlink: [], 'kernel floor': [] };
  list.sides = { 'nft list set': [], 'nft -j list set': [], nftlink: [], 'kernel floor': [] };
  one.sides = { 'nft add element': [], nftlink: [], 'kernel floor': [] };
  const child = new NftlinkChild();
  try {
    await withNetns('warm', async (ns) => {
      await child.run({ kind: 'elements', netns: ns.path, variant: 'set', count: 5000 });
      await child.run({ kind: 'elements', netns: ns.path, variant: 'list', count: 5000 });
      // A controller adding one element has done so before: the single add's
      // path is warmed up too (one round left it at 3× its warm cost).
      for (let i = 0; i < WARM_SINGLE_ADDS; i++) await child.run({ kind: 'elements', netns: ns.path, variant: 'one', count: 1 });
    });
    const setText = bulkSetText(M);
    const vmapText = bulkVmapText(M);
    for (let rep = 0; rep < ctx.reps; rep++) {
      ctx.log(`  S3 repetition ${rep + 1}/${ctx.reps}`);
      await withNetns('s3-nft', async (ns) => {
        addSet.sides['nft -f']!.push(nftSample(await nftFile(ns.path, setText)));
        list.sides['nft list set']!.push(nftSample((await nftCommand(ns.path, ['list', 'set', 'ip', 'bench', 's3'])).usage));
        list.sides['nft -j list set']!.push(nftSample((await nftCommand(ns.path, ['-j', 'list', 'set', 'ip', 'bench', 's3'])).usage));
        one.sides['nft add element']!.push(nftSample((await nftCommand(ns.path, ['add', 'element', 'ip', 'bench', 's3', '{ 100.127.255.254 }'])).usage));
      });
      await withNetns('s3-lib', async (ns) => {
        const a = await child.run({ kind: 'elements', netns: ns.path, variant: 'set', count: M });
        addSet.sides['nftlink']!.push(libSample(a));
        addSet.sides['kernel floor']!.push(floorSample(a));
        list.sides['nftlink']!.push(libSample(await child.run({ kind: 'elements', netns: ns.path, variant: 'list', count: M })));
        list.sides['kernel floor']!.push(libSample(await child.run({ kind: 'elements', netns: ns.path, variant: 'list-raw', count: M })));
        const o = await child.run({ kind: 'elements', netns: ns.path, variant: 'one', count: 1 });
        one.sides['nftlink']!.push(libSample(o));
        one.sides['kernel floor']!.push(floorSample(o));
      });
      await withNetns('s3-nft', async (ns) => void addVmap.sides['nft -f']!.push(nftSample(await nftFile(ns.path, vmapText))));
      await withNetns('s3-lib', async (ns) => {
        const v = await child.run({ kind: 'elements', netns: ns.path, variant: 'vmap', count: M });
        addVmap.sides['nftlink']!.push(libSample(v));
        addVmap.sides['kernel floor']!.push(floorSample(v));
      });
    }
  } finally {
    await child.close();
  }
  return [addSet, addVmap, list, one];
}

// --- S4: listing the table -------------------------------------------------------------------

export async function s4(ctx: Context, services: number): Promise<Row[]> {
  const o: WorkloadOptions = { services, endpoints: ctx.endpoints, shape: ctx.shape };
  const row: Row = { scenario: 'S4', case: 'list the whole table, every rule decoded (streamed)', services, shape: ctx.shape, sides: {} };
  const kept: Row = { scenario: 'S4', case: 'the same, the whole listing kept in memory', services, shape: ctx.shape, sides: {} };
  const ns = await Netns.create('s4');
  try {
    ctx.log(`  S4 N=${services}: building the base`);
    await bases(ctx, o, [ns]);
    for (const args of [['list', 'table', 'ip', 'kube-proxy'], ['-j', 'list', 'table', 'ip', 'kube-proxy'], ['-j', '-t', 'list', 'table', 'ip', 'kube-proxy']]) {
      const name = `nft ${args.slice(0, -2).join(' ')}`;
      row.sides[name] = [];
      for (let rep = 0; rep < ctx.reps; rep++) {
        ctx.log(`  S4 N=${services}: ${name} ${rep + 1}/${ctx.reps}`);
        row.sides[name]!.push(nftSample((await timedExec(ns.path, ['nft', ...args], { timeoutMs: 1_200_000 })).usage));
      }
    }
    // A fresh child per measurement, so that its peak RSS is that one
    // listing's (as nft's is); it warms up on a small table first.
    await withNetns('s4-warm', async (warm) => {
      await bases(ctx, { ...o, services: 200 }, [warm]);
      for (const strategy of ctx.strategies) {
        for (const [target, keep] of [[row, false], [kept, true]] as const) {
          if (keep && strategy !== ctx.strategies[ctx.strategies.length - 1]) continue;
          const name = `nftlink ${strategy}`;
          target.sides[name] = [];
          for (let rep = 0; rep < ctx.reps; rep++) {
            ctx.log(`  S4 N=${services}: ${name}${keep ? ' (kept)' : ''} ${rep + 1}/${ctx.reps}`);
            const child = new NftlinkChild();
            try {
              // Warm: a controller that lists its table has done so before
              // (the decoders reach full speed after ~100k rules; one
              // listing of the small table left a 1k-service listing at 2×).
              for (let w = 0; w < WARM_LISTINGS; w++) await child.run({ kind: 'list', netns: warm.path, strategy, raw: false, keep });
              target.sides[name]!.push(libSample(await child.run({ kind: 'list', netns: ns.path, strategy, raw: false, keep })));
            } finally {
              await child.close();
            }
          }
        }
      }
    });
    for (const strategy of ctx.strategies) {
      const floor = `kernel floor ${strategy}`;
      row.sides[floor] = [];
      const child = new NftlinkChild();
      try {
        for (let rep = 0; rep < ctx.reps; rep++) {
          ctx.log(`  S4 N=${services}: ${floor} ${rep + 1}/${ctx.reps}`);
          const r = await child.run({ kind: 'list', netns: ns.path, strategy, raw: true, keep: false });
          row.sides[floor]!.push({ wallMs: r.wallMs!, cpuMs: (r.userMs ?? 0) + (r.sysMs ?? 0), sysMs: r.sysMs ?? 0 });
        }
      } finally {
        await child.close();
      }
    }
  } finally {
    await ns.destroy();
  }
  return [row, kept];
}

// --- S5: one nft process per operation ----------------------------------------------------------

export async function s5(ctx: Context, services: number): Promise<Row[]> {
  const o: WorkloadOptions = { services, endpoints: ctx.endpoints, shape: ctx.shape };
  const rows: Row[] = [];
  const nsNft = await Netns.create('s5-nft');
  const nsLib = await Netns.create('s5-lib');
  const child = new NftlinkChild();
  try {
    ctx.log(`  S5 N=${services}: building the two bases`);
    await bases(ctx, o, [nsNft, nsLib]);
    for (const ns of [nsNft, nsLib]) await ns.nft(['add', 'chain', 'ip', 'kube-proxy', S5_CHAIN]);
    await warmUp(child, ctx.shape, ctx.endpoints);
    const ops: [string, (seq: number) => string[], 'element' | 'rule-jump' | 'rule-vmap'][] = [
      ['add element', (seq) => ['add', 'element', 'ip', 'kube-proxy', 'cluster-ips', `{ ${s5Address(seq)} }`], 'element'],
      ['add rule (jump)', (seq) => ['add', 'rule', 'ip', 'kube-proxy', S5_CHAIN, 'ip', 'daddr', s5Address(seq), 'jump', 'reject-chain'], 'rule-jump'],
      ['add rule (anonymous vmap)', () => ['add', 'rule', 'ip', 'kube-proxy', S5_CHAIN, 'numgen', 'random', 'mod', '2', 'vmap', '{ 0 : goto reject-chain, 1 : goto reject-chain }'], 'rule-vmap'],
    ];
    let seq = 1;
    for (const [name, argv, op] of ops) {
      const row: Row = { scenario: 'S5', case: `one operation: ${name}`, services, shape: ctx.shape, sides: { 'nft (one process)': [], nftlink: [], 'kernel floor': [] }, commands: 1 };
      for (let rep = 0; rep < ctx.reps; rep++) {
        ctx.log(`  S5 N=${services}: ${name} ${rep + 1}/${ctx.reps}`);
        row.sides['nft (one process)']!.push(nftSample((await nftCommand(nsNft.path, argv(seq))).usage));
        const r = await child.run({ kind: 'op', netns: nsLib.path, op, seq });
        row.sides['nftlink']!.push(libSample(r));
        row.sides['kernel floor']!.push(floorSample(r));
        seq++;
      }
      rows.push(row);
    }
    // The 45-command partial sync (churn of one service) as one process per command.
    const { text, commands } = nftText((out) => churn(o, out, 0, 1, 1));
    const lines = text.trim().split('\n');
    const row: Row = { scenario: 'S5', case: 'churn M=1, one process (nftlink: one transaction) per command', services, shape: ctx.shape, sides: { 'nft per command': [], 'nftlink per command': [], 'nft -f (one process)': [], 'nftlink (one transaction)': [] }, commands };
    ctx.log(`  S5 N=${services}: ${lines.length} nft processes`);
    let wall = 0;
    let cpu = 0;
    let rss = 0;
    for (const l of lines) {
      const u = (await timedExec(nsNft.path, ['nft', l])).usage;
      wall += u.wallS * 1000;
      cpu += (u.userS + u.sysS) * 1000;
      rss = Math.max(rss, u.maxRssKB);
    }
    row.sides['nft per command']!.push({ wallMs: wall, cpuMs: cpu, rssKB: rss });
    await nftFile(nsNft.path, nftText((out) => churnCleanup(o, out, 0, 1, 1)).text);
    const each = await child.run({ kind: 'delta', netns: nsLib.path, ...o, delta: 'churn', first: 0, count: 1, generation: 1, perOperation: true });
    row.sides['nftlink per command']!.push(libSample(each));
    await child.run({ kind: 'delta', netns: nsLib.path, ...o, delta: 'churn-cleanup', first: 0, count: 1, generation: 1 });
    // The same change once more as one transaction each side (generation 2).
    row.sides['nft -f (one process)']!.push(nftSample(await nftFile(nsNft.path, nftText((out) => churn(o, out, 0, 1, 2)).text)));
    row.sides['nftlink (one transaction)']!.push(libSample(await child.run({ kind: 'delta', netns: nsLib.path, ...o, delta: 'churn', first: 0, count: 1, generation: 2 })));
    rows.push(row);
  } finally {
    await child.close();
    await nsNft.destroy();
    await nsLib.destroy();
  }
  return rows;
}
