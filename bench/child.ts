// The nftlink side of every benchmark, in a process of its own so that its
// CPU time and peak memory are measured the way nft's are (the runner starts
// it under /usr/bin/time). It reads one task per line (JSON) on stdin and
// answers one line each on stdout. What each task times is the library's work
// from desired objects in memory to the kernel's answer: building the
// objects (the controller's model, the counterpart of the text nft is fed) is
// done before the clock starts.

import { createInterface } from 'node:readline';
import { Nftables } from '../src/client/nftables.js';
import type { Transaction } from '../src/client/transaction.js';
import type { SetElement } from '../src/nftables/element.js';
import {
  addServices,
  bootstrap,
  churn,
  churnCleanup,
  deleteServices,
  deleteServicesCleanup,
  namedSets,
  RecordingSink,
  services,
  setup,
  TransactionSink,
  type Sink,
  type WorkloadOptions,
} from './workload/index.js';
import { rawListTable } from './lib/rawlist.js';
import { bulkIps } from './lib/elements.js';
import { ipAddrEq, jump, numgenRandom } from './workload/exprs.js';
import { AttrWriter } from '../src/netlink/attr.js';
import { NLM_F_DUMP, NLM_F_REQUEST } from '../src/netlink/constants.js';
import { NFT_MSG_GETSETELEM, nftType } from '../src/nftables/constants.js';
import { dumpInline } from '../src/netlink/syncdump.js';

import { S5_CHAIN, s5Addr, s5Address, type Task, type TaskResult } from './lib/tasks.js';

const KNOWN = namedSets('v136');

function writer(t: Extract<Task, { kind: 'delta' }>): (out: Sink) => void {
  const o: WorkloadOptions = { services: t.services, endpoints: t.endpoints, shape: t.shape };
  switch (t.delta) {
    case 'churn': return (out) => churn(o, out, t.first, t.count, t.generation);
    case 'churn-cleanup': return (out) => churnCleanup(o, out, t.first, t.count, t.generation);
    case 'add': return (out) => addServices(o, out, t.first, t.count);
    case 'delete': return (out) => deleteServices(o, out, t.first, t.count);
    case 'delete-cleanup': return (out) => deleteServicesCleanup(o, out, t.first, t.count);
  }
}

const clients = new Map<string, Nftables>();
async function client(netns: string): Promise<Nftables> {
  let c = clients.get(netns);
  if (!c) clients.set(netns, (c = await Nftables.open({ netns })));
  return c;
}

interface Clock {
  t0: number;
  c0: NodeJS.CpuUsage;
}
/**
 * The desired objects a task starts from were generated just now, so they sit
 * in V8's young generation, and the first scavenge inside the measured work
 * would copy all of them (10–30 ms for a partial sync of 4 600 commands). A
 * controller's desired state is long-lived (old generation). Two minor
 * collections move them there before the clock starts; unlike a full
 * collection, this leaves compiled code and caches alone.
 */
function settle(): void {
  const gc = (globalThis as { gc?: (o?: { type: 'minor' | 'major' }) => void }).gc;
  if (!gc) return;
  gc({ type: 'minor' });
  gc({ type: 'minor' });
}

function start(): Clock {
  // No forced collection here: a full GC right before the work leaves cold
  // caches and flushed code behind and made small commits several times slower.
  return { t0: performance.now(), c0: process.cpuUsage() };
}
function stop(k: Clock): Pick<TaskResult, 'wallMs' | 'userMs' | 'sysMs' | 'maxRssKB'> {
  const wallMs = performance.now() - k.t0;
  const c = process.cpuUsage(k.c0);
  return { wallMs, userMs: c.user / 1000, sysMs: c.system / 1000, maxRssKB: process.resourceUsage().maxRSS };
}

/** Replays recorded commands into a transaction and commits it, timing both. */
async function commitRecorded(nft: Nftables, rec: RecordingSink): Promise<TaskResult> {
  const k = start();
  const tx: Transaction = nft.transaction({ echo: false });
  const sink = new TransactionSink(tx, KNOWN);
  rec.replay(sink);
  sink.finish();
  const assembleMs = performance.now() - k.t0;
  const r = await tx.commit();
  return { ok: true, ...stop(k), assembleMs, commit: r.timings, operations: r.operations, messages: r.messages, bytes: r.bytes, commits: 1 };
}

