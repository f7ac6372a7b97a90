// Listing a chain of 10,000 kube-proxy-style rules, side by side in one run:
//   kernel   the kernel's dump, received and parsed into messages, nothing decoded
//   nftlink  nft.listRules({ family, table, chain }): every expression decoded
//   nft      `nft list chain`      nft -j   `nft -j list chain`
// Rounds are interleaved; medians and ratios are reported, and for nftlink the
// split between receiving (the kernel's dump, on the thread pool) and decoding
// (main thread). Also the decoder alone, on the messages of one dump held in
// memory. Everything runs in a throwaway namespace.
// Run: node dist/bench/rules-list.js [--rules N] [--rounds R] [--json FILE]

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Nftables } from '../src/client/nftables.js';
import { NFT_MSG_GETRULE } from '../src/nftables/constants.js';
import { decodeRule, NFTA_RULE_CHAIN, NFTA_RULE_TABLE, type Rule } from '../src/nftables/rule.js';
import type { MessageView } from '../src/netlink/message.js';
import { Netns, run } from '../test/helpers/netns.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const RULES = arg('rules', 10_000);
const ROUNDS = arg('rounds', 9);
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

export function kubeProxyChain(n: number): string {
  const lines = ['table ip kp {', '  chain x { }', '  chain c {'];
  for (let i = 0; i < n; i++) {
    lines.push(`    ip daddr 10.0.${Math.floor(i / 250)}.${(i % 250) + 1} ip saddr != 10.0.0.0/8 tcp dport 80 counter meta mark set mark or 0x4000 jump x`);
  }
  lines.push('  }', '}');
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const ns = await Netns.create('bench');
  const nft = await Nftables.open({ netns: ns.path });
  try {
    await ns.nftFile(kubeProxyChain(RULES));
    const filter = (w: { str(t: number, s: string): void }): void => {
      w.str(NFTA_RULE_TABLE, 'kp');
      w.str(NFTA_RULE_CHAIN, 'c');
    };
    const nftCmd = (json: boolean): number => {
      const t0 = performance.now();
      const r = spawnSync('ip', ['netns', 'exec', ns.name, 'nft', ...(json ? ['-j'] : []), 'list', 'chain', 'ip', 'kp', 'c'], { maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(`nft failed: ${r.stderr}`);
      return performance.now() - t0;
    };
    // `ip netns exec` costs something of its own: measured and reported, not subtracted.
    const spawnCost = (): number => {
      const t0 = performance.now();
      spawnSync('ip', ['netns', 'exec', ns.name, 'true']);
      return performance.now() - t0;
    };

    const kernel: number[] = [];
    const kernelCpu: number[] = [];
    const listingCpu: number[] = [];
    const listing: number[] = [];
    const decodeInListing: number[] = [];
    const nftText: number[] = [];
    const nftJson: number[] = [];
    const spawn: number[] = [];
    let bytes = 0;
    let count = 0;
    // Warm-up: JIT, buffers.
    await nft.listRules({ family: 'ip', table: 'kp', chain: 'c' });
    for (let round = 0; round < ROUNDS; round++) {
      let t0 = performance.now();
      let c0 = process.cpuUsage();
      let b = 0;
      let n = 0;
      await nft.dump(NFT_MSG_GETRULE, 'ip', filter, (m) => {
        b += m.end - m.start;
        n++;
      });
      kernel.push(performance.now() - t0);
      kernelCpu.push(cpuMs(process.cpuUsage(c0)));
      bytes = b;

      // What listRules does, with the decoding timed apart.
      t0 = performance.now();
      c0 = process.cpuUsage();
      let dec = 0;
      const out: Rule[] = [];
      await nft.dump(NFT_MSG_GETRULE, 'ip', filter, (m) => {
        const d0 = performance.now();
        out.push(decodeRule(m));
        dec += performance.now() - d0;
      });
      listing.push(performance.now() - t0);
      listingCpu.push(cpuMs(process.cpuUsage(c0)));
      decodeInListing.push(dec);
      count = out.length;
      if (count !== RULES || n !== RULES) throw new Error(`listed ${count}/${n} rules, expected ${RULES}`);

      nftText.push(nftCmd(false));
      nftJson.push(nftCmd(true));
      spawn.push(spawnCost());
    }
    // listRules itself (no per-message timers), for the record.
    const api: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      const rs = await nft.listRules({ family: 'ip', table: 'kp', chain: 'c' });
      api.push(performance.now() - t0);
      if (rs.length !== RULES) throw new Error('short listing');
    }

    // The decoder alone, on one dump's messages kept in memory.
    const msgs: MessageView[] = [];
    await nft.dump(NFT_MSG_GETRULE, 'ip', filter, (m) => {
      const copy = Buffer.from(m.buf.subarray(m.start, m.end));
      msgs.push({ ...m, buf: copy, start: 0, end: copy.length });
    });
    const decodeOnly: number[] = [];
    for (let round = 0; round < ROUNDS * 2; round++) {
      const t0 = performance.now();
      for (const m of msgs) decodeRule(m);
      decodeOnly.push(performance.now() - t0);
    }

    const k = median(kernel);
    const l = median(listing);
    const a = median(api);
    const result = {
      rules: RULES,
      dumpBytes: bytes,
      rounds: ROUNDS,
      medianMs: {
        kernelDump: +k.toFixed(1),
        nftlinkListRules: +a.toFixed(1),
        nftlinkListingTimed: +l.toFixed(1),
        decodeWithinListing: +median(decodeInListing).toFixed(1),
        decodeOnly: +median(decodeOnly).toFixed(1),
        kernelDumpCpu: +median(kernelCpu).toFixed(1),
        listingCpu: +median(listingCpu).toFixed(1),
        nftList: +median(nftText).toFixed(1),
        nftJsonList: +median(nftJson).toFixed(1),
        ipNetnsExecAlone: +median(spawn).toFixed(1),
      },
      ratios: {
        listRulesOverKernelDump: +(a / k).toFixed(2),
        nftListOverListRules: +(median(nftText) / a).toFixed(2),
        nftJsonOverListRules: +(median(nftJson) / a).toFixed(2),
      },
      decodeRulesPerSecond: Math.round(RULES / (median(decodeOnly) / 1000)),
      samplesMs: { kernel, listing, api, nftText, nftJson },
    };
    console.log(`listing a chain of ${RULES} kube-proxy rules (${(bytes / 1e6).toFixed(1)} MB dumped), medians of ${ROUNDS} interleaved rounds:`);
    console.log(`  kernel dump (received, not decoded) ${k.toFixed(1)} ms`);
    console.log(`  nftlink listRules                   ${a.toFixed(1)} ms = ${(a / k).toFixed(2)}x the kernel's dump (target <= 1.25x)`);
    console.log(`    of which decoding (main thread)   ${median(decodeInListing).toFixed(1)} ms of a ${l.toFixed(1)} ms timed listing; receiving overlaps it on the thread pool`);
    console.log(`  CPU (user+sys, all threads): kernel dump ${median(kernelCpu).toFixed(1)} ms, listing ${median(listingCpu).toFixed(1)} ms`);
    console.log(`  nft list chain                      ${median(nftText).toFixed(1)} ms = ${(median(nftText) / a).toFixed(2)}x nftlink`);
    console.log(`  nft -j list chain                   ${median(nftJson).toFixed(1)} ms = ${(median(nftJson) / a).toFixed(2)}x nftlink`);
    const load = (await import('node:os')).loadavg()[0]!;
    console.log(`  (machine load average ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs)`);
    console.log(`  (ip netns exec alone                ${median(spawn).toFixed(1)} ms, included in the nft figures)`);
    console.log(`  decoder alone: ${median(decodeOnly).toFixed(1)} ms = ${result.decodeRulesPerSecond.toLocaleString('en')} rules/s`);
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 1) + '\n');
  } finally {
    await nft.close();
    await ns.destroy();
  }
}

void run;
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
