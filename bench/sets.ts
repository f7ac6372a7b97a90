// Sets at scale, nftlink against nft, side by side in one run, in throwaway
// network namespaces (nothing touches this machine's own ruleset):
//
//   1. add 100k IPv4 elements to a set: nftlink vs `nft -f` with one `add element`
//   2. the same into a verdict map keyed ipv4_addr . inet_proto . inet_service
//   3. list the 100k back: nftlink vs `nft list set` and `nft -j list set`
//   4. add one element to a set of 100k: nftlink vs `nft add element`
//
// Reported: medians of RUNS runs, ratios, peak memory, and where nftlink's
// time goes (encode / the kernel's sendmsg / replies for commits; receive vs
// decode for dumps). nft runs are timed around the process, with the cost of
// spawning a trivial process in the namespace measured and subtracted.
//
//   node dist/bench/sets.js            (N=100000 RUNS=5 SINGLE_RUNS=21 by default)

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Nftables, type SetElement } from '../src/index.js';
import { NFT_MSG_GETSETELEM } from '../src/nftables/constants.js';
import { decodeElementList, encodeElementListHeader } from '../src/nftables/element.js';
import { Netns } from '../test/helpers/netns.js';

const N = Number(process.env['N'] ?? 100_000);
const RUNS = Number(process.env['RUNS'] ?? 5);
const SINGLE_RUNS = Number(process.env['SINGLE_RUNS'] ?? 21);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Exec {
  ms: number;
  /** CPU seconds of the command in user space and in the kernel (from /usr/bin/time). */
  user: number;
  sys: number;
  /** Peak RSS of the command, KiB (from /usr/bin/time). */
  rssKb: number;
  code: number;
  stdoutBytes: number;
}

/** Runs a command inside the namespace (nsenter, no shell) under /usr/bin/time; wall time measured here. */
function execIn(ns: Netns, argv: string[]): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('nsenter', [`--net=${ns.path}`, '--', '/usr/bin/time', '-f', '@@%U %S %M', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.length));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      const m = /@@([\d.]+) ([\d.]+) (\d+)\s*$/.exec(err);
      if (code !== 0) reject(new Error(`${argv.join(' ')} failed (${code}): ${err.slice(0, 500)}`));
      else resolve({ ms, user: m ? Number(m[1]) * 1000 : 0, sys: m ? Number(m[2]) * 1000 : 0, rssKb: m ? Number(m[3]) : 0, code: code ?? -1, stdoutBytes: out });
    });
  });
}

