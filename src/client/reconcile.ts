// Reconciliation for controllers: keep one table equal to a desired state
// with the smallest transaction that gets it there — the way kube-proxy's
// partial sync does it, without its bookkeeping.
//
//   const r = new Reconciler(nft, { family: 'ip', table: 'kube-proxy' });
//   await r.sync(desired);        // every time the desired state changes
//
// What a sync sends, in one transaction:
//   - sets and maps that are missing, with their elements; for the others,
//     the element difference (deletions, then additions; a changed value is
//     a deletion and an addition);
//   - chains that are missing, and chains whose content differs from the
//     desired one: `add chain` + `flush chain` + all their rules (a chain is
//     rewritten whole, so no rule handle is ever needed);
//   - chains that are no longer desired are flushed, and deleted by a later
//     sync once they have been stale for `staleChainDelayMs` (in a
//     transaction of their own, before the sync's): kernels before 6.2 may
//     still count a reference from a map element deleted in the same
//     transaction; sets that are no longer desired are deleted at once.
//
// What it compares against is the state source:
//   - 'kernel': the table as listed (nft.listTable) before every sync: always
//     right, also after someone else changed the table; costs a listing;
//   - 'cache' (default): the state the reconciler itself committed last,
//     read from the kernel once at the start and again after any failed
//     commit: no reads at all in the steady state;
//   - a TableWatch (nft.watch): chains and rules as the monitor reports
//     them, so that chains changed by someone else are noticed and
//     rewritten; sets and elements come from the reconciler's own record.
//   - any object implementing StateSource.
//
// Comparing chains: every rule is reduced to a canonical text (registers in
// the kernel's numbering, anonymous sets replaced by their content, counter
// values and in-batch ids left out, the attributes the kernel adds in a dump
// filled in), and a chain's fingerprint is its hook, policy, comment and
// rule texts. Fingerprints of desired chains are cached per object: a
// controller that keeps the DesiredChain objects of unchanged services pays
// nothing for them on the next sync.

import { ValidationError, NftlinkError } from '../errors.js';
import { resolvePriority, type Chain, type ChainHook, type ChainPolicy } from '../nftables/chain.js';
import type { Family } from '../nftables/constants.js';
import { isVerdict, verdictCode, type DataValue } from '../nftables/data.js';
import { prepareElements, type SetElement } from '../nftables/element.js';
import { encodeExprBody, normalizeRegisters, type Expr } from '../nftables/expr/index.js';
import { AttrWriter } from '../netlink/attr.js';
import type { Rule } from '../nftables/rule.js';
import { setShape, type NftSet, type SetShape } from '../nftables/set.js';
import type { CommitResult } from './commit.js';
import type { TableListing } from './list.js';
import type { Nftables } from './nftables.js';
import type { Transaction } from './transaction.js';
import type { TableWatch } from './watch.js';

// --- the desired state ----------------------------------------------------------

/** An anonymous set (or map) bound by one expression of the rule, created with it. */
export interface AnonymousSet {
  /** The set: flags ['anonymous', 'constant'], name template '__set%d' or '__map%d', elements. Family and table come from the rule. */
  set: Omit<NftSet, 'family' | 'table'>;
  /** Index in the rule's exprs of the lookup (or other expression) that names it. */
  expr: number;
}

export interface DesiredRule {
  exprs: Expr[];
  comment?: string;
  anonymous?: AnonymousSet[];
}

export interface DesiredChain {
  name: string;
  hook?: ChainHook;
  policy?: ChainPolicy;
  comment?: string;
  rules: DesiredRule[];
}

/** A named set or map and every element it should hold. */
export type DesiredSet = Omit<NftSet, 'family' | 'table' | 'elements'> & { elements: SetElement[] };

export interface DesiredTable {
  family: Family;
  name: string;
  comment?: string;
  chains: DesiredChain[];
  sets: DesiredSet[];
}

// --- the observed state -----------------------------------------------------------

