// nft.watch(): a live in-memory copy of one table, kept current from the
// monitor's transactions and reloaded whenever the monitor reports lost
// events. A reconciler can read it instead of listing the table before every
// sync (the listing is what dominates kube-proxy's sync time at scale).
//
// The copy holds what the kernel reported. What the kernel changes without
// telling anyone is handled as follows:
//  - reference counts (`use`), a set's element count and base chain counters
//    are left out;
//  - counter and quota values (in rules, objects and elements) are the values
//    reported when the object was added or last changed;
//  - elements with a timeout disappear from the copy when they expire (the
//    kernel drops them without an event), and `expiration` is recomputed;
//  - elements that rules add from the packet path (`update @set`, `add @set`
//    in dynamic sets) are not reported by the kernel: the copy only has the
//    ones added by transactions;
//  - renaming a chain renames every jump and goto to it.

import { NLM_F_APPEND } from '../netlink/constants.js';
import { decodeChain, type Chain } from '../nftables/chain.js';
import {
  NFT_MSG_GETCHAIN,
  NFT_MSG_GETFLOWTABLE,
  NFT_MSG_GETOBJ,
  NFT_MSG_GETRULE,
  NFT_MSG_GETSET,
  NFT_MSG_GETSETELEM,
  NFTA_CHAIN_TABLE,
  NFTA_FLOWTABLE_TABLE,
  NFTA_OBJ_TABLE,
  NFTA_RULE_TABLE,
  type Family,
} from '../nftables/constants.js';
import { decodeElementList, encodeElementListHeader, type ElementList, type SetElement } from '../nftables/element.js';
import { isRawObject } from '../nftables/events.js';
import { decodeFlowtable, type Flowtable } from '../nftables/flowtable.js';
import { decodeObject, objectTypeId, type NftObject } from '../nftables/object.js';
import { decodeRule, type Rule } from '../nftables/rule.js';
import { decodeSet, encodeSetRef, type NftSet, type SetRef } from '../nftables/set.js';
import type { Table } from '../nftables/table.js';
import { NftlinkError } from '../errors.js';
import { generationAfter, Monitor, type ChangeEvent, type TransactionMonitorEvent } from './monitor.js';
import type { Nftables } from './nftables.js';

/**
 * One table as a consistent whole, at one generation. Objects are shared
 * with the cache: treat them as read-only.
 */
export interface TableState {
  family: Family;
  /** The table's name (also when it does not exist). */
  name: string;
  /** The ruleset generation this state is from. */
  generation: number;
  /** The table, or undefined when it does not exist. */
  table: Table | undefined;
  /** Chains in the kernel's order (creation order). */
  chains: Chain[];
  /** Rules chain by chain (in `chains` order), each chain's rules in evaluation order; `position` is the previous rule's handle, as dumps have it. */
  rules: Rule[];
  /**
   * Sets and maps (anonymous ones included) in the kernel's order, each with
   * its `elements`. Element order is not meaningful: the kernel's own order
   * depends on the set's backend.
   */
  sets: NftSet[];
  /** Stateful objects. */
  objects: NftObject[];
  flowtables: Flowtable[];
}

/**
 * A live copy of one table. The interface a reconciler needs:
 * `await w.ready`, then `w.snapshot()` whenever it wants the current state;
 * after committing, `await w.waitForGeneration(result.generation)` to see its
 * own change reflected.
 */
export interface TableWatch {
  readonly family: Family;
  readonly table: string;
  /** Resolves once the first snapshot is loaded; rejects if it cannot be. */
  readonly ready: Promise<void>;
  /** The generation the copy reflects (-1 until ready). */
  readonly generation: number;
  /** How many times the copy was reloaded after lost events (or an inconsistency). */
  readonly resyncs: number;
  /** Set when the watch stopped on an error; snapshot() then throws it. */
  readonly error: Error | undefined;
  /** The current state. Throws before `ready` and after a failure. */
  snapshot(): TableState;
  /** Resolves once the copy reflects `generation` (or a later one). */
  waitForGeneration(generation: number, timeoutMs?: number): Promise<void>;
  /** Calls fn after every applied transaction or reload; returns a function that unsubscribes. */
  onUpdate(fn: (generation: number) => void): () => void;
  close(): Promise<void>;
}

