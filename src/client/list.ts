// listTable: one table, whole, as one consistent snapshot — the read a
// controller does to find stale objects or to reconcile. Everything the table
// holds: chains, sets and maps (anonymous ones included) with their elements,
// stateful objects, flowtables, and every rule decoded.
//
// Rules are most of the bytes and the kernel's dump of them is what costs.
// A table-wide GETRULE dump comes in 32 KiB datagrams and the kernel walks
// the table from its start again for every datagram, so its cost grows with
// the square of the table; per-chain dumps cost a fixed few microseconds of
// kernel time each. Strategies (measured side by side in bench/, see
// README "Benchmarks"):
//   'table'    one table-wide dump; cheapest for small tables
//   'chains'   one dump per chain, read inline on this socket
//   'parallel' one dump per chain, spread over worker threads with their own
//              sockets, which fetch while this thread reads the sets'
//              elements and decodes; pays off only with idle cores
//   'auto'     'table' up to AUTO_TABLE_CHAINS chains, then 'chains'
//
// Decoding is a small part of a big listing: at 5k kube-proxy services most
// of the time is the kernel's, building dumps inside sendmsg/recvmsg (element
// dumps look their set up by name in a list, so they cost more the more sets
// the table has).

import { Worker } from 'node:worker_threads';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { NftlinkError, ValidationError } from '../errors.js';
import { AttrWriter } from '../netlink/attr.js';
import { NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST } from '../netlink/constants.js';
import { parseMessages, readNfGen, type MessageView } from '../netlink/message.js';
import { DumpInterruptedError } from '../netlink/socket.js';
import { dumpInline } from '../netlink/syncdump.js';
import { decodeChain, type Chain } from '../nftables/chain.js';
import {
  familyNumber,
  NFT_MSG_GETCHAIN,
  NFT_MSG_GETFLOWTABLE,
  NFT_MSG_GETOBJ,
  NFT_MSG_GETRULE,
  NFT_MSG_GETSET,
  NFT_MSG_GETSETELEM,
  NFT_MSG_NEWRULE,
  NFT_MSG_NEWSETELEM,
  NFTA_FLOWTABLE_TABLE,
  nftMsg,
  nftType,
  type Family,
} from '../nftables/constants.js';
import { decodeElementList, encodeElementListHeader, type SetElement } from '../nftables/element.js';
import { decodeFlowtable, type Flowtable } from '../nftables/flowtable.js';
import { decodeObject, encodeObjectFilter, type NftObject } from '../nftables/object.js';
import { decodeRule, NFTA_RULE_CHAIN, NFTA_RULE_TABLE, type Rule } from '../nftables/rule.js';
import { decodeSet, encodeSetRef, type NftSet } from '../nftables/set.js';
import type { Table } from '../nftables/table.js';
import type { DumpWorkerData, DumpWorkerMessage } from './dump-worker.js';
import { GenerationChangedError, type Nftables } from './nftables.js';

export type RuleDumpStrategy = 'table' | 'chains' | 'parallel';

export interface ListTableOptions {
  /** Read the rules (default true). */
  rules?: boolean;
  /**
   * Hand each rule to this function instead of keeping it (`rules` in the
   * result stays empty): a table of 100k rules is then decoded in full
   * without holding it all. Called in chain order; a snapshot that has to be
   * retried (the ruleset changed meanwhile) calls it again from the start,
   * after `onRestart`.
   */
  onRule?: (r: Rule) => void;
  /** Hand each chain to this function instead of keeping it (`chains` stays empty). */
  onChain?: (c: Chain) => void;
  /** Hand each set, with its elements, to this function instead of keeping it (`sets` stays empty). */
  onSet?: (s: NftSet) => void;
  /** Called before a retried snapshot reads everything again (after the callbacks saw part of a stale state). */
  onRestart?: () => void;
  /** Read every set's elements (default true). */
  elements?: boolean;
  /** How to dump the rules (default 'auto'). */
  strategy?: RuleDumpStrategy | 'auto';
  /** Worker threads for 'parallel' (default 2). */
  workers?: number;
}

