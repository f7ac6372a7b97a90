// First benchmark: adding chains, nftlink against nft, side by side in one run,
// inside a throwaway network namespace.
//
//   npm run bench:chains [-- --ops 1000 --nft-ops 1000 --file-runs 11 --warmup 2000 --json out.json]
//
// Compared, each starting from an empty table:
//   1. nftlink: N transactions of one operation each (add a chain), one socket;
//   2. nft: one `nft add chain …` process per operation;
//   3. nft -f: one file holding all N `add chain` commands, one process;
//   4. nftlink: one transaction holding all N operations (the counterpart of 3).
// Reported: median and p90 per operation, and ratios against nftlink.
//
// The script re-runs itself inside the namespace (`ip netns exec`), so nft is
// spawned directly, without a namespace switch per process, and nftlink uses
// the process's own namespace. The inner part refuses to run in the
// machine's own namespace.

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Nftables } from '../src/client/nftables.js';
import { Netns } from '../test/helpers/netns.js';

interface Options {
  ops: number;
  nftOps: number;
  fileRuns: number;
  /** One-operation commits before measuring. */
  warmup: number;
  json?: string;
  /** The namespace file the inner part must be running in. */
  netns?: string;
}

function parseArgs(argv: string[]): Options & { inner: boolean } {
  const o: Options & { inner: boolean } = { ops: 1000, nftOps: 1000, fileRuns: 11, warmup: 2000, inner: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--ops') o.ops = o.nftOps = num();
    else if (a === '--nft-ops') o.nftOps = num();
    else if (a === '--file-runs') o.fileRuns = num();
    else if (a === '--warmup') o.warmup = num();
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--inner') o.inner = true;
    else if (a === '--netns') o.netns = argv[++i];
    else throw new Error(`unknown option ${a} (known: --ops N, --nft-ops N, --file-runs N, --warmup N, --json FILE)`);
  }
  return o;
}

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

interface Row {
  method: string;
  /** Operations measured. */
  operations: number;
  /** Per-operation times in ms. */
  medianMs: number;
  p90Ms: number;
  /** Wall time of the whole method in ms. */
  totalMs: number;
  /**
   * CPU time per operation (user + system, kernel work in syscalls included):
   * of this process for nftlink, of the nft processes for nft. On a shared
   * machine this is steadier than wall time.
   */
  cpuPerOpMs: number;
}

function row(method: string, perOp: number[], totalMs: number, cpuMs: number, ops: number): Row {
  const s = [...perOp].sort((a, b) => a - b);
  return { method, operations: ops, medianMs: quantile(s, 0.5), p90Ms: quantile(s, 0.9), totalMs, cpuPerOpMs: cpuMs / ops };
}

/** CPU time (ms) of this process, and of the children it has waited for. */
function cpuMs(): { self: number; children: number } {
  const u = process.cpuUsage();
  // /proc/self/stat fields 16 and 17: cutime, cstime in clock ticks (100 Hz).
  const f = readFileSync('/proc/self/stat', 'utf8').slice(readFileSync('/proc/self/stat', 'utf8').lastIndexOf(')') + 2).split(' ');
  return { self: (u.user + u.system) / 1000, children: (Number(f[13]) + Number(f[14])) * 10 };
}

const TABLE = 'bench';
const chainName = (i: number): string => `service-${i}-ns1/svc${i}/tcp/p80`;

