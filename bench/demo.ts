// `npm run demo`: kube-proxy's nftables ruleset for 1 000 services, kept in
// sync through nftlink, next to the same changes through `nft -f`.
//
// Everything happens in two throwaway network namespaces (one written by
// nftlink, one by nft), removed at the end — also on an error or Ctrl-C.
// Exits non-zero when something fails.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Nftables } from '../src/client/nftables.js';
import { Reconciler } from '../src/client/reconcile.js';
import { formatRule } from '../src/nftables/rule.js';
import { Netns } from '../test/helpers/netns.js';
import {
  addServices,
  bootstrap,
  churn,
  churnCleanup,
  deleteServices,
  DesiredBuilder,
  fillTransaction,
  nftText,
  RecordingSink,
  Service,
  TransactionSink,
  namedSets,
  type ServiceState,
  type Sink,
  type WorkloadOptions,
} from './workload/index.js';
import type { CommitResult } from '../src/client/commit.js';
import { TransactionError } from '../src/client/errors.js';

const N = 1000;
const K = 10;
const o: WorkloadOptions = { services: N, endpoints: K, shape: 'v135' };
const tty = process.stdout.isTTY === true;
const dim = (s: string): string => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string): string => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s = ''): void => void process.stdout.write(`${s}\n`);

function ms(x: number): string {
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  if (x >= 10) return `${x.toFixed(0)} ms`;
  return `${x.toFixed(1)} ms`;
}

/** A progress line for steps that take a while: a moving bar and the elapsed time. */
async function progress<T>(label: string, work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  let frame = 0;
  const draw = (): void => {
    const w = 24;
    const pos = frame++ % (2 * w - 2);
    const at = pos < w ? pos : 2 * w - 2 - pos;
    const bar = Array.from({ length: w }, (_, i) => (Math.abs(i - at) < 3 ? '█' : '·')).join('');
    process.stdout.write(`\r  ${label} [${bar}] ${ms(performance.now() - t0)}   `);
  };
  const timer = tty ? setInterval(draw, 80) : undefined;
  try {
    return await work();
  } finally {
    if (timer) {
      clearInterval(timer);
      process.stdout.write('\r\x1b[K');
    }
  }
}

/** `nft -f` of a ruleset text inside a namespace; its wall time, parent-side. */
async function nftFile(ns: Netns, text: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'nftlink-demo-'));
  const file = join(dir, 'change.nft');
  writeFileSync(file, text);
  try {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const p = spawn('nsenter', [`--net=${ns.path}`, 'nft', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => void (err += d.toString()));
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`nft -f failed (${code}): ${err.trim().slice(0, 500)}`))));
    });
    return performance.now() - t0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const known = namedSets('v136');

/** The same change through nftlink (timed from the desired objects to the kernel's answer). */
async function viaNftlink(nft: Nftables, write: (out: Sink) => void): Promise<{ wall: number; result: CommitResult; commands: number }> {
  const rec = new RecordingSink();
  write(rec);
  const t0 = performance.now();
  const tx = nft.transaction({ echo: false });
  const sink = new TransactionSink(tx, known);
  rec.replay(sink);
  sink.finish();
  const result = await tx.commit();
  return { wall: performance.now() - t0, result, commands: sink.commands };
}