/** One table at one generation. */
export interface TableListing {
  generation: number;
  table: Table;
  /** In the kernel's order (empty with `onChain`). */
  chains: Chain[];
  /** Sets and maps, anonymous ones included, with their elements (unless `elements: false`; empty with `onSet`). */
  sets: NftSet[];
  objects: NftObject[];
  flowtables: Flowtable[];
  /** Chain by chain, each chain's rules in order (empty with `rules: false` or `onRule`). */
  rules: Rule[];
  /** How the rules were dumped. */
  strategy: RuleDumpStrategy | 'none';
}

/** Up to this many chains, 'auto' uses one table-wide dump. */
export const AUTO_TABLE_CHAINS = 2000;
const SLICE_MS = 8;
/** Blocks of raw replies from the workers: small enough to decode within a slice. */
const BLOCK_SIZE = 256 << 10;

function dumpRequest(msg: number, family: Family, seq: number, attrs: (w: AttrWriter) => void): Buffer {
  const w = new AttrWriter(256);
  const s = w.beginMessage(nftType(msg), NLM_F_REQUEST | NLM_F_DUMP, seq, familyNumber(family));
  attrs(w);
  w.endMessage(s);
  return w.finish();
}

export async function listTable(nft: Nftables, ref: { family: Family; name: string }, opts: ListTableOptions = {}): Promise<TableListing> {
  const { family, name } = ref;
  if (typeof name !== 'string' || name === '') throw new ValidationError('name', 'a table name is needed');
  const wantRules = opts.rules !== false;
  const workers = opts.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new ValidationError('workers', 'must be an integer in [1, 64]');
  let first = true;
  return nft.snapshot(async (gen) => {
    if (!first) opts.onRestart?.();
    first = false;
    const table = await nft.getTable({ family, name });
    const chains: Chain[] = [];
    const names: string[] = [];
    const sets: NftSet[] = [];
    const objects: NftObject[] = [];
    const flowtables: Flowtable[] = [];
    const onChain = opts.onChain;
    // The kernel does not filter chain dumps by table: other tables' chains are skipped here.
    await nft.dump(NFT_MSG_GETCHAIN, family, undefined, (m) => {
      const c = decodeChain(m);
      if (c.table !== name) return;
      names.push(c.name);
      if (onChain) onChain(c);
      else chains.push(c);
    }, gen);
    await nft.dump(NFT_MSG_GETSET, family, (w) => encodeSetRef(w, { family, table: name }), (m) => sets.push(decodeSet(m)), gen);
    await nft.dump(NFT_MSG_GETOBJ, family, (w) => encodeObjectFilter(w, { table: name }, false), (m) => objects.push(decodeObject(m)), gen);
    await nft.dump(NFT_MSG_GETFLOWTABLE, family, (w) => w.str(NFTA_FLOWTABLE_TABLE, name), (m) => flowtables.push(decodeFlowtable(m)), gen);
    const rules: Rule[] = [];
    const onRule = opts.onRule ?? ((r: Rule) => void rules.push(r));
    let strategy: TableListing['strategy'] = 'none';
    if (wantRules) {
      strategy = opts.strategy === undefined || opts.strategy === 'auto'
        ? (names.length <= AUTO_TABLE_CHAINS ? 'table' : 'chains')
        : opts.strategy;
    }
    const withElements = opts.elements !== false && sets.length > 0;
    // The parallel strategy's workers dump the elements and the rules, split
    // between them; this thread decodes. Otherwise elements are read here.
    const feed = strategy === 'parallel'
      ? new RuleFeed(nft, family, name, withElements ? sets : [], names, gen, Math.min(workers, Math.max(1, names.length + sets.length)), onRule)
      : undefined;
    try {
      if (!feed) {
        if (withElements) await readElements(nft, family, name, sets, gen, opts.onSet);
        else if (opts.onSet) for (const x of sets) opts.onSet(x);
        if (opts.onSet) sets.length = 0;
      }
      if (strategy === 'table') {
        await nft.dump(NFT_MSG_GETRULE, family, (w) => w.str(NFTA_RULE_TABLE, name), (m) => onRule(decodeRule(m)), gen);
      } else if (strategy === 'chains') {
        await rulesByChain(nft, family, name, names, gen, onRule);
      } else if (feed) {
        await feed.finish();
        if (opts.onSet) for (const x of sets) opts.onSet(x);
      }
      if (opts.onSet) sets.length = 0;
    } finally {
      await feed?.close();
    }
    return { generation: gen, table, chains, sets, objects, flowtables, rules, strategy };
  });
}

