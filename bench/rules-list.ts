// Listing a chain of 10,000 kube-proxy-style rules, side by side in one run:
//   kernel   the kernel's dump, received and split into messages, nothing decoded
//   nftlink  nft.listRules({ family, table, chain }): every expression decoded
//   nft      `nft list chain`      nft -j   `nft -j list chain`
// Rounds are interleaved; medians and ratios are reported, with CPU time,
// and for nftlink the split between receiving (the kernel builds the dump
// inside recvmsg, on the thread pool) and decoding (the main thread). Also
// the decoder alone, on one dump's messages held in memory.
//
//   npm run bench:rules-list [-- --rules 10000 --rounds 11 --semi-space MB --json out.json]
//
// A listing keeps every rule it decodes, so the young generation's scavenges
// copy all of them; --semi-space runs the measuring process with a larger
// young generation (a deployment setting for controllers that list big
// chains) to show that cost apart.
//
// The script re-runs itself inside a throwaway namespace (`ip netns exec`), so
// nft is spawned directly and nftlink uses the process's own namespace; the
// inner part refuses to run in any other namespace.

import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Nftables } from '../src/client/nftables.js';
import { NFT_MSG_GETRULE } from '../src/nftables/constants.js';
import { decodeRule, NFTA_RULE_CHAIN, NFTA_RULE_TABLE, type Rule } from '../src/nftables/rule.js';
import type { AttrWriter } from '../src/netlink/attr.js';
import type { MessageView } from '../src/netlink/message.js';
import { Netns } from '../test/helpers/netns.js';