/** Peak RSS growth while `fn` runs, sampled every 2 ms, and the CPU time it used (ms, user and kernel). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number; user: number; sys: number }> {
  const cpu0 = process.cpuUsage();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  try {
    const value = await fn();
    const cpu = process.cpuUsage(cpu0);
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakMb: (peak - base) / (1 << 20), user: cpu.user / 1000, sys: cpu.system / 1000 };
  } finally {
    clearInterval(timer);
  }
}

function ipv4(i: number, a = 10): string {
  return `${a}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)) + ' ms';
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

async function main(): Promise<void> {
  console.log(`# nftlink sets benchmark: N=${N}, runs=${RUNS} (single add: ${SINGLE_RUNS}); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'nftlink-bench-'));
  const ns = await Netns.create('bench');
  const nft = await Nftables.open({ netns: ns.path });
  const rows: string[][] = [];
  try {
    const spawnFloor = [] as number[];
    for (let i = 0; i < 11; i++) spawnFloor.push((await execIn(ns, ['true'])).ms);
    const floor = median(spawnFloor);
    console.log(`# spawn floor (nsenter + time + a trivial process): ${fmt(floor)} median, subtracted from nft times`);

    await ns.nftFile(`table inet t {
      chain c0 { }
      chain c1 { }
      set s { type ipv4_addr; }
      map vm { type ipv4_addr . inet_proto . inet_service : verdict; }
    }\n`);

    // --- 1 and 2: bulk add --------------------------------------------------------------
    const plain: SetElement[] = [];
    for (let i = 0; i < N; i++) plain.push({ key: ipv4(i) });
    const verdicts = [{ verdict: 'goto' as const, chain: 'c0' }, { verdict: 'goto' as const, chain: 'c1' }];
    const vmap: SetElement[] = [];
    for (let i = 0; i < N; i++) vmap.push({ key: [ipv4(i), i & 1 ? 'udp' : 'tcp', 80 + (i % 1000)], data: verdicts[i & 1]! });
    const fileFor = (set: string, text: (i: number) => string): string => {
      const p = join(dir, `${set}.nft`);
      const parts: string[] = [];
      for (let i = 0; i < N; i++) parts.push(text(i));
      writeFileSync(p, `add element inet t ${set} { ${parts.join(', ')} }\n`);
      return p;
    };
    const files: Record<string, string> = {
      s: fileFor('s', (i) => ipv4(i)),
      vm: fileFor('vm', (i) => `${ipv4(i)} . ${i & 1 ? 'udp' : 'tcp'} . ${80 + (i % 1000)} : goto ${i & 1 ? 'c1' : 'c0'}`),
    };
    for (const [set, els, what] of [['s', plain, `add ${N} IPv4 elements`], ['vm', vmap, `add ${N} vmap elements (ipv4 . proto . port : goto)`]] as const) {
      const lib: number[] = [];
      const kernel: number[] = [];
      const enc: number[] = [];
      const reply: number[] = [];
      const prep: number[] = [];
      const mem: number[] = [];
      const viaNft: number[] = [];
      const nftMem: number[] = [];
      const cpu: { user: number; sys: number }[] = [];
      const nftCpu: { user: number; sys: number }[] = [];
      // One warm-up round (not counted): JIT and socket buffers reach their steady state.
      for (let r = -1; r < RUNS; r++) {
        await ns.nft(['flush', set === 's' ? 'set' : 'map', 'inet', 't', set]);
        const { value, peakMb, user, sys } = await withPeakRss(async () => {
          const t0 = performance.now();
          const tx = nft.transaction();
          tx.addElements({ family: 'inet', table: 't', set, elements: els as SetElement[] });
          const res = await tx.commit();
          return { ms: performance.now() - t0, res };
        });
        if (r < 0) continue;
        lib.push(value.ms);
        kernel.push(value.res.timings.sendMs);
        enc.push(value.res.timings.encodeMs);
        reply.push(value.res.timings.replyMs);
        prep.push(value.ms - value.res.timings.encodeMs - value.res.timings.sendMs - value.res.timings.replyMs);
        mem.push(peakMb);
        cpu.push({ user, sys });
        await ns.nft(['flush', set === 's' ? 'set' : 'map', 'inet', 't', set]);
        const e = await execIn(ns, ['nft', '-f', files[set]!]);
        viaNft.push(e.ms - floor);
        nftMem.push(e.rssKb / 1024);
        nftCpu.push({ user: e.user, sys: e.sys });
      }
      const m = median(lib);
      const cu = median(cpu.map((c) => c.user));
      const cs = median(cpu.map((c) => c.sys));
      rows.push([what, fmt(m), fmt(median(viaNft)), ratio(median(viaNft), m) + ' faster',
        `kernel sendmsg ${fmt(median(kernel))}; nftlink/kernel ${ratio(m, median(kernel))}`,
        `parse+plan ${fmt(median(prep))}, encode ${fmt(median(enc))}, send ${fmt(median(kernel))}, replies ${fmt(median(reply))}`,
        `user ${fmt(cu)} + sys ${fmt(cs)} = ${ratio(cu + cs, cs)} sys / nft user ${fmt(median(nftCpu.map((c) => c.user)))} + sys ${fmt(median(nftCpu.map((c) => c.sys)))}`,
        `+${median(mem).toFixed(0)} MiB / nft ${median(nftMem).toFixed(0)} MiB`]);
    }

    // --- 3: listing 100k ------------------------------------------------------------------
    await ns.nft(['flush', 'set', 'inet', 't', 's']);
    {
      const tx = nft.transaction();
      tx.addElements({ family: 'inet', table: 't', set: 's', elements: plain });
      await tx.commit();
    }
    const rawDump: number[] = [];
    const list: number[] = [];
    const split: { recv: number; decode: number }[] = [];
    const listMem: number[] = [];
    const nftList: number[] = [];
    const nftJson: number[] = [];
    const nftListMem: number[] = [];
    const nftJsonMem: number[] = [];
    const listCpu: { user: number; sys: number }[] = [];
    const rawCpu: { user: number; sys: number }[] = [];
    for (let r = -1; r < RUNS; r++) {
      // The kernel's own dump: the same request, messages counted, nothing decoded.
      let t0 = performance.now();
      let msgs = 0;
      const c0 = process.cpuUsage();
      await nft.dump(NFT_MSG_GETSETELEM, 'inet', (w) => encodeElementListHeader(w, 't', 's'), () => void msgs++);
      const rawMs = performance.now() - t0;
      const rc = process.cpuUsage(c0);
      // nftlink's listing, and the same dump with decoding timed apart.
      const { value, peakMb, user, sys } = await withPeakRss(async () => {
        const t = performance.now();
        const els = await nft.listElements({ family: 'inet', table: 't', set: 's' });
        return { ms: performance.now() - t, n: els.length };
      });
      if (value.n !== N) throw new Error(`listed ${value.n} elements, expected ${N}`);
      if (r < 0) continue;
      rawDump.push(rawMs);
      rawCpu.push({ user: rc.user / 1000, sys: rc.system / 1000 });
      list.push(value.ms);
      listMem.push(peakMb);
      listCpu.push({ user, sys });
      let decode = 0;
      const out: SetElement[] = [];
      t0 = performance.now();
      await nft.dump(NFT_MSG_GETSETELEM, 'inet', (w) => encodeElementListHeader(w, 't', 's'), (m) => {
        const d0 = performance.now();
        decodeElementList(m, (e) => out.push(e));
        decode += performance.now() - d0;
      });
      const total = performance.now() - t0;
      split.push({ recv: total - decode, decode });
      const a = await execIn(ns, ['nft', 'list', 'set', 'inet', 't', 's']);
      nftList.push(a.ms - floor);
      nftListMem.push(a.rssKb / 1024);
      const b = await execIn(ns, ['nft', '-j', 'list', 'set', 'inet', 't', 's']);
      nftJson.push(b.ms - floor);
      nftJsonMem.push(b.rssKb / 1024);
    }
    const lm = median(list);
    rows.push([`list ${N} elements`, fmt(lm), `${fmt(median(nftList))} / -j ${fmt(median(nftJson))}`,
      `${ratio(median(nftList), lm)} / ${ratio(median(nftJson), lm)} faster`,
      `kernel dump ${fmt(median(rawDump))}; nftlink/kernel ${ratio(lm, median(rawDump))}`,
      `receive ${fmt(median(split.map((x) => x.recv)))}, decode ${fmt(median(split.map((x) => x.decode)))} (overlapped)`,
      `user ${fmt(median(listCpu.map((c) => c.user)))} + sys ${fmt(median(listCpu.map((c) => c.sys)))}; bare dump user ${fmt(median(rawCpu.map((c) => c.user)))} + sys ${fmt(median(rawCpu.map((c) => c.sys)))}`,
      `+${median(listMem).toFixed(0)} MiB / nft ${median(nftListMem).toFixed(0)} MiB, -j ${median(nftJsonMem).toFixed(0)} MiB`]);

    // --- 4: one element into a set of 100k ------------------------------------------------------
    const one: number[] = [];
    const oneDef: number[] = [];
    const oneKernel: number[] = [];
    const viaNft: number[] = [];
    for (let r = 0; r < SINGLE_RUNS; r++) {
      let t0 = performance.now();
      let tx = nft.transaction();
      tx.addElements({ family: 'inet', table: 't', set: 's', elements: [{ key: ipv4(r, 11) }] });
      const res = await tx.commit();
      one.push(performance.now() - t0);
      oneKernel.push(res.timings.sendMs);
      t0 = performance.now();
      tx = nft.transaction();
      tx.addElements({ family: 'inet', table: 't', set: 's', definition: { keyType: 'ipv4_addr' }, elements: [{ key: ipv4(r, 12) }] });
      await tx.commit();
      oneDef.push(performance.now() - t0);
      const e = await execIn(ns, ['nft', 'add', 'element', 'inet', 't', 's', `{ ${ipv4(r, 13)} }`]);
      viaNft.push(e.ms - floor);
    }
    const om = median(one);
    rows.push([`add 1 element to a set of ${N}`, `${fmt(om)} (with types given: ${fmt(median(oneDef))})`, fmt(median(viaNft)),
      `${ratio(median(viaNft), om)} / ${ratio(median(viaNft), median(oneDef))} faster`,
      `kernel sendmsg ${fmt(median(oneKernel))}`, 'by value: one GETSET for the types, then the commit', '', '']);

    console.log('');
    const head = ['scenario', 'nftlink (median)', 'nft (median)', 'nft / nftlink', 'kernel', 'nftlink split', 'CPU', 'peak memory'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
    console.log(line(head));
    console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
    for (const r of rows) console.log(line(r));
    console.log(`\n# load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await nft.close();
    await ns.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