export interface ObservedChain {
  /** The chain's canonical content; undefined when unknown (it is then rewritten). */
  fingerprint: string | undefined;
  /** Whether it holds no rules (a stale chain that has been flushed). */
  empty: boolean;
}

export interface ObservedSet {
  /** The set's canonical definition (types, flags, timeout …). */
  definition: string;
  /** Canonical element key → canonical data (value or verdict, timeout, comment). */
  elements: Map<string, string>;
}

/** What a state source reports about the owned table. */
export interface ReconcileState {
  exists: boolean;
  chains: Map<string, ObservedChain>;
  sets: Map<string, ObservedSet>;
}

/** Where a reconciler learns what the table holds. */
export interface StateSource {
  /** The table's state now (or as last committed, for sources that trust their record). */
  read(r: Reconciler): Promise<ReconcileState>;
  /** Called after a successful commit with the state it produced. */
  committed?(r: Reconciler, state: ReconcileState, result: CommitResult): Promise<void> | void;
  /** Called after a failed commit: whatever was recorded may be wrong. */
  invalidate?(): void;
}

export interface ReconcilerOptions {
  family: Family;
  table: string;
  /** Default 'cache'. */
  source?: 'kernel' | 'cache' | TableWatch | StateSource;
  /** How long a chain stays flushed before it is deleted (default 1000 ms, as kube-proxy). */
  staleChainDelayMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface SyncResult {
  /** The main transaction's result, when one was sent. */
  commit: CommitResult | undefined;
  /** The stale-chain deletion transaction's result, when one was sent. */
  cleanup: CommitResult | undefined;
  /** Operations sent (both transactions). */
  operations: number;
  chainsAdded: number;
  chainsRewritten: number;
  chainsFlushed: number;
  chainsDeleted: number;
  setsAdded: number;
  setsDeleted: number;
  elementsAdded: number;
  elementsDeleted: number;
  /** Time spent comparing (no kernel work), ms. */
  diffMs: number;
}

// --- canonical forms --------------------------------------------------------------

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function verdictText(v: { verdict: string; chain?: string; code?: number }): string {
  return `v${v.code ?? verdictCode(v as never)}:${v.chain ?? ''}`;
}

function dataText(d: DataValue | unknown): string {
  if (d instanceof Uint8Array) return hex(d);
  if (isVerdict(d)) return verdictText(d);
  return JSON.stringify(d);
}

/** Fields the kernel holds as state, not configuration: left out of comparisons. */
const VOLATILE: Record<string, readonly string[]> = {
  counter: ['bytes', 'packets'],
  quota: ['consumed'],
  last: ['msecs', 'set'],
  connlimit: ['count'],
};

/** Attributes a dump always carries that a writer may leave out, with the value leaving them out means. */
const DUMP_DEFAULTS: Record<string, Record<string, unknown>> = {
  lookup: { flags: 0 },
  bitwise: { op: 'mask-xor' },
  numgen: { offset: 0 },
  dynset: { flags: 0, timeout: 0 },
};

/**
 * What the kernel makes of an expression as written, where it fills in what
 * was left out: nat defaults the range's upper registers to the lower ones
 * and records which ranges are given in its flags.
 */
const KERNEL_VIEW: Record<string, (e: Record<string, unknown>) => Record<string, unknown>> = {
  nat(e) {
    const out = { ...e };
    let flags = typeof e['flags'] === 'number' ? e['flags'] : 0;
    if (e['sregAddrMin'] !== undefined) {
      out['sregAddrMax'] ??= e['sregAddrMin'];
      flags |= 0x1; // NF_NAT_RANGE_MAP_IPS
    }
    if (e['sregProtoMin'] !== undefined) {
      out['sregProtoMax'] ??= e['sregProtoMin'];
      flags |= 0x2; // NF_NAT_RANGE_PROTO_SPECIFIED
    }
    out['flags'] = flags;
    return out;
  },
};


const scratch = new AttrWriter(1024);

/**
 * A text equal for two expressions exactly when the kernel holds the same
 * thing for both: what a writer sends and what a dump returns compare equal.
 * It is the expression's own encoding (as latin1), after the normalisation:
 * registers in dump numbering, what the kernel fills in, volatile state and
 * in-batch ids left out, and an anonymous set's name replaced by its
 * content (`anon` gives it by the name the expression uses).
 */
export function canonicalExpr(e: Expr, anon: (name: string) => string | undefined = () => undefined): string {
  let n = normalizeRegisters(e) as unknown as Record<string, unknown>;
  const view = KERNEL_VIEW[e.type];
  if (view) n = view(n);
  let copy: Record<string, unknown> | undefined = view !== undefined ? n : undefined;
  const put = (k: string, v: unknown): void => {
    copy ??= { ...n };
    copy[k] = v;
  };
  const skip = VOLATILE[e.type];
  if (skip) for (const k of skip) if (n[k] !== undefined) put(k, undefined);
  const defaults = DUMP_DEFAULTS[e.type];
  if (defaults) for (const k in defaults) if (n[k] === undefined) put(k, defaults[k]);
  if (n['setId'] !== undefined) put('setId', undefined);
  if (typeof n['set'] === 'string') {
    const content = anon(n['set']);
    if (content !== undefined) put('set', `anon:${content}`);
  }
  scratch.reset();
  encodeExprBody(scratch, (copy ?? n) as unknown as Expr);
  return scratch.buf.toString('latin1', 0, scratch.pos);
}

function hookText(family: Family, h: ChainHook | undefined): string {
  if (!h) return '';
  const prio = resolvePriority(family, h.priority) ?? h.priority;
  const devs = h.devices ? [...h.devices].sort().join('|') : h.device ?? '';
  return `${h.type ?? 'filter'}/${h.hook}/${prio}/${devs}`;
}

function chainHead(family: Family, c: { hook?: ChainHook; policy?: ChainPolicy; comment?: string }): string {
  return `${hookText(family, c.hook)}|${c.hook ? c.policy ?? 'accept' : ''}|${c.comment ?? ''}`;
}

/** Canonical definition of a set: what must match for its elements to be kept. */
function setDefinitionText(shape: SetShape, s: Omit<NftSet, 'family' | 'table'>): string {
  // 'map', 'concat', 'object' follow from the types; flags that change behaviour are compared as bits.
  return `${shape.keyId}/${shape.keyLen}/${shape.dataId ?? ''}/${shape.dataLen}/${shape.flags}/${s.timeout ?? ''}/${s.comment ?? ''}/${s.objectType ?? ''}`;
}

function elementDataText(data: string, e: { timeout?: number | undefined; comment?: string | undefined }): string {
  return `${data}|${e.timeout ?? ''}|${e.comment ?? ''}`;
}

/** The canonical content of an anonymous set: its definition and sorted elements. */
function anonContent(shape: SetShape, s: Omit<NftSet, 'family' | 'table'>, elements: Map<string, string>): string {
  const keys = [...elements.keys()].sort();
  return `${shape.keyId}/${shape.keyLen}/${shape.dataId ?? ''}/${shape.dataLen}/${shape.flags & ~0x2 /* constant */}{${keys.map((k) => `${k}=${elements.get(k)}`).join(',')}}` + (s.comment ? `#${s.comment}` : '');
}

/**
 * Canonical keys and data of elements as they go on the wire, per caller
 * element (an interval is two wire elements: its start and its end).
 */
function wirePairs(shape: SetShape, elements: readonly SetElement[], label: string): [string, string][][] {
  const out: [string, string][][] = elements.map(() => []);
  if (elements.length === 0) return out;
  const w = prepareElements(shape, elements, { op: label });
  for (let j = 0; j < w.count; j++) {
    const i = w.source[j]!;
    const src = elements[i]!;
    let key = hex(w.keys.subarray(j * w.keyLen, (j + 1) * w.keyLen));
    if (w.hasKeyEnd?.[j]) key += `-${hex(w.keyEnds!.subarray(j * w.keyLen, (j + 1) * w.keyLen))}`;
    if (w.flags[j]) key += `/${w.flags[j]}`;
    let data = '';
    if (shape.data === 'verdict') data = src.data !== undefined ? verdictText(src.data as never) : '';
    else if (w.hasData?.[j]) data = hex(w.data!.subarray(j * w.dataLen, (j + 1) * w.dataLen));
    else if (src.object !== undefined) data = `o:${src.object}`;
    // Timeouts and comments belong to the start element of an interval only.
    out[i]!.push([key, elementDataText(data, w.flags[j]! & 0x1 ? {} : src)]);
  }
  return out;
}

function wireElementMap(shape: SetShape, elements: readonly SetElement[], label: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pairs of wirePairs(shape, elements, label)) for (const [k, v] of pairs) out.set(k, v);
  return out;
}