/** Checks a dumped message against the snapshot's generation. */
function checkMessage(m: MessageView, low: number): void {
  if (readNfGen(m).resId !== low) throw new GenerationChangedError();
  if (m.flags & NLM_F_DUMP_INTR) throw new DumpInterruptedError();
}

/** Every set's elements, one inline dump per set (anonymous sets are many and small). */
async function readElements(nft: Nftables, family: Family, table: string, sets: NftSet[], gen: number, onSet: ((s: NftSet) => void) | undefined): Promise<void> {
  const sock = nft.sock;
  const low = gen & 0xffff;
  await sock.exclusive(async () => {
    const buf = new Uint8Array(1 << 20);
    let slice = performance.now();
    for (let i = 0; i < sets.length; i++) {
      const s = sets[i]!;
      const seq = sock.allocSeq();
      const out: SetElement[] = [];
      const push = (e: SetElement): void => void out.push(e);
      await dumpInline(sock, dumpRequest(NFT_MSG_GETSETELEM, family, seq, (w) => encodeElementListHeader(w, table, s.name)), seq, buf, (m) => {
        checkMessage(m, low);
        decodeElementList(m, push);
      });
      s.elements = out;
      if (onSet) {
        onSet(s);
        // Handed over: not kept while the rules are read (at 10k services
        // the sets' elements are tens of megabytes).
        (sets as (NftSet | undefined)[])[i] = undefined;
      }
      if (performance.now() - slice > SLICE_MS) {
        await yieldToLoop();
        slice = performance.now();
      }
    }
  });
}

/** One inline dump per chain on the client's own socket. */
async function rulesByChain(nft: Nftables, family: Family, table: string, chains: string[], gen: number, onRule: (r: Rule) => void): Promise<void> {
  const sock = nft.sock;
  const low = gen & 0xffff;
  await sock.exclusive(async () => {
    const buf = new Uint8Array(1 << 20);
    const w = new AttrWriter(512);
    const fam = familyNumber(family);
    let slice = performance.now();
    for (const chain of chains) {
      const seq = sock.allocSeq();
      w.reset();
      const s = w.beginMessage(nftType(NFT_MSG_GETRULE), NLM_F_REQUEST | NLM_F_DUMP, seq, fam);
      w.str(NFTA_RULE_TABLE, table);
      w.str(NFTA_RULE_CHAIN, chain);
      w.endMessage(s);
      await dumpInline(sock, w.finish(), seq, buf, (m) => {
        checkMessage(m, low);
        onRule(decodeRule(m));
      });
      if (performance.now() - slice > SLICE_MS) {
        await yieldToLoop();
        slice = performance.now();
      }
    }
  });
}

/**
 * Per-set element dumps and per-chain rule dumps on worker threads, each
 * with a socket of its own and a contiguous share of the sets and chains.
 * The blocks of raw replies they send are decoded on this thread share by
 * share, so rules come out in chain order.
 */
class RuleFeed {
  private readonly shares: { queue: { buf: ArrayBuffer; bytes: number }[]; done: boolean; error?: Error; wake?: () => void }[] = [];
  private readonly started: Worker[] = [];
  private readonly exited = new Set<Worker>();
  private current = 0;
  private readonly low: number;

  private readonly sets = new Map<string, NftSet>();