/** The same commands as one transaction per command (S5's one-exec-per-operation, through nftlink). */
async function commitEach(nft: Nftables, rec: RecordingSink): Promise<TaskResult> {
  const k = start();
  let ops = 0;
  let sendMs = 0;
  let encodeMs = 0;
  let replyMs = 0;
  for (const call of rec.calls) {
    const one = new RecordingSink();
    one.calls.push(call);
    const tx = nft.transaction({ echo: false });
    const sink = new TransactionSink(tx, KNOWN);
    one.replay(sink);
    sink.finish();
    const r = await tx.commit();
    ops += r.operations;
    sendMs += r.timings.sendMs;
    encodeMs += r.timings.encodeMs;
    replyMs += r.timings.replyMs;
  }
  return { ok: true, ...stop(k), commit: { encodeMs, sendMs, replyMs }, operations: ops, commits: rec.calls.length };
}

async function elements(t: Extract<Task, { kind: 'elements' }>): Promise<TaskResult> {
  const nft = await client(t.netns);
  const ips = bulkIps(t.count);
  if (t.variant === 'list') {
    const k = start();
    const out = await nft.listElements({ family: 'ip', table: 'bench', set: 's3' });
    return { ok: true, ...stop(k), items: out.length };
  }
  if (t.variant === 'list-raw') {
    // The kernel's floor: the same dump, counted and thrown away.
    const k = start();
    let bytes = 0;
    await nft.sock.exclusive(async () => {
      const seq = nft.sock.allocSeq();
      const w = new AttrWriter(128);
      const s = w.beginMessage(nftType(NFT_MSG_GETSETELEM), NLM_F_REQUEST | NLM_F_DUMP, seq, 2);
      w.str(1, 'bench');
      w.str(2, 's3');
      w.endMessage(s);
      await dumpInline(nft.sock, w.finish(), seq, new Uint8Array(1 << 20), (m) => void (bytes += m.end - m.start));
    });
    return { ok: true, ...stop(k), bytes };
  }
  let els: SetElement[];
  if (t.variant === 'vmap') {
    els = ips.map((ip, j) => ({ key: [ip, 'tcp', 80], data: { verdict: 'goto', chain: j & 1 ? 'c1' : 'c0' } }));
  } else if (t.variant === 'one') {
    els = [{ key: '100.127.255.254' }];
  } else {
    els = ips.map((ip) => ({ key: ip }));
  }
  settle();
  const k = start();
  const tx = nft.transaction({ echo: false });
  if (t.variant === 'vmap') {
    tx.addTable({ family: 'ip', name: 'bench' });
    tx.addChain({ family: 'ip', table: 'bench', name: 'c0' });
    tx.addChain({ family: 'ip', table: 'bench', name: 'c1' });
    const s = tx.addSet({ family: 'ip', table: 'bench', name: 'vm', keyType: ['ipv4_addr', 'inet_proto', 'inet_service'], dataType: 'verdict' });
    tx.addElements({ family: 'ip', table: 'bench', set: s, elements: els });
  } else if (t.variant === 'one') {
    tx.addElements({ family: 'ip', table: 'bench', set: 's3', elements: els, definition: { keyType: 'ipv4_addr' } });
  } else {
    tx.addTable({ family: 'ip', name: 'bench' });
    const s = tx.addSet({ family: 'ip', table: 'bench', name: 's3', keyType: 'ipv4_addr' });
    tx.addElements({ family: 'ip', table: 'bench', set: s, elements: els });
  }
  const assembleMs = performance.now() - k.t0;
  const r = await tx.commit();
  return { ok: true, ...stop(k), assembleMs, commit: r.timings, operations: r.operations, messages: r.messages, bytes: r.bytes, commits: 1, items: els.length };
}

/** One operation as its own transaction, into a ruleset that has the kube-proxy table and S5's scratch chain. */
async function singleOp(t: Extract<Task, { kind: 'op' }>): Promise<TaskResult> {
  const nft = await client(t.netns);
  const target = { family: 'ip' as const, table: 'kube-proxy' };
  const k = start();
  const tx = nft.transaction({ echo: false });
  if (t.op === 'element') {
    tx.addElements({ ...target, set: 'cluster-ips', elements: [{ key: s5Address(t.seq) }], definition: { keyType: 'ipv4_addr' } });
  } else if (t.op === 'rule-jump') {
    tx.addRule({ ...target, chain: S5_CHAIN, exprs: [...ipAddrEq('daddr', s5Addr(t.seq)), jump('reject-chain')] });
  } else {
    const set = tx.addSet({
      ...target, name: '__map%d', flags: ['anonymous', 'constant'], keyType: { type: 'integer', bits: 32 }, keyByteorder: 'host',
      dataType: 'verdict', size: 2, elements: [{ key: 0, data: { verdict: 'goto', chain: 'reject-chain' } }, { key: 1, data: { verdict: 'goto', chain: 'reject-chain' } }],
    });
    tx.addRule({ ...target, chain: S5_CHAIN, exprs: [numgenRandom(2), { type: 'lookup', set: '__map%d', setId: set.setId, sreg: 1, dreg: 0 }] });
  }
  const assembleMs = performance.now() - k.t0;
  const r = await tx.commit();
  return { ok: true, ...stop(k), assembleMs, commit: r.timings, operations: r.operations, messages: r.messages, bytes: r.bytes, commits: 1 };
}