/** The same map for elements as listed (wire level, raw keys). */
function listedElementMap(elements: readonly SetElement[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of elements) {
    if (!(e.key instanceof Uint8Array) && !e.catchAll) continue;
    let key = e.catchAll ? '*' : hex(e.key as Uint8Array);
    if (e.keyEnd instanceof Uint8Array) key += `-${hex(e.keyEnd)}`;
    const flags = (e.intervalEnd ? 0x1 : 0) | (e.catchAll ? 0x4 : 0) | (e.unknownFlags ?? 0);
    if (flags) key += `/${flags}`;
    const data = e.data !== undefined ? dataText(e.data) : e.object !== undefined ? `o:${e.object}` : '';
    out.set(key, elementDataText(data, e.intervalEnd ? {} : e));
  }
  return out;
}

// --- reading the kernel's state ----------------------------------------------------

/** The reconcile state of a listed table. */
export function stateFromListing(listing: TableListing): ReconcileState {
  const family = listing.table.family;
  const sets = new Map<string, ObservedSet>();
  const anon = new Map<string, string>();
  for (const s of listing.sets) {
    const shape = setShape(s);
    const elements = listedElementMap(s.elements ?? []);
    if (s.flags?.includes('anonymous')) anon.set(s.name, anonContent(shape, s, elements));
    else sets.set(s.name, { definition: setDefinitionText(shape, s), elements });
  }
  const lookupAnon = (n: string): string | undefined => anon.get(n);
  const byChain = new Map<string, Rule[]>();
  for (const r of listing.rules) {
    let l = byChain.get(r.chain);
    if (!l) byChain.set(r.chain, (l = []));
    l.push(r);
  }
  const chains = new Map<string, ObservedChain>();
  for (const c of listing.chains) {
    const rules = byChain.get(c.name) ?? [];
    chains.set(c.name, { fingerprint: chainFingerprint(family, c, rules.map((r) => ruleText(r.exprs, r.comment, lookupAnon))), empty: rules.length === 0 });
  }
  return { exists: true, chains, sets };
}