interface Options {
  rules: number;
  rounds: number;
  /** --max-semi-space-size (MB) for the measuring process; V8's default when left out. */
  semiSpace?: number;
  json?: string;
  netns?: string;
  inner: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { rules: 10_000, rounds: 11, inner: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--rules') o.rules = num();
    else if (a === '--rounds') o.rounds = num();
    else if (a === '--semi-space') o.semiSpace = num();
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--inner') o.inner = true;
    else if (a === '--netns') o.netns = argv[++i];
    else throw new Error(`unknown option ${a} (known: --rules N, --rounds N, --semi-space MB, --json FILE)`);
  }
  return o;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

/** The benchmark's ruleset: chain c of n rules jumping to x. */
export function kubeProxyChain(n: number): string {
  const lines = ['table ip kp {', '  chain x { }', '  chain c {'];
  for (let i = 0; i < n; i++) {
    lines.push(`    ip daddr 10.0.${Math.floor(i / 250)}.${(i % 250) + 1} ip saddr != 10.0.0.0/8 tcp dport 80 counter meta mark set mark or 0x4000 jump x`);
  }
  lines.push('  }', '}');
  return lines.join('\n') + '\n';
}

interface Result {
  rules: number;
  dumpBytes: number;
  rounds: number;
  /** Medians, milliseconds. */
  wall: { kernelDump: number; listRules: number; listingTimed: number; decodeWithinListing: number; decodeOnly: number; nftList: number; nftJsonList: number };
  /** Fastest rounds, milliseconds (the machine is shared: the floor is the least disturbed figure). */
  best: { kernelDump: number; listRules: number; decodeOnly: number; nftList: number; nftJsonList: number };
  /** Median over rounds of listRules / kernel dump of the same round (pairs run back to back). */
  pairedRatio: number;
  /** Medians of user+sys of this process (all threads), milliseconds; nft's own CPU for the nft runs. */
  cpu: { kernelDump: number; listRules: number; nftList: number; nftJsonList: number };
  samples: Record<string, number[]>;
}

async function inner(o: Options): Promise<void> {
  const here = statSync('/proc/self/ns/net');
  const made = o.netns ? statSync(o.netns) : undefined;
  if (!made || here.ino !== made.ino || here.dev !== made.dev) {
    throw new Error('refusing to run outside the benchmark\'s own throwaway network namespace');
  }
  const load = spawnSync('nft', ['-f', '-'], { input: kubeProxyChain(o.rules), encoding: 'utf8', maxBuffer: 1 << 30 });
  if (load.status !== 0) throw new Error(`loading the ruleset failed: ${load.stderr}`);
  const nft = await Nftables.open();
  try {
    const filter = (w: AttrWriter): void => {
      w.str(NFTA_RULE_TABLE, 'kp');
      w.str(NFTA_RULE_CHAIN, 'c');
    };
    const s: Record<string, number[]> = {
      kernel: [], kernelCpu: [], list: [], listCpu: [], timed: [], decode: [], nft: [], nftCpu: [], nftJson: [], nftJsonCpu: [], decodeOnly: [],
    };
    let bytes = 0;
    // Warm-up: JIT, buffers, the kernel's caches.
    for (let i = 0; i < 3; i++) await nft.listRules({ family: 'ip', table: 'kp', chain: 'c' });
    for (let round = 0; round < o.rounds; round++) {
      // 1. The kernel's dump, received and split into messages only.
      let c0 = process.cpuUsage();
      let t0 = performance.now();
      let b = 0;
      let n = 0;
      await nft.dump(NFT_MSG_GETRULE, 'ip', filter, (m) => {
        b += m.end - m.start;
        n++;
      });
      s.kernel!.push(performance.now() - t0);
      s.kernelCpu!.push(cpuMs(process.cpuUsage(c0)));
      bytes = b;
      if (n !== o.rules) throw new Error(`dumped ${n} rules, expected ${o.rules}`);

      // 2. listRules.
      c0 = process.cpuUsage();
      t0 = performance.now();
      const rules = await nft.listRules({ family: 'ip', table: 'kp', chain: 'c' });
      s.list!.push(performance.now() - t0);
      s.listCpu!.push(cpuMs(process.cpuUsage(c0)));
      if (rules.length !== o.rules) throw new Error(`listed ${rules.length} rules, expected ${o.rules}`);

      // 3. What listRules does, with the decoding timed apart.
      t0 = performance.now();
      let dec = 0;
      const out: Rule[] = [];
      await nft.dump(NFT_MSG_GETRULE, 'ip', filter, (m) => {
        const d0 = performance.now();
        out.push(decodeRule(m));
        dec += performance.now() - d0;
      });
      s.timed!.push(performance.now() - t0);
      s.decode!.push(dec);

      // 4. nft.
      const [w1, c1] = nftCmd(false);
      s.nft!.push(w1);
      s.nftCpu!.push(c1);
      const [w2, c2] = nftCmd(true);
      s.nftJson!.push(w2);
      s.nftJsonCpu!.push(c2);
    }

    // The decoder alone, on one dump's messages kept in memory.
    const msgs: MessageView[] = [];
    await nft.dump(NFT_MSG_GETRULE, 'ip', filter, (m) => {
      const copy = Buffer.from(m.buf.subarray(m.start, m.end));
      msgs.push({ ...m, buf: copy, start: 0, end: copy.length });
    });
    for (let round = 0; round < o.rounds * 2; round++) {
      const t0 = performance.now();
      for (const m of msgs) decodeRule(m);
      s.decodeOnly!.push(performance.now() - t0);
    }
    const r = (x: number): number => +x.toFixed(1);
    const result: Result = {
      rules: o.rules,
      dumpBytes: bytes,
      rounds: o.rounds,
      wall: {
        kernelDump: r(median(s.kernel!)), listRules: r(median(s.list!)), listingTimed: r(median(s.timed!)),
        decodeWithinListing: r(median(s.decode!)), decodeOnly: r(median(s.decodeOnly!)),
        nftList: r(median(s.nft!)), nftJsonList: r(median(s.nftJson!)),
      },
      best: {
        kernelDump: r(Math.min(...s.kernel!)), listRules: r(Math.min(...s.list!)), decodeOnly: r(Math.min(...s.decodeOnly!)),
        nftList: r(Math.min(...s.nft!)), nftJsonList: r(Math.min(...s.nftJson!)),
      },
      pairedRatio: +median(s.list!.map((l, i) => l / s.kernel![i]!)).toFixed(2),
      cpu: { kernelDump: r(median(s.kernelCpu!)), listRules: r(median(s.listCpu!)), nftList: r(median(s.nftCpu!)), nftJsonList: r(median(s.nftJsonCpu!)) },
      samples: s,
    };
    process.stdout.write(JSON.stringify(result));
  } finally {
    await nft.close();
  }
}

/**
 * One nft listing, timed by bash's `time` keyword (real, user and sys of nft
 * alone, without bash's own start): [wall ms, CPU ms].
 */
function nftCmd(json: boolean): [number, number] {
  const cmd = `TIMEFORMAT='%3R %3U %3S'; time nft ${json ? '-j ' : ''}list chain ip kp c > /dev/null`;
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`nft failed: ${r.stderr}`);
  const [real, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return [real! * 1000, (user! + sys!) * 1000];
}

function report(x: Result, load: number[][]): string {
  const w = x.wall;
  const lines = [
    `listing a chain of ${x.rules} kube-proxy rules (${(x.dumpBytes / 1e6).toFixed(1)} MB dumped), medians of ${x.rounds} interleaved rounds`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${load[0]![0]!.toFixed(1)} before, ${load[1]![0]!.toFixed(1)} after`,
    '',
    '                                      wall ms   CPU ms   vs kernel dump   nftlink faster by',
    `  kernel dump (received, not decoded)  ${w.kernelDump.toFixed(1).padStart(7)}  ${x.cpu.kernelDump.toFixed(1).padStart(7)}   1.00x`,
    `  nftlink listRules                    ${w.listRules.toFixed(1).padStart(7)}  ${x.cpu.listRules.toFixed(1).padStart(7)}   ${(w.listRules / w.kernelDump).toFixed(2)}x (target <= 1.25x)`,
    `  nft list chain                       ${w.nftList.toFixed(1).padStart(7)}  ${x.cpu.nftList.toFixed(1).padStart(7)}   ${(w.nftList / w.kernelDump).toFixed(2)}x           ${(w.nftList / w.listRules).toFixed(2)}x`,
    `  nft -j list chain                    ${w.nftJsonList.toFixed(1).padStart(7)}  ${x.cpu.nftJsonList.toFixed(1).padStart(7)}   ${(w.nftJsonList / w.kernelDump).toFixed(2)}x           ${(w.nftJsonList / w.listRules).toFixed(2)}x`,
    '',
    `  round by round, listRules / kernel dump (median of the pairs): ${x.pairedRatio.toFixed(2)}x`,
    `  fastest rounds: kernel dump ${x.best.kernelDump.toFixed(1)} ms, listRules ${x.best.listRules.toFixed(1)} ms (${(x.best.listRules / x.best.kernelDump).toFixed(2)}x), ` +
      `nft ${x.best.nftList.toFixed(1)} ms, nft -j ${x.best.nftJsonList.toFixed(1)} ms, decoder alone ${x.best.decodeOnly.toFixed(1)} ms ` +
      `(${Math.round(x.rules / (x.best.decodeOnly / 1000)).toLocaleString('en')} rules/s)`,
    '',
    `  within a timed listing of ${w.listingTimed.toFixed(1)} ms, decoding took ${w.decodeWithinListing.toFixed(1)} ms on the main thread while the kernel's dump was received on the thread pool`,
    `  the decoder alone: ${w.decodeOnly.toFixed(1)} ms for ${x.rules} rules = ${Math.round(x.rules / (w.decodeOnly / 1000)).toLocaleString('en')} rules/s`,
  ];
  return lines.join('\n');
}

async function outer(o: Options): Promise<void> {
  const load0 = loadavg();
  const ns = await Netns.create('rbench');
  let out: string;
  try {
    const self = fileURLToPath(import.meta.url);
    const v8 = o.semiSpace ? [`--max-semi-space-size=${o.semiSpace}`] : [];
    const args = ['netns', 'exec', ns.name, process.execPath, ...v8, self, '--inner', '--netns', ns.path, '--rules', String(o.rules), '--rounds', String(o.rounds)];
    const r = spawnSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60_000, maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`the benchmark failed (exit ${r.status ?? r.signal})`);
    out = r.stdout;
  } finally {
    await ns.destroy();
  }
  const result = JSON.parse(out) as Result;
  const load = [load0, loadavg()];
  process.stdout.write(`node ${process.version}, V8 young generation: ${o.semiSpace ? `--max-semi-space-size=${o.semiSpace}` : 'default'}\n`);
  process.stdout.write(report(result, load) + '\n');
  if (o.json) writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), load, ...result }, null, 1) + '\n');
}

const opts = parseArgs(process.argv.slice(2));
(opts.inner ? inner(opts) : outer(opts)).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