function nft(args: string[], input?: string): void {
  const r = spawnSync('nft', args, { input, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`nft ${args.join(' ')} failed: ${r.stderr}`);
}

async function inner(o: Options): Promise<void> {
  // Only ever inside the throwaway namespace the outer part made.
  const here = statSync('/proc/self/ns/net');
  const made = o.netns ? statSync(o.netns) : undefined;
  if (!made || here.ino !== made.ino || here.dev !== made.dev) {
    throw new Error('refusing to run outside the benchmark\'s own throwaway network namespace');
  }
  const rows: Row[] = [];
  // Every measurement starts with an empty table of its own in an otherwise
  // empty ruleset; afterwards the table is deleted and the kernel given a
  // moment for its deferred cleanup, outside any measurement.
  let tables = 0;
  const freshTable = (): string => {
    const name = `${TABLE}-${tables++}`;
    nft(['add', 'table', 'inet', name]);
    return name;
  };
  const dropTable = async (name: string): Promise<void> => {
    nft(['delete', 'table', 'inet', name]);
    await sleep(100);
  };
  const chainsOf = (table: string): string =>
    execFileSync('nft', ['list', 'table', 'inet', table], { encoding: 'utf8' }).replace(/^table inet \S+/, 'table');

  // 1. nftlink, one operation per transaction.
  const client = await Nftables.open();
  {
    // Warm-up outside the measurement: JIT tiers and buffers settle over the
    // first thousand or so commits (a long-running controller is past that).
    const warm = freshTable();
    for (let i = 0; i < o.warmup; i++) {
      const tx = client.transaction();
      tx.addChain({ family: 'inet', table: warm, name: `w${i}` });
      await tx.commit();
    }
    await dropTable(warm);
  }
  let nftlinkChains: string;
  {
    const table = freshTable();
    const per: number[] = [];
    const c0 = cpuMs();
    const t0 = performance.now();
    for (let i = 0; i < o.ops; i++) {
      const s = performance.now();
      const tx = client.transaction();
      tx.addChain({ family: 'inet', table, name: chainName(i) });
      await tx.commit();
      per.push(performance.now() - s);
    }
    rows.push(row('nftlink, 1 transaction per op', per, performance.now() - t0, cpuMs().self - c0.self, o.ops));
    nftlinkChains = chainsOf(table);
    await dropTable(table);
  }

  // 2. nft, one process per operation.
  {
    const table = freshTable();
    const per: number[] = [];
    const c0 = cpuMs();
    const t0 = performance.now();
    for (let i = 0; i < o.nftOps; i++) {
      const s = performance.now();
      nft(['add', 'chain', 'inet', table, chainName(i)]);
      per.push(performance.now() - s);
    }
    rows.push(row('nft, 1 process per op', per, performance.now() - t0, cpuMs().children - c0.children, o.nftOps));
    // Both made the same chains: the listings must agree.
    if (o.nftOps === o.ops && chainsOf(table) !== nftlinkChains) throw new Error('nftlink and nft produced different tables');
    await dropTable(table);
  }

  // 3. nft -f, all operations in one file (per op = run time / ops), and
  // 4. nftlink, all operations in one transaction; runs alternate.
  const filePer: number[] = [];
  const batchPer: number[] = [];
  let fileTotal = 0;
  let batchTotal = 0;
  let fileCpu = 0;
  let batchCpu = 0;
  for (let run = 0; run < o.fileRuns; run++) {
    let table = freshTable();
    const file = Array.from({ length: o.ops }, (_, i) => `add chain inet ${table} ${chainName(i)}`).join('\n') + '\n';
    let c = cpuMs();
    let s = performance.now();
    nft(['-f', '-'], file);
    const f = performance.now() - s;
    fileCpu += cpuMs().children - c.children;
    fileTotal += f;
    filePer.push(f / o.ops);
    await dropTable(table);

    table = freshTable();
    c = cpuMs();
    s = performance.now();
    const tx = client.transaction();
    for (let i = 0; i < o.ops; i++) tx.addChain({ family: 'inet', table, name: chainName(i) });
    await tx.commit();
    const b = performance.now() - s;
    batchCpu += cpuMs().self - c.self;
    batchTotal += b;
    batchPer.push(b / o.ops);
    await dropTable(table);
  }
  await client.close();
  rows.push(row(`nft -f, ${o.ops} ops in one file`, filePer, fileTotal / o.fileRuns, fileCpu / o.fileRuns, o.ops));
  rows.push(row(`nftlink, ${o.ops} ops in one transaction`, batchPer, batchTotal / o.fileRuns, batchCpu / o.fileRuns, o.ops));

  process.stdout.write(JSON.stringify(rows));
}

function report(rows: Row[], load: [number[], number[]]): string {
  const base = rows[0]!.medianMs;
  const lines = [
    `nftlink vs nft: adding chains (${new Date().toISOString()})`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}, ` +
      `${execFileSync('nft', ['--version'], { encoding: 'utf8' }).trim()}, node ${process.version}`,
    `load average before ${load[0].map((l) => l.toFixed(2)).join(' ')}, after ${load[1].map((l) => l.toFixed(2)).join(' ')} ` +
      '(shared machine: medians are the numbers to compare)',
    '',
    `${'method'.padEnd(38)} ${'ops'.padStart(5)} ${'median/op'.padStart(11)} ${'p90/op'.padStart(11)} ${'total'.padStart(11)} ` +
      `${'CPU/op'.padStart(10)} ${'median/op vs row 1'.padStart(19)}`,
  ];
  for (const r of rows) {
    const ratio = r.medianMs / base;
    lines.push(`${r.method.padEnd(38)} ${String(r.operations).padStart(5)} ${fmt(r.medianMs).padStart(11)} ${fmt(r.p90Ms).padStart(11)} ` +
      `${fmt(r.totalMs).padStart(11)} ${fmt(r.cpuPerOpMs).padStart(10)} ${`${ratio.toFixed(ratio < 10 ? 2 : 0)}×`.padStart(19)}`);
  }
  const perProcess = rows[1]!.medianMs / base;
  const cpuRatio = rows[1]!.cpuPerOpMs / rows[0]!.cpuPerOpMs;
  lines.push('', `one nft process per op vs one nftlink transaction per op: ${perProcess.toFixed(0)}× the wall time (median), ` +
    `${cpuRatio.toFixed(0)}× the CPU time (expected ≥ 100×: ${perProcess >= 100 ? 'yes' : 'NO'})`);
  lines.push(`nft -f vs one nftlink transaction, ${rows[3]!.operations} ops: ${(rows[2]!.medianMs / rows[3]!.medianMs).toFixed(1)}× the wall time, ` +
    `${(rows[2]!.cpuPerOpMs / rows[3]!.cpuPerOpMs).toFixed(1)}× the CPU time`);
  return lines.join('\n');
}

function fmt(ms: number): string {
  return ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`;
}

async function outer(o: Options): Promise<void> {
  const load0 = loadavg();
  const ns = await Netns.create('bench');
  let out: string;
  try {
    const self = fileURLToPath(import.meta.url);
    const args = ['netns', 'exec', ns.name, process.execPath, self, '--inner', '--netns', ns.path, '--ops', String(o.ops), '--nft-ops', String(o.nftOps),
      '--file-runs', String(o.fileRuns), '--warmup', String(o.warmup)];
    const r = spawnSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60_000 });
    if (r.status !== 0) throw new Error(`the benchmark failed (exit ${r.status ?? r.signal})`);
    out = r.stdout;
  } finally {
    await ns.destroy();
  }
  const rows = JSON.parse(out) as Row[];
  const text = report(rows, [load0, loadavg()]);
  process.stdout.write(text + '\n');
  if (o.json) writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), load: [load0, loadavg()], rows }, null, 2) + '\n');
}

const opts = parseArgs(process.argv.slice(2));
(opts.inner ? inner(opts) : outer(opts)).catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