export interface WatchOptions {
  family: Family;
  table: string;
  /** Aborting it closes the watch. */
  signal?: AbortSignal;
  /** Receive buffer of the monitor socket (default 16 MiB). */
  receiveBuffer?: number;
}

const DEFAULT_WAIT_MS = 30_000;

/** Reads one table as one consistent snapshot, in the order `listRuleset` reads a ruleset. */
export async function readTableState(nft: Nftables, ref: { family: Family; table: string }): Promise<TableState> {
  const { family, table: name } = ref;
  return nft.snapshot(async (gen) => {
    let table: Table | undefined;
    try {
      table = await nft.getTable({ family, name });
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
    const chains: Chain[] = [];
    const rules: Rule[] = [];
    const sets: NftSet[] = [];
    const objects: NftObject[] = [];
    const flowtables: Flowtable[] = [];
    if (table) {
      // Dump filters are not all honoured (the kernel ignores NFTA_CHAIN_TABLE on 6.18): filter here too.
      await nft.dump(NFT_MSG_GETCHAIN, family, (w) => w.str(NFTA_CHAIN_TABLE, name), (m) => {
        const c = decodeChain(m);
        if (c.table === name) chains.push(c);
      }, gen);
      await nft.dump(NFT_MSG_GETOBJ, family, (w) => w.str(NFTA_OBJ_TABLE, name), (m) => {
        const o = decodeObject(m);
        if (o.table === name) objects.push(o);
      }, gen);
      await nft.dump(NFT_MSG_GETFLOWTABLE, family, (w) => w.str(NFTA_FLOWTABLE_TABLE, name), (m) => {
        const f = decodeFlowtable(m);
        if (f.table === name) flowtables.push(f);
      }, gen);
      await nft.dump(NFT_MSG_GETSET, family, (w) => encodeSetRef(w, { family, table: name }), (m) => {
        const x = decodeSet(m);
        if (x.table === name) sets.push(x);
      }, gen);
      for (const x of sets) {
        const elements: SetElement[] = [];
        await nft.dump(NFT_MSG_GETSETELEM, family, (w) => encodeElementListHeader(w, name, x.name), (m) => {
          decodeElementList(m, (e) => elements.push(e));
        }, gen);
        x.elements = elements;
      }
      await nft.dump(NFT_MSG_GETRULE, family, (w) => w.str(NFTA_RULE_TABLE, name), (m) => {
        const r = decodeRule(m);
        if (r.table === name) rules.push(r);
      }, gen);
    }
    return { family, name, generation: gen, table, chains, rules, sets, objects, flowtables };
  });
}

/**
 * An object without the fields the cache does not keep (reference counts,
 * base chain counters, a set's element count): apply it to a listed object
 * to compare it with the cache's.
 */
export function withoutVolatile<T extends Table | Chain | NftSet | NftObject | Flowtable>(o: T): T {
  const out = { ...o } as Record<string, unknown>;
  delete out['use'];
  if ('hook' in out || 'policy' in out) delete out['counters'];
  if ('keyType' in out) delete out['count'];
  return out as T;
}

/** What identifies an element inside its set: key, range end, interval end, catch-all. */
export function elementIdentity(e: SetElement): string {
  if (e.catchAll) return '*';
  const hex = (v: unknown): string => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : JSON.stringify(v ?? null));
  return `${hex(e.key)}|${e.keyEnd !== undefined ? hex(e.keyEnd) : ''}|${e.intervalEnd ? 'end' : ''}`;
}

