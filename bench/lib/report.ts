// Results: samples per side, medians with min and max, ratios, and their
// markdown, JSON and SVG forms.

import { cpus, loadavg, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { release } from 'node:os';

/** One measurement of one side. */
export interface Sample {
  wallMs: number;
  /** User + system CPU of the side's process during the measured work. */
  cpuMs?: number;
  sysMs?: number;
  /** Peak RSS of the side's process, KiB. */
  rssKB?: number;
  /** nftlink only: assembling operations, encoding, the kernel's sendmsg, reading replies. */
  assembleMs?: number;
  encodeMs?: number;
  sendMs?: number;
  replyMs?: number;
}

export interface Stats {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function stats(xs: number[]): Stats | undefined {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { n: v.length, median, min: v[0]!, max: v[v.length - 1]! };
}

export interface Row {
  scenario: string;
  /** What was done, e.g. 'churn M=10'. */
  case: string;
  services: number;
  shape: string;
  /** Side name → samples (e.g. 'nft -f', 'nftlink', 'kernel floor'). */
  sides: Record<string, Sample[]>;
  /** Transaction size, for context. */
  commands?: number;
  note?: string;
}

export interface SideSummary {
  wall: Stats | undefined;
  cpu: Stats | undefined;
  rssKB: number | undefined;
  split?: { assembleMs: number; encodeMs: number; sendMs: number; replyMs: number };
}

export function summarize(samples: Sample[]): SideSummary {
  const pick = (f: (s: Sample) => number | undefined): number[] => samples.map(f).filter((x): x is number => x !== undefined);
  const out: SideSummary = {
    wall: stats(pick((s) => s.wallMs)),
    cpu: stats(pick((s) => s.cpuMs)),
    rssKB: pick((s) => s.rssKB).reduce((a, b) => Math.max(a, b), 0) || undefined,
  };
  if (samples.some((s) => s.sendMs !== undefined)) {
    out.split = {
      assembleMs: stats(pick((s) => s.assembleMs))?.median ?? 0,
      encodeMs: stats(pick((s) => s.encodeMs))?.median ?? 0,
      sendMs: stats(pick((s) => s.sendMs))?.median ?? 0,
      replyMs: stats(pick((s) => s.replyMs))?.median ?? 0,
    };
  }
  return out;
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function fmtStats(s: Stats | undefined): string {
  if (!s) return '—';
  return s.n > 1 ? `${fmtMs(s.median)} (${fmtMs(s.min)}–${fmtMs(s.max)})` : fmtMs(s.median);
}

function fmtRss(kb: number | undefined): string {
  return kb === undefined ? '—' : `${(kb / 1024).toFixed(0)} MB`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return '—';
  const r = a / b;
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`;
}

/** The side the others are compared with: 'nftlink', or the last nftlink variant. */
function referenceSide(row: Row): string | undefined {
  const names = Object.keys(row.sides);
  if (names.includes('nftlink')) return 'nftlink';
  return names.filter((n) => n.startsWith('nftlink')).pop();
}

/** The floor a side is held against: its own kernel time, or the row's floor side. */
function floorOf(row: Row, name: string, s: SideSummary): number | undefined {
  if (s.split) return s.split.sendMs;
  const own = name.replace(/^nftlink/, 'kernel floor');
  if (own !== name && row.sides[own]) return summarize(row.sides[own]!).wall?.median;
  if (name.startsWith('nftlink') && row.sides['kernel floor']) return summarize(row.sides['kernel floor']!).wall?.median;
  return undefined;
}

/**
 * A markdown table: one line per row and side, with the side's wall time
 * (median, min–max), CPU, peak RSS, the ratio to nftlink's time, nftlink's
 * split, and how far nftlink is from the kernel's own time.
 */
export function markdownTable(rows: Row[]): string {
  const lines = [
    '| scenario | N | case | side | wall median (min–max) | CPU | peak RSS | ÷ nftlink | nftlink: assemble / encode / kernel sendmsg / replies | ÷ kernel floor |',
    '| --- | ---: | --- | --- | --- | ---: | ---: | ---: | --- | ---: |',
  ];
  for (const row of rows) {
    const refName = referenceSide(row);
    const ref = refName ? summarize(row.sides[refName]!) : undefined;
    for (const [name, samples] of Object.entries(row.sides)) {
      const s = summarize(samples);
      const vs = name === refName ? '1×' : name.startsWith('kernel floor') ? '' : ratio(s.wall?.median, ref?.wall?.median);
      let split = '';
      if (s.split) {
        const p = s.split;
        split = `${fmtMs(p.assembleMs)} / ${fmtMs(p.encodeMs)} / ${fmtMs(p.sendMs)} / ${fmtMs(p.replyMs)}`;
      }
      const floor = name.startsWith('nftlink') ? ratio(s.wall?.median, floorOf(row, name, s)) : '';
      const n = row.services ? String(row.services) : '—';
      lines.push(`| ${row.scenario} | ${n} | ${row.case}${row.commands ? ` (${row.commands} cmds)` : ''} | ${name} | ${fmtStats(s.wall)} | ${fmtMs(s.cpu?.median)} | ${fmtRss(s.rssKB)} | ${vs} | ${split} | ${floor} |`);
    }
  }
  return lines.join('\n');
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  nft: string;
  node: string;
  loadavg: number[];
}

export function machine(): Machine {
  let nft = 'unknown';
  try {
    nft = execFileSync('nft', ['--version']).toString().trim();
  } catch {
    // not installed
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    nft,
    node: process.version,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

// --- the chart ---------------------------------------------------------------------

export interface Series {
  name: string;
  color: string;
  /** [N, milliseconds] */
  points: [number, number][];
  dashed?: boolean;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A hand-written SVG line chart: time (log scale) against N. */
export function svgChart(title: string, subtitle: string, series: Series[]): string {
  const W = 720;
  const H = 420;
  const L = 80;
  const R = 180;
  const T = 56;
  const B = 56;
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => y > 0);
  if (xs.length === 0 || ys.length === 0) return '';
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...ys)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys)));
  const xMin = xs[0]!;
  const xMax = xs[xs.length - 1]!;
  const px = (x: number): number => (xMax === xMin ? L + (W - L - R) / 2 : L + ((x - xMin) / (xMax - xMin)) * (W - L - R));
  const py = (y: number): number => T + (1 - (Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin) || 1)) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${L}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="${L}" y="40" fill="#555">${esc(subtitle)}</text>`);
  for (let d = yMin; d <= yMax * 1.0001; d *= 10) {
    const y = py(d);
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 6}" y="${y + 4}" text-anchor="end">${esc(fmtMs(d))}</text>`);
  }
  for (const x of xs) {
    const X = px(x);
    out.push(`<line x1="${X}" x2="${X}" y1="${T}" y2="${H - B}" stroke="#eee"/>`);
    out.push(`<text x="${X}" y="${H - B + 18}" text-anchor="middle">${x >= 1000 ? `${x / 1000}k` : x}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">services (N)</text>`);
  out.push(`<text x="18" y="${(T + H - B) / 2}" transform="rotate(-90 18 ${(T + H - B) / 2})" text-anchor="middle">time (log scale)</text>`);
  series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    if (pts.length === 0) return;
    const d = pts.map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of pts) out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
    const ly = T + 10 + i * 20;
    out.push(`<line x1="${W - R + 16}" x2="${W - R + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${W - R + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
