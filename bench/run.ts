// npm run bench -- --scenario S1|S2|S3|S4|S5[,…] [--services N[,N…]] [--shape v135|v136]
//                  [--reps R] [--json FILE] [--svg DIR] [--counts 1,10,100] [--elements M]
//                  [--strategies table,chains,parallel]
//
// Runs the kube-proxy scenarios of workload.md §6, nftlink and nft side by
// side in fresh network namespaces, and prints a markdown table (medians,
// min–max, CPU, peak RSS, ratios, nftlink's time split and how close it comes
// to the kernel's own time). --json writes every sample; an SVG chart of time
// against N goes to bench/results/ when more than one N was measured.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RuleDumpStrategy } from '../src/client/list.js';
import { machine, markdownTable, summarize, svgChart, type Row, type Series } from './lib/report.js';
import { s1, s2, s3, s4, s5, type Context } from './scenarios.js';
import type { Shape } from './workload/index.js';

const USAGE = `usage: npm run bench -- --scenario S1|S2|S3|S4|S5[,…] [--services N[,N…]] [--shape v135|v136]
        [--reps R] [--json FILE] [--svg DIR] [--counts 1,10,100] [--elements M] [--strategies table,chains,parallel]`;

function list(v: string | undefined, def: number[]): number[] {
  if (!v) return def;
  return v.split(',').map((x) => {
    const m = /^(\d+(?:\.\d+)?)(k?)$/i.exec(x.trim());
    if (!m) throw new Error(`not a number: ${x}`);
    return Math.round(Number(m[1]) * (m[2] ? 1000 : 1));
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      services: { type: 'string' },
      shape: { type: 'string', default: 'v135' },
      endpoints: { type: 'string', default: '10' },
      reps: { type: 'string', default: '5' },
      json: { type: 'string' },
      svg: { type: 'string' },
      counts: { type: 'string' },
      elements: { type: 'string', default: '100000' },
      strategies: { type: 'string', default: 'table,chains,parallel' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.scenario) {
    process.stdout.write(USAGE + '\n');
    return values.help ? 0 : 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('the benchmarks create network namespaces: run them as root\n');
    return 2;
  }
  const shape = values.shape as Shape;
  if (shape !== 'v135' && shape !== 'v136') throw new Error('--shape is v135 or v136');
  const scenarios = values.scenario.toUpperCase().split(',');
  const services = list(values.services, [1000]);
  const ctx: Context = {
    shape,
    endpoints: Number(values.endpoints),
    reps: Math.max(1, Number(values.reps)),
    counts: list(values.counts, [1, 10, 100]),
    elements: list(values.elements, [100000])[0]!,
    strategies: values.strategies!.split(',') as RuleDumpStrategy[],
    log: (m) => process.stderr.write(`${m}\n`),
  };
  const before = machine();
  const started = new Date();
  const rows: Row[] = [];
  for (const s of scenarios) {
    ctx.log(`${s}:`);
    if (s === 'S3') {
      rows.push(...await s3(ctx));
      continue;
    }
    for (const n of services) {
      switch (s) {
        case 'S1': rows.push(...await s1(ctx, n)); break;
        case 'S2': rows.push(...await s2(ctx, n)); break;
        case 'S4': rows.push(...await s4(ctx, n)); break;
        case 'S5': rows.push(...await s5(ctx, n)); break;
        default: throw new Error(`unknown scenario ${s}\n${USAGE}`);
      }
    }
  }
  const after = machine();
  const header = [
    `nftlink benchmarks, ${started.toISOString()} — ${before.cpu}, ${before.cores} cores, ${before.memoryGiB} GiB, kernel ${before.kernel}, ${before.nft}, node ${before.node}`,
    `load average before ${before.loadavg.join(' / ')}, after ${after.loadavg.join(' / ')}; ${ctx.reps} repetitions; shape ${shape}, K=${ctx.endpoints}`,
    'wall = the measured work: for nft the whole process (parse, cache fill, kernel), for nftlink from desired objects to the kernel\'s answer in a warm process; CPU = user+system of that process; kernel floor = the kernel\'s own time (sendmsg of nftlink\'s batch, or the same dumps read and discarded)',
  ];
  process.stdout.write(`${header.join('\n')}\n\n${markdownTable(rows)}\n`);
  if (values.json) {
    writeFileSync(values.json, JSON.stringify({ started: started.toISOString(), machine: before, loadavgAfter: after.loadavg, options: { ...values }, rows: rows.map((r) => ({ ...r, summary: Object.fromEntries(Object.entries(r.sides).map(([k, v]) => [k, summarize(v)])) })) }, null, 2));
    ctx.log(`wrote ${values.json}`);
  }
  const svgDir = values.svg ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../bench/results');
  for (const s of scenarios) {
    const charted = chartFor(s, rows.filter((r) => r.scenario === s), `${before.cpu}, ${before.cores} cores, load ${before.loadavg[0]}; ${shape}, K=${ctx.endpoints}`);
    if (!charted) continue;
    mkdirSync(svgDir, { recursive: true });
    const file = join(svgDir, `${s.toLowerCase()}-${shape}.svg`);
    writeFileSync(file, charted);
    ctx.log(`wrote ${file}`);
  }
  return 0;
}

const COLORS = { nft: '#d62728', nftlink: '#1f77b4', floor: '#2ca02c', nftj: '#ff7f0e' };

/** A chart of the scenario's main case against N, when there is more than one N. */
function chartFor(s: string, rows: Row[], subtitle: string): string | undefined {
  const ns = new Set(rows.map((r) => r.services));
  if (ns.size < 2) return undefined;
  const pick = (caseName: string, sides: [string, string, string, boolean?][]): Series[] => sides.map(([side, name, color, dashed]) => ({
    name,
    color,
    ...(dashed ? { dashed } : {}),
    points: rows.filter((r) => r.case === caseName && r.sides[side]).map((r) => [r.services, summarize(r.sides[side]!).wall?.median ?? 0] as [number, number]).filter((p) => p[1] > 0),
  }));
  switch (s) {
    case 'S1': {
      // The chunked bootstrap is measured at every N.
      const chunked = rows.filter((r) => r.case.includes('transactions of'));
      const series = (side: string, name: string, color: string, dashed?: boolean): Series => ({
        name, color, ...(dashed ? { dashed } : {}),
        points: chunked.filter((r) => r.sides[side]).map((r) => [r.services, summarize(r.sides[side]!).wall?.median ?? 0] as [number, number]),
      });
      return svgChart('S1: bootstrap in 1 000-service transactions', subtitle, [series('nft -f', 'nft -f', COLORS.nft), series('nftlink', 'nftlink', COLORS.nftlink), series('kernel floor', 'kernel (sendmsg)', COLORS.floor, true)]);
    }
    case 'S2':
      return svgChart('S2: partial sync, one service churned (M=1)', subtitle, [
        ...pick('churn M=1', [['nft -f', 'nft -f, M=1', COLORS.nft], ['nftlink', 'nftlink, M=1', COLORS.nftlink], ['kernel floor', 'kernel, M=1', COLORS.floor, true]]),
        ...pick('churn M=100', [['nft -f', 'nft -f, M=100', '#9467bd'], ['nftlink', 'nftlink, M=100', '#17becf']]),
      ]);
    case 'S4': {
      const strategy = Object.keys(rows[0]?.sides ?? {}).filter((k) => k.startsWith('nftlink ')).pop() ?? 'nftlink parallel';
      const floor = strategy.replace('nftlink', 'kernel floor');
      return svgChart('S4: list the table, every rule decoded', subtitle, pick('list the whole table, every rule decoded (streamed)', [
        ['nft list table', 'nft list table', COLORS.nft], ['nft -j list table', 'nft -j list table', COLORS.nftj], [strategy, strategy, COLORS.nftlink], [floor, floor, COLORS.floor, true]]));
    }
    case 'S5':
      return svgChart('S5: one operation (nft: one process)', subtitle, pick('one operation: add element', [['nft (one process)', 'nft add element', COLORS.nft], ['nftlink', 'nftlink', COLORS.nftlink], ['kernel floor', 'kernel (sendmsg)', COLORS.floor, true]]));
    default:
      return undefined;
  }
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