function ruleText(exprs: readonly Expr[], comment: string | undefined, anon: (name: string) => string | undefined): string {
  let s = '';
  for (const e of exprs) s += canonicalExpr(e, anon);
  return comment !== undefined ? `${s}#${comment}` : s;
}

function chainFingerprint(family: Family, c: { hook?: ChainHook; policy?: ChainPolicy; comment?: string }, rules: string[]): string {
  return `${chainHead(family, c)}\n${rules.join('\n')}`;
}

async function readKernel(r: Reconciler): Promise<ReconcileState> {
  try {
    return stateFromListing(await r.nft.listTable({ family: r.family, name: r.table }));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return { exists: false, chains: new Map(), sets: new Map() };
    throw e;
  }
}

/** The kernel as listed before every sync. */
export const kernelSource: StateSource = { read: readKernel };

/** The reconciler's own record of what it committed, read from the kernel when there is none. */
export class CacheSource implements StateSource {
  private state: ReconcileState | undefined;
  async read(r: Reconciler): Promise<ReconcileState> {
    this.state ??= await readKernel(r);
    return this.state;
  }
  committed(_r: Reconciler, state: ReconcileState): void {
    this.state = state;
  }
  invalidate(): void {
    this.state = undefined;
  }
}

/**
 * Chains and rules from a live table watch; sets and elements from the
 * reconciler's record. A chain the monitor shows with other rules than the
 * ones this reconciler left there (someone else changed it) is rewritten.
 */