async function run(t: Task): Promise<TaskResult> {
  switch (t.kind) {
    case 'bootstrap': {
      const o = { services: t.services, endpoints: t.endpoints, shape: t.shape };
      if (!t.chunk) {
        const rec = new RecordingSink();
        bootstrap(o, rec);
        const nft = await client(t.netns);
        settle();
        return commitRecorded(nft, rec);
      }
      // The skeleton, then services in transactions of `chunk` services.
      // Each transaction's desired objects are generated just before it, off
      // the clock, and dropped after it: the peak RSS is then nftlink's and
      // one chunk's model, not the whole 10k-service model held at once (a
      // controller holds its desired state in whatever form it keeps).
      const nft = await client(t.netns);
      const ranges: [number, number][] = [[-1, -1]];
      for (let from = 0; from < o.services; from += t.chunk) ranges.push([from, Math.min(o.services, from + t.chunk)]);
      let wallMs = 0;
      let userMs = 0;
      let sysMs = 0;
      let assembleMs = 0;
      const sum = { encodeMs: 0, sendMs: 0, replyMs: 0 };
      let operations = 0;
      let messages = 0;
      let bytes = 0;
      for (const [from, to] of ranges) {
        const rec = new RecordingSink();
        if (from < 0) setup(o.shape, rec);
        else services(o, rec, from, to);
        settle();
        const r = await commitRecorded(nft, rec);
        wallMs += r.wallMs!;
        userMs += r.userMs!;
        sysMs += r.sysMs!;
        assembleMs += r.assembleMs!;
        sum.encodeMs += r.commit!.encodeMs;
        sum.sendMs += r.commit!.sendMs;
        sum.replyMs += r.commit!.replyMs;
        operations += r.operations!;
        messages += r.messages!;
        bytes += r.bytes!;
      }
      return { ok: true, wallMs, userMs, sysMs, maxRssKB: process.resourceUsage().maxRSS, assembleMs, commit: sum, operations, messages, bytes, commits: ranges.length };
    }
    case 'delta': {
      const rec = new RecordingSink();
      writer(t)(rec);
      const nft = await client(t.netns);
      settle();
      return t.perOperation ? commitEach(nft, rec) : commitRecorded(nft, rec);
    }
    case 'list': {
      const nft = await client(t.netns);
      const k = start();
      if (t.raw) {
        const r = await rawListTable(nft, 'ip', 'kube-proxy', t.strategy);
        return { ok: true, ...stop(k), bytes: r.bytes, items: r.dumps };
      }
      // Streamed: every object decoded and handed over, none kept (what a
      // controller scanning for stale objects needs); kept: the whole listing in memory.
      let rules = 0;
      const l = await nft.listTable({ family: 'ip', name: 'kube-proxy' }, t.keep
        ? { strategy: t.strategy }
        : { strategy: t.strategy, onRule: () => void rules++, onChain: () => undefined, onSet: () => undefined, onRestart: () => void (rules = 0) });
      if (t.keep) rules = l.rules.length;
      const res: TaskResult = { ok: true, ...stop(k), items: rules };
      // Keep the listing alive until it has been measured.
      if (l.chains.length < 0) console.error('unreachable');
      return res;
    }
    case 'elements':
      return elements(t);
    case 'op':
      return singleOp(t);
    case 'exit':
      return { ok: true };
  }
}

async function main(): Promise<void> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const t = JSON.parse(line) as Task;
    let res: TaskResult;
    try {
      res = await run(t);
    } catch (e) {
      res = { ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
    }
    process.stdout.write(JSON.stringify(res) + '\n');
    if (t.kind === 'exit') break;
  }
  for (const c of clients.values()) await c.close();
}

await main();