async function main(): Promise<void> {
  say(bold(`nftlink demo — kube-proxy's nftables ruleset: ${N.toLocaleString('en')} services × ${K} endpoints (v1.35 shape)`));
  const nsLib = await Netns.create('demo-lib');
  const nsNft = await Netns.create('demo-nft');
  const nft = await Nftables.open({ netns: nsLib.path });
  try {
    say(dim(`throwaway network namespaces: ${nsLib.name} (written by nftlink), ${nsNft.name} (written by nft)`));

    // 1. Bootstrap.
    say(`\n${bold('1. Bootstrap')}: kube-proxy's first full sync, one transaction`);
    // Warm the code paths first, as in a controller that has been running.
    await withScratch(async (scratch) => {
      await fillTransaction(scratch.transaction({ echo: false }), (out) => bootstrap({ ...o, services: 200 }, out)).tx.commit();
    });
    const boot = await progress('nftlink', () => viaNftlink(nft, (out) => bootstrap(o, out)));
    const t = boot.result.timings;
    say(`  nftlink   ${ms(boot.wall).padStart(8)}  ${boot.commands.toLocaleString('en')} commands → ${boot.result.messages.toLocaleString('en')} messages, ` +
      `${(boot.result.bytes / 2 ** 20).toFixed(1)} MiB in one sendmsg`);
    say(dim(`            building ${ms(boot.wall - t.encodeMs - t.sendMs - t.replyMs)}, encoding ${ms(t.encodeMs)}, kernel ${ms(t.sendMs)}, replies ${ms(t.replyMs)}`));
    const bootText = nftText((out) => bootstrap(o, out)).text;
    const nftBoot = await progress('nft -f  ', () => nftFile(nsNft, bootText));
    say(`  nft -f    ${ms(nftBoot).padStart(8)}  (${(bootText.length / 2 ** 20).toFixed(1)} MB of text)`);

    // 2. Partial syncs.
    say(`\n${bold('2. Partial syncs')}: changed chains flushed and refilled, map elements added and removed`);
    say(dim('  change                               cmds     nftlink    kernel     nft -f   nft ÷ nftlink'));
    const changes: [string, (out: Sink) => void][] = [
      ['1 service: a pod replaced', (out) => churn(o, out, 0, 1, 1)],
      ['10 services: a pod replaced each', (out) => churn(o, out, 10, 10, 1)],
      ['the 11 stale endpoint chains deleted', (out) => {
        churnCleanup(o, out, 0, 1, 1);
        churnCleanup(o, out, 10, 10, 1);
      }],
      ['5 new services', (out) => addServices(o, out, N, 5)],
      ['5 services removed', (out) => deleteServices(o, out, N, 5)],
    ];
    for (const [label, write] of changes) {
      const lib = await viaNftlink(nft, write);
      const theirs = await nftFile(nsNft, nftText(write).text);
      say(`  ${label.padEnd(36)} ${String(lib.commands).padStart(5)}  ${ms(lib.wall).padStart(9)}  ${ms(lib.result.timings.sendMs).padStart(8)}  ${ms(theirs).padStart(9)}   ${(theirs / lib.wall).toFixed(0).padStart(6)}×`);
    }
    say(dim('  kernel = the kernel\'s own time in sendmsg for nftlink\'s batch: no client can be faster than that.'));
    say(dim('  nft -f spends most of its time reading the whole ruleset back before it writes.'));

    // 3. The reconciler.
    say(`\n${bold('3. Reconciler')}: give the desired state, get the smallest transaction (no listing: it keeps its own record)`);
    await withScratch(async (scratch) => {
      const states: ServiceState[] = Array.from({ length: 300 }, (_, i) => ({ i, endpoints: 5, generation: 0 }));
      const r = new Reconciler(scratch, { family: 'ip', table: 'kube-proxy' });
      // Per-service objects are reused while a service is unchanged: the reconciler caches by object.
      const desired = new DesiredBuilder('v135');
      const first = await r.sync(desired.table(states));
      say(`  first sync (300 services):  ${first.operations} operations — ${first.chainsAdded} chains and ${first.setsAdded} sets added`);
      states[7]!.generation = 1;
      states[42]!.endpoints = 3;
      const second = await r.sync(desired.table(states));
      say(`  one pod moved, one service scaled 5→3:  ${second.operations} operations (${second.chainsAdded} chains added, ${second.chainsRewritten} rewritten, ` +
        `${second.chainsFlushed} flushed, ${second.elementsAdded + second.elementsDeleted} element changes), compared in ${ms(second.diffMs)}`);
      const third = await r.sync(desired.table(states));
      say(`  nothing changed:  ${third.commit ? `${third.operations} operations` : 'no transaction'}${third.chainsDeleted ? ` (${third.chainsDeleted} stale chains deleted after the grace period)` : ''}`);
    });

    // 4. A service chain as nftlink decodes it.
    const svc = new Service(0, K, 1);
    say(`\n${bold('4. A service chain')}, listed by nftlink and printed as \`nft --debug=netlink\` prints it (formatRule):`);
    const rules = await nft.listRules({ family: 'ip', table: 'kube-proxy', chain: svc.serviceChain });
    for (const r of rules) say(formatRule(r).split('\n').map((l) => `  ${l}`).join('\n'));
    if (rules.length === 0) throw new Error(`chain ${svc.serviceChain} has no rules`);

    // 5. A refused transaction.
    say(`\n${bold('5. A refused transaction')} names the operation and the attribute the kernel refused; nothing is applied:`);
    const bad = nft.transaction();
    bad.flushChain({ family: 'ip', table: 'kube-proxy', name: svc.serviceChain });
    bad.deleteChain({ family: 'ip', table: 'kube-proxy', name: 'mark-for-masquerade' });
    try {
      await bad.commit();
      throw new Error('the kernel accepted deleting a chain that rules jump to');
    } catch (e) {
      if (!(e instanceof TransactionError)) throw e;
      say(e.message.split('\n').map((l) => `  ${l}`).join('\n'));
    }
    if ((await nft.listRules({ family: 'ip', table: 'kube-proxy', chain: svc.serviceChain })).length !== rules.length) {
      throw new Error('a refused transaction changed the ruleset');
    }

    say(`\n${bold('6. Clean-up')}: namespaces removed.`);
  } finally {
    await nft.close();
    await nsLib.destroy();
    await nsNft.destroy();
  }
}

async function withScratch<T>(fn: (nft: Nftables) => Promise<T>): Promise<T> {
  const ns = await Netns.create('demo-scratch');
  const nft = await Nftables.open({ netns: ns.path });
  try {
    return await fn(nft);
  } finally {
    await nft.close();
    await ns.destroy();
  }
}

if (process.getuid?.() !== 0) {
  process.stderr.write('npm run demo needs root: it creates network namespaces.\n');
  process.exit(2);
}
const started = performance.now();
main().then(() => {
  say(dim(`\ndone in ${ms(performance.now() - started)}`));
  process.exit(0);
}, (e) => {
  process.stderr.write(`\ndemo failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