export class WatchSource implements StateSource {
  private readonly cache = new CacheSource();
  /** Per chain, the rule handles after our last commit. */
  private handles = new Map<string, string>();

  constructor(readonly watch: TableWatch) {}

  async read(r: Reconciler): Promise<ReconcileState> {
    await this.watch.ready;
    const base = await this.cache.read(r);
    const snap = this.watch.snapshot();
    const rulesByChain = new Map<string, Rule[]>();
    for (const x of snap.rules) {
      let l = rulesByChain.get(x.chain);
      if (!l) rulesByChain.set(x.chain, (l = []));
      l.push(x);
    }
    const chains = new Map<string, ObservedChain>();
    for (const c of snap.chains) {
      const rules = rulesByChain.get(c.name) ?? [];
      const known = base.chains.get(c.name);
      const same = known !== undefined && this.handles.get(c.name) === handleText(rules);
      chains.set(c.name, { fingerprint: same ? known.fingerprint : undefined, empty: rules.length === 0 });
    }
    return { exists: snap.table !== undefined, chains, sets: base.sets };
  }

  async committed(r: Reconciler, state: ReconcileState, result: CommitResult): Promise<void> {
    this.cache.committed(r, state);
    await this.watch.waitForGeneration(result.generation);
    const snap = this.watch.snapshot();
    const byChain = new Map<string, Rule[]>();
    for (const x of snap.rules) {
      let l = byChain.get(x.chain);
      if (!l) byChain.set(x.chain, (l = []));
      l.push(x);
    }
    this.handles = new Map();
    for (const c of snap.chains) this.handles.set(c.name, handleText(byChain.get(c.name) ?? []));
  }

  invalidate(): void {
    this.cache.invalidate();
    this.handles.clear();
  }
}

function handleText(rules: Rule[]): string {
  return rules.map((x) => x.handle).join(',');
}

// --- the reconciler -------------------------------------------------------------------

interface DesiredSetInfo {
  set: DesiredSet;
  shape: SetShape;
  definition: string;
  elements: Map<string, string>;
  /** Canonical key → the caller's element (for additions). */
  byKey: Map<string, SetElement>;
}

const EMPTY_STATS = (): Omit<SyncResult, 'commit' | 'cleanup' | 'diffMs'> => ({
  operations: 0, chainsAdded: 0, chainsRewritten: 0, chainsFlushed: 0, chainsDeleted: 0,
  setsAdded: 0, setsDeleted: 0, elementsAdded: 0, elementsDeleted: 0,
});

export class Reconciler {
  readonly nft: Nftables;
  readonly family: Family;
  readonly table: string;
  readonly source: StateSource;
  private readonly staleDelay: number;
  private readonly now: () => number;
  /** Stale chain → when it was first flushed. */
  private readonly staleSince = new Map<string, number>();
  private readonly chainPrints = new WeakMap<DesiredChain, string>();
  private readonly rulePrints = new WeakMap<DesiredRule, string>();
  private readonly elemPrints = new WeakMap<SetElement, { shape: number; pairs: [string, string][] }>();