/** A copy of `v` with every verdict naming chain `from` naming `to` instead (`v` itself when none does). */
function replaceVerdictChain<T>(v: T, from: string, to: string): T {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x) => {
      const y = replaceVerdictChain(x, from, to);
      if (y !== x) changed = true;
      return y;
    });
    return (changed ? out : v) as T;
  }
  const o = v as Record<string, unknown>;
  if (typeof o['verdict'] === 'string' && o['chain'] === from) return { ...o, chain: to } as T;
  let copy: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(o)) {
    const y = replaceVerdictChain(x, from, to);
    if (y !== x) (copy ??= { ...o })[k] = y;
  }
  return (copy ?? v) as T;
}

interface RuleNode {
  rule: Rule;
  chain: number;
  prev: RuleNode | undefined;
  next: RuleNode | undefined;
}

interface ChainEntry {
  chain: Chain;
  head: RuleNode | undefined;
  tail: RuleNode | undefined;
}

/** Where a rule was before it was deleted in the current transaction (a replace re-adds it with its handle). */
interface Removed {
  chain: number;
  prev: number | undefined;
  next: number | undefined;
}

interface SetEntry {
  set: NftSet;
  elements: Map<string, { element: SetElement; expiresAt: number | undefined }>;
}

function objectKey(o: NftObject): string {
  return `${o.type === 'unknown' ? o.typeId : objectTypeId(o.type)}\0${o.name}`;
}

/** The table's objects with O(1) rule placement (a doubly linked list per chain). */
export class TableCache {
  table: Table | undefined;
  /** Set when a change could not be applied exactly: the owner must reload. */
  stale = false;
  private chains = new Map<number, ChainEntry>();
  private chainByName = new Map<string, number>();
  private rules = new Map<number, RuleNode>();
  private sets = new Map<string, SetEntry>();
  private objects = new Map<string, NftObject>();
  private flowtables = new Map<string, Flowtable>();

  constructor(readonly family: Family, readonly name: string, private readonly now: () => number = Date.now) {}

  private clear(): void {
    this.table = undefined;
    this.chains.clear();
    this.chainByName.clear();
    this.rules.clear();
    this.sets.clear();
    this.objects.clear();
    this.flowtables.clear();
  }

  load(s: TableState): void {
    this.stale = false;
    this.clear();
    this.table = s.table ? withoutVolatile(s.table) : undefined;
    for (const c of s.chains) this.putChain(c);
    for (const r of s.rules) {
      const h = this.chainByName.get(r.chain);
      if (h === undefined || r.handle === undefined) continue;
      this.insertAfter(h, this.chains.get(h)!.tail?.rule.handle, r);
    }
    for (const x of s.sets) {
      this.putSet(x);
      this.putElements(x.name, x.elements ?? []);
    }
    for (const o of s.objects) this.objects.set(objectKey(o), withoutVolatile(o));
    for (const f of s.flowtables) this.flowtables.set(f.name, withoutVolatile(f));
  }

  state(generation: number): TableState {
    const chains: Chain[] = [];
    const rules: Rule[] = [];
    for (const e of this.chains.values()) {
      chains.push(e.chain);
      for (let n = e.head; n; n = n.next) rules.push(n.rule);
    }
    const now = this.now();
    const sets: NftSet[] = [];
    for (const x of this.sets.values()) {
      const elements: SetElement[] = [];
      for (const [id, { element, expiresAt }] of x.elements) {
        if (expiresAt === undefined) {
          elements.push(element);
        } else if (expiresAt > now) {
          elements.push({ ...element, expiration: expiresAt - now });
        } else {
          // Expired: the kernel has dropped it from its dumps (without telling anyone).
          x.elements.delete(id);
        }
      }
      sets.push({ ...x.set, elements });
    }
    return {
      family: this.family, name: this.name, generation, table: this.table, chains, rules,
      sets, objects: [...this.objects.values()], flowtables: [...this.flowtables.values()],
    };
  }

  private putSet(x: NftSet): void {
    const { elements: _e, ...set } = withoutVolatile(x);
    const e = this.sets.get(x.name);
    if (e) e.set = set;
    else this.sets.set(x.name, { set, elements: new Map() });
  }

  private putElements(set: string, elements: readonly SetElement[]): boolean {
    const e = this.sets.get(set);
    if (!e) return false;
    const now = this.now();
    for (const el of elements) {
      e.elements.set(elementIdentity(el), { element: el, expiresAt: el.expiration !== undefined ? now + el.expiration : undefined });
    }
    return true;
  }