  constructor(nft: Nftables, family: Family, table: string, sets: NftSet[], chains: string[], gen: number, n: number, private readonly onRule: (r: Rule) => void) {
    this.low = gen & 0xffff;
    for (const s of sets) {
      s.elements = [];
      this.sets.set(s.name, s);
    }
    // Contiguous shares, so that decoding share by share keeps the chains' order.
    const per = Math.ceil(chains.length / n);
    const perSet = Math.ceil(sets.length / n);
    for (let i = 0; i < n; i++) {
      const share: RuleFeed['shares'][number] = { queue: [], done: false };
      this.shares.push(share);
      const data: DumpWorkerData & { kind: string } = {
        kind: 'nftlink-dump',
        netns: nft.netns,
        family: familyNumber(family),
        table,
        sets: sets.slice(i * perSet, (i + 1) * perSet).map((s) => s.name),
        chains: chains.slice(i * per, (i + 1) * per),
        blockSize: BLOCK_SIZE,
      };
      const wk = new Worker(new URL('./dump-worker.js', import.meta.url), { workerData: data });
      this.started.push(wk);
      const wakeUp = (): void => {
        const f = share.wake;
        share.wake = undefined;
        f?.();
      };
      wk.on('message', (msg: DumpWorkerMessage) => {
        if (msg.type === 'block') share.queue.push({ buf: msg.buf, bytes: msg.bytes });
        else if (msg.type === 'done') share.done = true;
        else {
          share.error = msg.errno === 2
            // A chain deleted since the chain dump: the snapshot is stale.
            ? new GenerationChangedError()
            : new NftlinkError(msg.code ?? 'ERR_NFTLINK_DUMP', msg.message);
          share.done = true;
        }
        wakeUp();
      });
      wk.on('error', (e) => {
        share.error ??= e;
        share.done = true;
        wakeUp();
      });
      wk.on('exit', () => {
        this.exited.add(wk);
        if (!share.done) share.error ??= new NftlinkError('ERR_NFTLINK_DUMP', 'a dump worker exited early');
        share.done = true;
        wakeUp();
      });
    }
  }

  private decode(b: { buf: ArrayBuffer; bytes: number }): void {
    const view = new Uint8Array(b.buf, 0, b.bytes);
    for (const m of parseMessages(view, 0, view.length)) {
      const t = nftMsg(m.type);
      if (t === NFT_MSG_NEWRULE) {
        checkMessage(m, this.low);
        this.onRule(decodeRule(m));
      } else if (t === NFT_MSG_NEWSETELEM) {
        checkMessage(m, this.low);
        const list = decodeElementList(m);
        const set = this.sets.get(list.set);
        if (set) set.elements!.push(...list.elements);
      }
    }
  }

  /** Decodes everything, waiting for the workers. */
  async finish(): Promise<void> {
    let slice = performance.now();
    while (this.current < this.shares.length) {
      const share = this.shares[this.current]!;
      const b = share.queue.shift();
      if (b) {
        this.decode(b);
        if (performance.now() - slice > SLICE_MS) {
          await yieldToLoop();
          slice = performance.now();
        }
        continue;
      }
      if (share.error) throw share.error;
      if (share.done) {
        this.current++;
        continue;
      }
      await new Promise<void>((resolve) => {
        share.wake = resolve;
      });
    }
  }

  /**
   * Lets the workers end. After a complete listing they exit on their own
   * (they close their sockets before their last message); they are stopped
   * only when the listing was abandoned, or when one has not exited a second
   * after finishing.
   */
  async close(): Promise<void> {
    const finished = this.shares.every((s) => s.done && !s.error);
    await Promise.all(this.started.map((w) => new Promise<void>((resolve) => {
      if (this.exited.has(w)) return resolve();
      const stop = setTimeout(() => void w.terminate().catch(() => undefined).then(() => resolve()), finished ? 1000 : 0);
      w.once('exit', () => {
        clearTimeout(stop);
        resolve();
      });
    })));
  }
}