  constructor(nft: Nftables, opts: ReconcilerOptions) {
    if (!opts || typeof opts.table !== 'string' || opts.table === '') throw new ValidationError('table', 'a reconciler owns one table: give its name');
    this.nft = nft;
    this.family = opts.family;
    this.table = opts.table;
    const s = opts.source ?? 'cache';
    this.source = s === 'kernel' ? kernelSource : s === 'cache' ? new CacheSource() : isWatch(s) ? new WatchSource(s) : s;
    this.staleDelay = opts.staleChainDelayMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** The fingerprint of a desired chain (cached per object). */
  chainFingerprint(c: DesiredChain): string {
    let f = this.chainPrints.get(c);
    if (f === undefined) {
      const rules = c.rules.map((r) => this.ruleFingerprint(r));
      f = chainFingerprint(this.family, c, rules);
      this.chainPrints.set(c, f);
    }
    return f;
  }

  private ruleFingerprint(r: DesiredRule): string {
    let f = this.rulePrints.get(r);
    if (f === undefined) {
      const anon = new Map<string, string>();
      const byExpr = new Map<number, string>();
      for (const a of r.anonymous ?? []) {
        const full = { ...a.set, family: this.family, table: this.table };
        const shape = setShape(full as NftSet, `anonymous set of a rule`);
        byExpr.set(a.expr, anonContent(shape, a.set, wireElementMap(shape, a.set.elements ?? [], 'anonymous set')));
      }
      let s = '';
      r.exprs.forEach((e, i) => {
        const content = byExpr.get(i);
        const name = (e as { set?: string }).set;
        if (content !== undefined && name !== undefined) anon.set(name, content);
        s += canonicalExpr(e, (n) => anon.get(n));
        anon.clear();
      });
      f = r.comment !== undefined ? `${s}#${r.comment}` : s;
      this.rulePrints.set(r, f);
    }
    return f;
  }

  /**
   * Canonical (key, data) pairs of each element, as it goes on the wire
   * (an interval element is two: its start and its end). Cached per element
   * object, so that only new elements are prepared.
   */
  private elementPrints(shape: SetShape, elements: readonly SetElement[], label: string): [string, string][][] {
    const out: [string, string][][] = new Array(elements.length);
    const fresh: SetElement[] = [];
    const at: number[] = [];
    for (let i = 0; i < elements.length; i++) {
      const e = elements[i]!;
      const c = typeof e === 'object' && e !== null ? this.elemPrints.get(e) : undefined;
      if (c && c.shape === shape.keyId) out[i] = c.pairs;
      else {
        fresh.push(e);
        at.push(i);
      }
    }
    if (fresh.length > 0) {
      const m = wirePairs(shape, fresh, label);
      for (let f = 0; f < fresh.length; f++) {
        const pairs = m[f]!;
        out[at[f]!] = pairs;
        this.elemPrints.set(fresh[f]!, { shape: shape.keyId, pairs });
      }
    }
    return out;
  }

  private desiredSets(d: DesiredTable): Map<string, DesiredSetInfo> {
    const out = new Map<string, DesiredSetInfo>();
    for (const s of d.sets) {
      if (out.has(s.name)) throw new ValidationError('sets', `set ${s.name} is given twice`);
      if (!Array.isArray(s.elements)) throw new ValidationError(`sets.${s.name}.elements`, 'must be an array of elements');
      const full = { ...s, family: this.family, table: this.table } as NftSet;
      const label = `set ${this.family} ${this.table} ${s.name}`;
      const shape = setShape(full, label);
      const prints = this.elementPrints(shape, s.elements, label);
      const elements = new Map<string, string>();
      const byKey = new Map<string, SetElement>();
      for (let i = 0; i < prints.length; i++) {
        for (const [k, v] of prints[i]!) {
          elements.set(k, v);
          byKey.set(k, s.elements[i]!);
        }
      }
      out.set(s.name, { set: s, shape, definition: setDefinitionText(shape, s), elements, byKey });
    }
    return out;
  }

  /**
   * Brings the table to `desired` and returns what was sent. A refused
   * transaction throws its TransactionError; the reconciler then forgets
   * what it had recorded and reads the kernel on the next sync.
   */
  async sync(desired: DesiredTable): Promise<SyncResult> {
    if (desired.family !== this.family || desired.name !== this.table) {
      throw new ValidationError('desired', `this reconciler owns table ${this.family} ${this.table}, not ${desired.family} ${desired.name}`);
    }
    const stats = EMPTY_STATS();
    let state: ReconcileState;
    try {
      state = await this.source.read(this);
    } catch (e) {
      this.source.invalidate?.();
      throw e;
    }
    const t0 = performance.now();
    const now = this.now();

    // Stale chains that have waited long enough go first, in a transaction of their own.
    const desiredChains = new Map<string, DesiredChain>();
    for (const c of desired.chains) {
      if (desiredChains.has(c.name)) throw new ValidationError('chains', `chain ${c.name} is given twice`);
      desiredChains.set(c.name, c);
    }
    const dueForDelete: string[] = [];
    for (const [name, c] of state.chains) {
      if (desiredChains.has(name)) {
        this.staleSince.delete(name);
        continue;
      }
      const since = this.staleSince.get(name);
      if (c.empty && since !== undefined && now - since >= this.staleDelay) dueForDelete.push(name);
    }
    for (const name of this.staleSince.keys()) if (!state.chains.has(name)) this.staleSince.delete(name);
    let cleanup: CommitResult | undefined;
    let diffMs = 0;
    if (dueForDelete.length > 0) {
      const tx = this.nft.transaction({ echo: false });
      for (const name of dueForDelete) tx.deleteChain({ family: this.family, table: this.table, name });
      diffMs += performance.now() - t0;
      try {
        cleanup = await tx.commit();
      } catch (e) {
        this.source.invalidate?.();
        throw e;
      }
      stats.operations += tx.size;
      stats.chainsDeleted = dueForDelete.length;
      for (const name of dueForDelete) {
        state.chains.delete(name);
        this.staleSince.delete(name);
      }
    }

    const t1 = performance.now();
    const tx = this.nft.transaction({ echo: false });
    const next: ReconcileState = { exists: true, chains: new Map(state.chains), sets: new Map(state.sets) };
    const T = { family: this.family, table: this.table };
    if (!state.exists) tx.addTable({ family: this.family, name: this.table, ...(desired.comment !== undefined ? { comment: desired.comment } : {}) });

    // Sets: missing ones with their elements; changed definitions are refused.
    const sets = this.desiredSets(desired);
    const elementOps: (() => void)[] = [];
    for (const [name, d] of sets) {
      const have = state.sets.get(name);
      if (!have) {
        const { elements, ...def } = d.set;
        const op = tx.addSet({ ...def, ...T } as NftSet);
        // Verdicts name chains: the elements go in once the chains exist.
        if (elements.length) elementOps.push(() => tx.addElements({ ...T, set: op, elements }));
        stats.setsAdded++;
        stats.elementsAdded += elements.length;
        next.sets.set(name, { definition: d.definition, elements: d.elements });
        continue;
      }
      if (have.definition !== d.definition) {
        throw new ValidationError('sets', `set ${name} exists with another definition; the kernel cannot change a set's types or flags in place (delete it, or use another name)`);
      }
      const dels: Uint8Array[] = [];
      const adds: SetElement[] = [];
      let intervalDiffers = false;
      for (const [k, v] of have.elements) {
        const want = d.elements.get(k);
        if (want === v) continue;
        if (d.shape.interval) {
          intervalDiffers = true;
          break;
        }
        dels.push(keyBytes(k));
      }
      if (!intervalDiffers) {
        for (const [k, v] of d.elements) {
          if (have.elements.get(k) === v) continue;
          if (d.shape.interval) {
            intervalDiffers = true;
            break;
          }
          adds.push(d.byKey.get(k)!);
        }
      }
      if (intervalDiffers) {
        // Interval sets are rewritten whole: their ranges split and merge on the wire.
        elementOps.push(() => {
          tx.flushSet({ ...T, name });
          if (d.set.elements.length) tx.addElements({ ...T, set: name, elements: d.set.elements, definition: d.set });
        });
        stats.elementsDeleted += have.elements.size;
        stats.elementsAdded += d.set.elements.length;
      } else if (dels.length || adds.length) {
        elementOps.push(() => {
          if (dels.length) tx.deleteElements({ ...T, set: name, elements: dels.map((key) => ({ key })), raw: true });
          if (adds.length) tx.addElements({ ...T, set: name, elements: adds, definition: d.set });
        });
        stats.elementsDeleted += dels.length;
        stats.elementsAdded += adds.length;
      }
      next.sets.set(name, { definition: d.definition, elements: d.elements });
    }

    // Chains: create the missing ones first (rules may jump to any of them), then rewrite.
    const rewrite: DesiredChain[] = [];
    for (const c of desired.chains) {
      const have = state.chains.get(c.name);
      const print = this.chainFingerprint(c);
      if (have && have.fingerprint === print) continue;
      const hookChanged = have !== undefined && c.hook !== undefined && (have.fingerprint === undefined || !have.fingerprint.startsWith(`${hookText(this.family, c.hook)}|`));
      if (have && hookChanged) {
        // A base chain's hook and priority cannot change in place.
        tx.deleteChain({ ...T, name: c.name });
      }
      tx.addChain({ ...T, name: c.name, ...(c.hook ? { hook: c.hook } : {}), ...(c.policy ? { policy: c.policy } : {}), ...(c.comment !== undefined ? { comment: c.comment } : {}) } as Chain);
      if (have && !hookChanged) {
        tx.flushChain({ ...T, name: c.name });
        stats.chainsRewritten++;
      } else {
        stats.chainsAdded++;
      }
      rewrite.push(c);
      next.chains.set(c.name, { fingerprint: print, empty: c.rules.length === 0 });
    }
    for (const c of rewrite) {
      for (const r of c.rules) this.addRule(tx, c.name, r);
    }
    for (const op of elementOps) op();

    // Chains no longer wanted: flushed now, deleted by a later sync.
    for (const [name, c] of state.chains) {
      if (desiredChains.has(name)) continue;
      if (!this.staleSince.has(name)) this.staleSince.set(name, now);
      if (!c.empty) {
        tx.flushChain({ ...T, name });
        stats.chainsFlushed++;
      }
      next.chains.set(name, { fingerprint: undefined, empty: true });
    }
    // Sets no longer wanted go at once (after the flushes that unbind them).
    for (const name of state.sets.keys()) {
      if (sets.has(name)) continue;
      tx.deleteSet({ ...T, name });
      next.sets.delete(name);
      stats.setsDeleted++;
    }
    diffMs += performance.now() - t1;

    let commit: CommitResult | undefined;
    if (tx.size > 0) {
      try {
        commit = await tx.commit();
      } catch (e) {
        this.source.invalidate?.();
        throw e;
      }
      stats.operations += tx.size;
      await this.source.committed?.(this, next, commit);
    } else if (cleanup) {
      await this.source.committed?.(this, next, cleanup);
    }
    return { commit, cleanup, ...stats, diffMs };
  }

  private addRule(tx: Transaction, chain: string, r: DesiredRule): void {
    let exprs = r.exprs;
    if (r.anonymous?.length) {
      exprs = exprs.slice();
      for (const a of r.anonymous) {
        const e = exprs[a.expr];
        if (!e) throw new ValidationError('anonymous', `expression #${a.expr} does not exist in a rule of chain ${chain}`);
        const op = tx.addSet({ ...a.set, family: this.family, table: this.table } as NftSet);
        exprs[a.expr] = { ...e, setId: op.setId } as Expr;
      }
    }
    tx.addRule({ family: this.family, table: this.table, chain, exprs, ...(r.comment !== undefined ? { comment: r.comment } : {}) });
  }

  /** When each stale chain was first flushed (for inspection and tests). */
  get staleChains(): ReadonlyMap<string, number> {
    return this.staleSince;
  }
}

function isWatch(s: unknown): s is TableWatch {
  return typeof s === 'object' && s !== null && typeof (s as TableWatch).snapshot === 'function' && typeof (s as TableWatch).waitForGeneration === 'function';
}

function keyBytes(k: string): Uint8Array {
  // Keys of non-interval sets: hex, possibly with '/flags' (catch-all has none).
  const h = k.split('/')[0]!;
  if (h === '*') throw new NftlinkError('ERR_NFTLINK_RECONCILE', 'the catch-all element is not reconciled');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