  /**
   * Applies one transaction's changes to this table. Returns false when the
   * changes do not fit the cache (a rule placed after a rule it does not
   * have): the caller then reloads.
   */
  apply(changes: ChangeEvent[]): boolean {
    const removed = new Map<number, Removed>();
    const deferred: { rule: Rule; flags: number }[] = [];
    let ok = true;
    for (const c of changes) {
      if (c.family !== this.family) continue;
      if (isRawObject(c.object)) {
        // A change in this family that does not decode may be ours: only a reload is right.
        this.stale = true;
        continue;
      }
      switch (c.kind) {
        case 'table': {
          const t = c.object as Table;
          if (t.name !== this.name) break;
          if (c.type === 'add') this.table = withoutVolatile(t);
          else this.clear();
          break;
        }
        case 'set': {
          const x = c.object as NftSet | SetRef;
          if (x.table !== this.name) break;
          if (c.type === 'add') {
            this.putSet(x as NftSet);
          } else {
            // A deletion may name the set by handle only.
            const name = x.name ?? [...this.sets.values()].find((e) => e.set.handle === x.handle)?.set.name;
            if (name !== undefined) this.sets.delete(name);
          }
          break;
        }
        case 'element': {
          const l = c.object as ElementList;
          if (l.table !== this.name) break;
          if (c.type === 'add') {
            // Elements of a set this copy does not have cannot be placed: reload.
            if (!this.putElements(l.set, l.elements)) this.stale = true;
          } else {
            const e = this.sets.get(l.set);
            if (e) for (const el of l.elements) e.elements.delete(elementIdentity(el));
          }
          break;
        }
        case 'object': {
          const o = c.object as NftObject;
          if (o.table !== this.name) break;
          if (c.type === 'add') this.objects.set(objectKey(o), withoutVolatile(o));
          else this.objects.delete(objectKey(o));
          break;
        }
        case 'flowtable': {
          const f = c.object as Flowtable;
          if (f.table !== this.name) break;
          if (c.type === 'add') this.flowtables.set(f.name, withoutVolatile(f));
          else this.flowtables.delete(f.name);
          break;
        }
        case 'chain': {
          const ch = c.object as Chain;
          if (ch.table !== this.name || ch.handle === undefined) break;
          if (c.type === 'add') this.putChain(ch);
          else this.dropChain(ch.handle);
          break;
        }
        case 'rule': {
          const r = c.object as Rule;
          if (r.table !== this.name || r.handle === undefined) break;
          if (c.type === 'delete') {
            const n = this.rules.get(r.handle);
            if (n) {
              removed.set(r.handle, { chain: n.chain, prev: n.prev?.rule.handle, next: n.next?.rule.handle });
              this.unlink(n);
            }
          } else if (!this.placeRule(r, c.flags, removed)) {
            deferred.push({ rule: r, flags: c.flags });
          }
          break;
        }
      }
    }
    // Rules placed after a rule the same transaction adds later (the kernel
    // reports each rule's neighbour as of the end of the transaction).
    while (deferred.length) {
      const before = deferred.length;
      for (let i = 0; i < deferred.length;) {
        const d = deferred[i]!;
        if (this.placeRule(d.rule, d.flags, removed)) deferred.splice(i, 1);
        else i++;
      }
      if (deferred.length === before) {
        ok = false;
        break;
      }
    }
    return ok && !this.stale;
  }

  private putChain(c: Chain): void {
    const chain = withoutVolatile(c);
    const h = chain.handle!;
    const e = this.chains.get(h);
    if (e) {
      if (e.chain.name !== chain.name) {
        // A rename: the chain keeps its handle and its rules carry its new name.
        this.chainByName.delete(e.chain.name);
        for (let n = e.head; n; n = n.next) n.rule = { ...n.rule, chain: chain.name };
        this.renameJumps(e.chain.name, chain.name);
      }
      e.chain = chain;
    } else {
      this.chains.set(h, { chain, head: undefined, tail: undefined });
    }
    this.chainByName.set(chain.name, h);
  }

  /**
   * Jumps and gotos name their target, and the kernel lists the target's
   * current name: a rename changes every rule that jumps to it, without an
   * event for those rules.
   */
  private renameJumps(from: string, to: string): void {
    const needle = Buffer.from(from + '\0');
    for (const n of this.rules.values()) {
      let changed = false;
      const exprs = n.rule.exprs.map((x) => {
        if (x.type === 'unknown') {
          // An expression we cannot read may name the chain too: then only a reload is right.
          if (x.data && Buffer.from(x.data).includes(needle)) this.stale = true;
          return x;
        }
        const y = replaceVerdictChain(x, from, to);
        if (y !== x) changed = true;
        return y;
      });
      if (changed) n.rule = { ...n.rule, exprs: exprs as Rule['exprs'] };
    }
    // Verdict maps hold their targets the same way.
    for (const x of this.sets.values()) {
      if (x.set.dataType !== 'verdict') continue;
      for (const entry of x.elements.values()) entry.element = replaceVerdictChain(entry.element, from, to);
    }
  }

  private dropChain(h: number): void {
    const e = this.chains.get(h);
    if (!e) return;
    for (let n = e.head; n; n = n.next) this.rules.delete(n.rule.handle!);
    this.chains.delete(h);
    if (this.chainByName.get(e.chain.name) === h) this.chainByName.delete(e.chain.name);
  }

  /** Places an added rule; false when its reference rule is not there (yet). */
  private placeRule(r: Rule, flags: number, removed: Map<number, Removed>): boolean {
    const ch = this.chainByName.get(r.chain);
    if (ch === undefined) return false;
    const handle = r.handle!;
    const existing = this.rules.get(handle);
    if (existing) {
      // Already known (a reload raced with the event): refresh in place.
      existing.rule = { ...r, ...(existing.rule.position !== undefined ? { position: existing.rule.position } : {}) };
      if (existing.rule.position === undefined) delete existing.rule.position;
      return true;
    }
    const e = this.chains.get(ch)!;
    if (r.position !== undefined) {
      const ref = this.rules.get(r.position);
      if (!ref || ref.chain !== ch) return false;
      this.insertAfter(ch, r.position, r);
      return true;
    }
    const was = removed.get(handle);
    if (was && was.chain === ch) {
      // Replaced: it goes back where it was.
      const prev = was.prev !== undefined ? this.rules.get(was.prev) : undefined;
      const next = was.next !== undefined ? this.rules.get(was.next) : undefined;
      if (prev && prev.chain === ch) this.insertAfter(ch, was.prev, r);
      else if (next && next.chain === ch) this.insertAfter(ch, next.prev?.rule.handle, r);
      else this.insertAfter(ch, e.tail?.rule.handle, r);
      return true;
    }
    // No neighbour: the rule is first or last in its chain, and the append flag says which.
    if (flags & NLM_F_APPEND) this.insertAfter(ch, e.tail?.rule.handle, r);
    else this.insertAfter(ch, undefined, r);
    return true;
  }

  /** Inserts after the rule with handle `after` (at the head when undefined) and fixes `position` fields. */
  private insertAfter(ch: number, after: number | undefined, r: Rule): void {
    const e = this.chains.get(ch)!;
    const prev = after !== undefined ? this.rules.get(after) : undefined;
    const next = prev ? prev.next : e.head;
    const rule: Rule = { ...r };
    if (prev) rule.position = prev.rule.handle!;
    else delete rule.position;
    const n: RuleNode = { rule, chain: ch, prev, next };
    if (prev) prev.next = n;
    else e.head = n;
    if (next) {
      next.prev = n;
      next.rule = { ...next.rule, position: rule.handle! };
    } else {
      e.tail = n;
    }
    this.rules.set(rule.handle!, n);
  }

  private unlink(n: RuleNode): void {
    const e = this.chains.get(n.chain)!;
    if (n.prev) n.prev.next = n.next;
    else e.head = n.next;
    if (n.next) {
      n.next.prev = n.prev;
      const nr: Rule = { ...n.next.rule };
      if (n.prev) nr.position = n.prev.rule.handle!;
      else delete nr.position;
      n.next.rule = nr;
    } else {
      e.tail = n.prev;
    }
    this.rules.delete(n.rule.handle!);
  }
}

export class TableWatchImpl implements TableWatch {
  readonly family: Family;
  readonly table: string;
  readonly ready: Promise<void>;
  generation = -1;
  resyncs = 0;
  error: Error | undefined;
  private readonly cache: TableCache;
  private readonly monitor: Monitor<TransactionMonitorEvent<TableState>, TableState>;
  private loaded = false;
  private closed = false;
  private waiters: { generation: number; resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private listeners = new Set<(g: number) => void>();
  private readonly loop: Promise<void>;

  constructor(nft: Nftables, opts: WatchOptions, onClose?: () => void) {
    this.family = opts.family;
    this.table = opts.table;
    this.cache = new TableCache(opts.family, opts.table);
    this.monitor = new Monitor<TransactionMonitorEvent<TableState>, TableState>({
      netns: nft.netns,
      tracer: nft.sock.tracer,
      snapshot: () => readTableState(nft, { family: opts.family, table: opts.table }),
      ...(onClose ? { onClose } : {}),
    }, {
      groupByTransaction: true,
      initialSnapshot: true,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.receiveBuffer ? { receiveBuffer: opts.receiveBuffer } : {}),
    });
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    // Callers may never await ready; its rejection is also in `error`.
    this.ready.catch(() => undefined);
    this.loop = this.run(readyResolve, readyReject);
  }

  private async run(readyResolve: () => void, readyReject: (e: Error) => void): Promise<void> {
    try {
      for await (const ev of this.monitor) {
        if (ev.type === 'transaction') {
          if (!this.loaded) continue;
          if (!this.cache.apply(ev.changes)) {
            // Cannot happen with a consistent event stream; reload rather than serve a wrong copy.
            this.monitor.resync();
            continue;
          }
          this.advance(ev.generation);
        } else {
          this.cache.load(ev.snapshot);
          if (ev.type === 'overrun' || ev.reason === 'requested') this.resyncs++;
          this.generation = ev.generation;
          if (!this.loaded) {
            this.loaded = true;
            readyResolve();
          }
          this.advance(ev.generation);
        }
      }
      if (!this.loaded) readyReject(new NftlinkError('ERR_NFTLINK_CLOSED', 'the watch was closed before its first snapshot'));
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.error = err;
      readyReject(err);
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(err);
      }
    } finally {
      this.closed = true;
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(this.error ?? new NftlinkError('ERR_NFTLINK_CLOSED', 'the watch is closed'));
      }
    }
  }

  private advance(generation: number): void {
    this.generation = generation;
    if (this.waiters.length) {
      this.waiters = this.waiters.filter((w) => {
        if (generationAfter(w.generation, generation)) return true;
        clearTimeout(w.timer);
        w.resolve();
        return false;
      });
    }
    for (const fn of this.listeners) fn(generation);
  }

  snapshot(): TableState {
    if (this.error) throw this.error;
    if (!this.loaded) throw new NftlinkError('ERR_NFTLINK_NOT_READY', 'the watch has no snapshot yet: await watch.ready first');
    return this.cache.state(this.generation);
  }

  waitForGeneration(generation: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (this.loaded && !generationAfter(generation, this.generation)) return Promise.resolve();
    if (this.closed) return Promise.reject(new NftlinkError('ERR_NFTLINK_CLOSED', 'the watch is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new NftlinkError('ETIMEDOUT', `the watch did not reach generation ${generation} within ${timeoutMs} ms (at ${this.generation})`));
      }, timeoutMs);
      this.waiters.push({ generation, resolve, reject, timer });
    });
  }

  onUpdate(fn: (generation: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async close(): Promise<void> {
    this.monitor.close();
    await this.loop;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
