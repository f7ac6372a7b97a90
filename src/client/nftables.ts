// Nftables: the client. Opens a socket (optionally in another network
// namespace), reads the ruleset, and starts transactions.

import { setTimeout as sleep } from 'node:timers/promises';
import { NftlinkError, ValidationError } from '../errors.js';
import { AttrWriter } from '../netlink/attr.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST } from '../netlink/constants.js';
import { NetlinkError, readNfGen, type MessageView } from '../netlink/message.js';
import { DumpInterruptedError, NetlinkSocket, type WireTracer } from '../netlink/socket.js';
import { decodeChain, type Chain } from '../nftables/chain.js';
import { decodeFlowtable, type Flowtable } from '../nftables/flowtable.js';
import { decodeObject, encodeObjectFilter, encodeObjectRef, type NftObject, type ObjectType } from '../nftables/object.js';
import {
  familyNumber,
  NFT_MSG_GETCHAIN,
  NFT_MSG_GETSET,
  NFT_MSG_GETSETELEM,
  NFT_MSG_GETSETELEM_RESET,
  NFT_MSG_GETFLOWTABLE,
  NFT_MSG_GETOBJ,
  NFT_MSG_GETOBJ_RESET,
  NFT_MSG_GETRULE,
  NFT_MSG_GETRULE_RESET,
  NFT_MSG_GETTABLE,
  NFT_MSG_NEWGEN,
  NFTA_CHAIN_NAME,
  NFTA_CHAIN_TABLE,
  NFTA_FLOWTABLE_NAME,
  NFTA_FLOWTABLE_TABLE,
  NFTA_TABLE_NAME,
  nftMsg,
  nftType,
  type Family,
} from '../nftables/constants.js';
import { decodeGen, type Generation } from '../nftables/gen.js';
import { decodeTable, type Table } from '../nftables/table.js';
import { decodeSet, encodeSetRef, setShape, type NftSet } from '../nftables/set.js';
import { decodeElementList, elementValues, encodeElementListHeader, encodeWireElement, prepareElements, type SetElement } from '../nftables/element.js';
import { NFTA_SET_ELEM_LIST_ELEMENTS } from '../nftables/constants.js';
import { intervalKeyType, parseRange, relabel } from '../nftables/datatypes.js';
import { decodeRule, NFTA_RULE_CHAIN, NFTA_RULE_HANDLE, NFTA_RULE_TABLE, type Rule } from '../nftables/rule.js';
import { encodeGetGen } from './commit.js';
import { Transaction, type TransactionOptions } from './transaction.js';
import { Monitor, type MonitorEvent, type MonitorOptions, type TransactionMonitorEvent } from './monitor.js';
import { TableWatchImpl, type TableWatch, type WatchOptions } from './watch.js';
import { Tracer, type TraceOptions } from './trace.js';
import { listTable, type ListTableOptions, type TableListing } from './list.js';

export interface NftablesOptions {
  /** Network namespace file to work in (/var/run/netns/NAME or /proc/PID/ns/net). Default: this process's. */
  netns?: string;
  /**
   * Print every message sent and received in libnftnl's debug format (as
   * `nft --debug=netlink` does): true for stderr, or a function taking each
   * line. Also turned on by NFTLINK_DEBUG=netlink.
   */
  debug?: boolean | ((line: string) => void);
}

/** What exists in the kernel, read as one consistent snapshot. */
export interface Ruleset {
  /** The generation the snapshot was taken at. */
  generation: number;
  tables: Table[];
  chains: Chain[];
  /** Sets and maps (anonymous ones included), each with its elements as the kernel holds them. */
  sets: NftSet[];
  /** Stateful objects, with their state at the snapshot. */
  objects: NftObject[];
  flowtables: Flowtable[];
  /** Every rule, chain by chain in the kernel's order. */
  rules: Rule[];
}

export interface ListOptions {
  family?: Family;
}

/** A set's elements to read: the set, and for getElements/resetElements which elements. */
export interface ElementsRef {
  family: Family;
  table: string;
  set: string;
}

export interface ElementListOptions {
  /**
   * Return values, as nft prints them: keys and data decoded with the set's
   * types ('10.0.0.1', ['10.0.0.1', 'tcp', 80]) and interval start/end
   * elements merged into ranges ('10.0.0.0/8'). Default false: the elements
   * as the kernel holds them, keys as bytes.
   */
  values?: boolean;
}

/** Which objects to list or reset; the kernel filters by table and type. */
export interface ObjectFilter extends ListOptions {
  table?: string;
  type?: ObjectType | number;
}

/** One object, by name; the kernel needs its type. */
export interface ObjectLookup {
  family: Family;
  table: string;
  type: ObjectType | number;
  name: string;
}

/** Which rules to list: all, a family's, a table's, or one chain's (the kernel filters). */
export interface RuleFilter extends ListOptions {
  table?: string;
  /** Needs `table`. */
  chain?: string;
}

/** One rule, by its handle. */
export interface RuleLocator {
  family: Family;
  table: string;
  chain: string;
  handle: number;
}

/** A single GET found nothing. */
export class NotFoundError extends NftlinkError {
  readonly errno = 2;
  constructor(what: string) {
    super('ENOENT', `${what} does not exist`);
  }
}

/** Snapshot reads retry this often when the ruleset keeps changing under them. */
const SNAPSHOT_ATTEMPTS = 20;
const SNAPSHOT_MAX_BACKOFF_MS = 100;

export class Nftables {
  readonly sock: NetlinkSocket;
  readonly netns: string | undefined;
  private closed = false;
  /** Monitors, watches and tracers still open: each has a socket of its own. */
  private readonly streams = new Set<{ close(): void | Promise<void> }>();

  private constructor(sock: NetlinkSocket, netns: string | undefined) {
    this.sock = sock;
    this.netns = netns;
  }

  static async open(opts: NftablesOptions = {}): Promise<Nftables> {
    const sock = NetlinkSocket.open(opts.netns ? { netns: opts.netns } : {});
    const nft = new Nftables(sock, opts.netns);
    const debug = opts.debug ?? (process.env['NFTLINK_DEBUG']?.split(',').includes('netlink') ? true : undefined);
    if (debug) nft.sock.tracer = await makeTracer(debug === true ? (l) => process.stderr.write(l + '\n') : debug);
    return nft;
  }

  /** The socket's netlink port id (what events and table owners name). */
  get portId(): number {
    return this.sock.portId;
  }

  /** Starts a transaction; nothing is sent until commit() or check(). */
  transaction(opts: TransactionOptions = {}): Transaction {
    this.checkOpen();
    return new Transaction({
      socket: () => this.sock,
      chainHandle: async (ref) => {
        const c = await this.getChain(ref);
        if (c.handle === undefined) throw new NotFoundError(`chain ${ref.family} ${ref.table} ${ref.name} (no handle)`);
        return c.handle;
      },
      getSet: (ref) => this.getSet(ref),
    }, opts);
  }

  /** The current ruleset generation, and who made it. */
  async getGeneration(): Promise<Generation> {
    this.checkOpen();
    const seq = this.sock.allocSeq();
    const { reply, error } = await this.sock.request(encodeGetGen(seq), seq);
    if (error && error.errno) throw new NetlinkError(error, 'GETGEN');
    if (!reply || nftMsg(reply.type) !== NFT_MSG_NEWGEN) throw new NftlinkError('ERR_NFTLINK_PROTOCOL', 'GETGEN: no NEWGEN reply');
    return decodeGen(reply);
  }

  // --- tables -----------------------------------------------------------------

  async listTables(opts: ListOptions = {}): Promise<Table[]> {
    const out: Table[] = [];
    await this.dump(NFT_MSG_GETTABLE, opts.family, undefined, (m) => out.push(decodeTable(m)));
    return out;
  }

  async getTable(ref: { family: Family; name: string }): Promise<Table> {
    const m = await this.get(NFT_MSG_GETTABLE, ref.family, (w) => w.str(NFTA_TABLE_NAME, ref.name), `table ${ref.family} ${ref.name}`);
    return decodeTable(m);
  }

  // --- chains -----------------------------------------------------------------

  /** Lists chains, of one table when `table` is given (the kernel filters). */
  async listChains(opts: ListOptions & { table?: string } = {}): Promise<Chain[]> {
    const out: Chain[] = [];
    // Kernel 6.18 dumps every table's chains whatever NFTA_CHAIN_TABLE says: filter here too.
    await this.dump(NFT_MSG_GETCHAIN, opts.family, opts.table !== undefined ? (w) => w.str(NFTA_CHAIN_TABLE, opts.table!) : undefined,
      (m) => {
        const c = decodeChain(m);
        if (opts.table === undefined || c.table === opts.table) out.push(c);
      });
    return out;
  }

  async getChain(ref: { family: Family; table: string; name: string }): Promise<Chain> {
    const m = await this.get(NFT_MSG_GETCHAIN, ref.family, (w) => {
      w.str(NFTA_CHAIN_TABLE, ref.table);
      w.str(NFTA_CHAIN_NAME, ref.name);
    }, `chain ${ref.family} ${ref.table} ${ref.name}`);
    return decodeChain(m);
  }

  // --- sets -------------------------------------------------------------------

  /** Lists sets and maps (anonymous ones included), of one table when `table` is given. */
  async listSets(opts: ListOptions & { table?: string } = {}): Promise<NftSet[]> {
    const out: NftSet[] = [];
    await this.dump(NFT_MSG_GETSET, opts.family, opts.table !== undefined ? (w) => encodeSetRef(w, { family: opts.family!, table: opts.table! }) : undefined,
      (m) => out.push(decodeSet(m)));
    return out;
  }

  async getSet(ref: { family: Family; table: string; name: string }): Promise<NftSet> {
    const m = await this.get(NFT_MSG_GETSET, ref.family, (w) => encodeSetRef(w, ref), `set ${ref.family} ${ref.table} ${ref.name}`);
    return decodeSet(m);
  }

  // --- elements -------------------------------------------------------------------

  /** A set's elements, in the order the kernel dumps them. */
  async listElements(ref: ElementsRef, opts: ElementListOptions = {}): Promise<SetElement[]> {
    const set = opts.values ? await this.getSet({ family: ref.family, table: ref.table, name: ref.set }) : undefined;
    const out = await this.dumpElements(NFT_MSG_GETSETELEM, ref);
    return set ? elementValues(setShape(set), out) : out;
  }

  /**
   * Reads state-carrying elements and resets it (counters, quotas) in one
   * step: the elements come back with their values from before the reset.
   * Without `elements`, the whole set (kernel ≥ 6.5).
   */
  async resetElements(ref: ElementsRef & { elements?: SetElement[] }, opts: ElementListOptions = {}): Promise<SetElement[]> {
    const set = opts.values || ref.elements ? await this.getSet({ family: ref.family, table: ref.table, name: ref.set }) : undefined;
    const out = ref.elements
      ? await this.getEach(NFT_MSG_GETSETELEM_RESET, ref, set!, ref.elements)
      : await this.dumpElements(NFT_MSG_GETSETELEM_RESET, ref);
    return opts.values && set ? elementValues(setShape(set), out) : out;
  }

  /**
   * Looks up elements by key (nft's `get element`): for each, the element the
   * kernel holds for that key (the interval containing it, in an interval
   * set). Throws NotFoundError when one is missing.
   */
  async getElements(ref: ElementsRef & { elements: SetElement[] }, opts: ElementListOptions = {}): Promise<SetElement[]> {
    const set = await this.getSet({ family: ref.family, table: ref.table, name: ref.set });
    const out = await this.getEach(NFT_MSG_GETSETELEM, ref, set, ref.elements);
    return opts.values ? elementValues(setShape(set), out) : out;
  }

  private async dumpElements(msg: number, ref: ElementsRef, generation?: number): Promise<SetElement[]> {
    const out: SetElement[] = [];
    const push = (e: SetElement): void => {
      out.push(e);
    };
    await this.dump(msg, ref.family, (w) => encodeElementListHeader(w, ref.table, ref.set), (m) => {
      decodeElementList(m, push);
    }, generation);
    return out;
  }

  private async getEach(msg: number, ref: ElementsRef, set: NftSet, elements: SetElement[]): Promise<SetElement[]> {
    const shape = setShape(set);
    const op = `get elements of ${ref.family} ${ref.table} ${ref.set}`;
    // One key per request. A single-field interval set is asked for a point: the start of a range given.
    const point = (k: SetElement['key']): SetElement['key'] => {
      if (!shape.interval || shape.concat || !shape.key || k instanceof Uint8Array) return k;
      return parseRange(intervalKeyType(shape.key), k, 'key').start;
    };
    const keys = elements.map((e, i) => {
      if (e.catchAll) return { catchAll: true };
      try {
        return { key: point(e.key)!, ...(e.keyEnd !== undefined ? { keyEnd: e.keyEnd } : {}) };
      } catch (err) {
        throw relabel(err, `elements[${i}].key`);
      }
    });
    const wire = prepareElements(shape, keys, { raw: !(shape.interval && shape.concat), keysOnly: true, op });
    const out: SetElement[] = [];
    const what = (j: number): string => `element #${wire.source[j]} of set ${ref.family} ${ref.table} ${ref.set}`;
    // With NLM_F_ACK: the kernel can answer a lookup with silence (an END asked for at the very top
    // of the range), and the ack then says so instead of a wait for a reply that never comes.
    const ask = async (we: typeof wire, j: number): Promise<MessageView> => {
      this.checkOpen();
      const seq = this.sock.allocSeq();
      const w = new AttrWriter(256);
      const start = w.beginMessage(nftType(msg), NLM_F_REQUEST | NLM_F_ACK, seq, familyNumber(ref.family));
      encodeElementListHeader(w, ref.table, ref.set);
      const n = w.beginNest(NFTA_SET_ELEM_LIST_ELEMENTS);
      encodeWireElement(w, we, j, 1);
      w.endNest(n);
      w.endMessage(start);
      const { reply, error } = await this.sock.request(w.finish(), seq);
      if (reply) return reply;
      if (error && error.errno && error.errno !== 2) throw new NetlinkError(error, `get ${what(j)}`);
      throw new NotFoundError(what(j));
    };
    // A single-field interval set answers a point with the start of its interval;
    // asked again with INTERVAL_END, with the end (none when it runs to the top).
    const ends = shape.interval && !shape.concat
      ? prepareElements(shape, keys.map((e) => (e.catchAll ? e : { ...e, intervalEnd: true })), { raw: true, keysOnly: true, op }) : undefined;
    for (let j = 0; j < wire.count; j++) {
      decodeElementList(await ask(wire, j), (e) => out.push(e));
      if (ends && !(wire.flags[j]! & 0x2)) {
        try {
          decodeElementList(await ask(ends, j), (e) => out.push(e));
        } catch (e) {
          if (!(e instanceof NotFoundError)) throw e;
        }
      }
    }
    return out;
  }

  // --- stateful objects ---------------------------------------------------------

  /** Lists stateful objects, of one table and/or one type when given (the kernel filters). */
  async listObjects(opts: ObjectFilter = {}): Promise<NftObject[]> {
    const out: NftObject[] = [];
    await this.dump(NFT_MSG_GETOBJ, opts.family, objectFilterAttrs(opts, false), (m) => out.push(decodeObject(m)));
    return out;
  }

  /**
   * One object. With `reset`, the kernel returns its values and zeroes them
   * in the same step (counters, quotas): what comes back is the state before the reset.
   */
  async getObject(ref: ObjectLookup, opts: { reset?: boolean } = {}): Promise<NftObject> {
    const m = await this.get(opts.reset ? NFT_MSG_GETOBJ_RESET : NFT_MSG_GETOBJ, ref.family, (w) => encodeObjectRef(w, ref), `${typeof ref.type === 'number' ? `object type ${ref.type}` : ref.type.replace('-', ' ')} ${ref.family} ${ref.table} ${ref.name}`);
    return decodeObject(m);
  }

  /** Resets one object (counter, quota) and returns its values from before the reset. */
  async resetObject(ref: ObjectLookup): Promise<NftObject> {
    return this.getObject(ref, { reset: true });
  }

  /**
   * Resets every matching object (`nft reset counters|quotas …`) and returns
   * their values from before the reset. Each object is read and zeroed
   * atomically; the set of them is not one snapshot.
   */
  async resetObjects(opts: ObjectFilter = {}): Promise<NftObject[]> {
    const out: NftObject[] = [];
    await this.dump(NFT_MSG_GETOBJ_RESET, opts.family, objectFilterAttrs(opts, true), (m) => out.push(decodeObject(m)));
    return out;
  }

  // --- flowtables ------------------------------------------------------------------

  /** Lists flowtables, of one table when `table` is given (the kernel filters). */
  async listFlowtables(opts: ListOptions & { table?: string } = {}): Promise<Flowtable[]> {
    const out: Flowtable[] = [];
    await this.dump(NFT_MSG_GETFLOWTABLE, opts.family, opts.table !== undefined ? (w) => w.str(NFTA_FLOWTABLE_TABLE, opts.table!) : undefined,
      (m) => out.push(decodeFlowtable(m)));
    return out;
  }

  async getFlowtable(ref: { family: Family; table: string; name: string }): Promise<Flowtable> {
    const m = await this.get(NFT_MSG_GETFLOWTABLE, ref.family, (w) => {
      w.str(NFTA_FLOWTABLE_TABLE, ref.table);
      w.str(NFTA_FLOWTABLE_NAME, ref.name);
    }, `flowtable ${ref.family} ${ref.table} ${ref.name}`);
    return decodeFlowtable(m);
  }

  // --- rules ------------------------------------------------------------------

  /**
   * Lists rules with every expression decoded: all of them, or a family's, a
   * table's or one chain's (the kernel's dump filters; a chain needs its table).
   */
  async listRules(opts: RuleFilter = {}): Promise<Rule[]> {
    return this.dumpRules(NFT_MSG_GETRULE, opts);
  }

  /** One rule by handle; throws NotFoundError when it does not exist. */
  async getRule(ref: RuleLocator): Promise<Rule> {
    const m = await this.get(NFT_MSG_GETRULE, ref.family, (w) => {
      w.str(NFTA_RULE_TABLE, ref.table);
      w.str(NFTA_RULE_CHAIN, ref.chain);
      w.u64(NFTA_RULE_HANDLE, ref.handle);
    }, `rule ${ref.family} ${ref.table} ${ref.chain} handle ${ref.handle}`);
    return decodeRule(m);
  }

  /**
   * Resets the counters (and quotas) of the selected rules and returns them
   * as they were before the reset (GETRULE_RESET, kernel 6.2+).
   */
  async resetRules(opts: RuleFilter = {}): Promise<Rule[]> {
    return this.dumpRules(NFT_MSG_GETRULE_RESET, opts);
  }

  /** Resets one rule's counters; returns the rule as it was before. */
  async resetRule(ref: RuleLocator): Promise<Rule> {
    const m = await this.get(NFT_MSG_GETRULE_RESET, ref.family, (w) => {
      w.str(NFTA_RULE_TABLE, ref.table);
      w.str(NFTA_RULE_CHAIN, ref.chain);
      w.u64(NFTA_RULE_HANDLE, ref.handle);
    }, `rule ${ref.family} ${ref.table} ${ref.chain} handle ${ref.handle}`);
    return decodeRule(m);
  }

  private async dumpRules(msg: number, opts: RuleFilter, generation?: number): Promise<Rule[]> {
    if (opts.chain !== undefined && opts.table === undefined) {
      throw new ValidationError('chain', 'listing one chain needs its table too');
    }
    const out: Rule[] = [];
    const filter = opts.table !== undefined
      ? (w: AttrWriter) => {
        w.str(NFTA_RULE_TABLE, opts.table!);
        if (opts.chain !== undefined) w.str(NFTA_RULE_CHAIN, opts.chain);
      }
      : undefined;
    await this.dump(msg, opts.family, filter, (m) => out.push(decodeRule(m)), generation);
    return out;
  }

  // --- the whole ruleset --------------------------------------------------------

  /**
   * Everything, as one consistent snapshot: the generation is read before and
   * after, every dumped message must carry it, and the whole read is retried
   * when the ruleset changed meanwhile (or a dump was interrupted).
   */
  async listRuleset(opts: ListOptions & { elements?: boolean } = {}): Promise<Ruleset> {
    return this.snapshot(async (gen) => {
      const tables: Table[] = [];
      const chains: Chain[] = [];
      const sets: NftSet[] = [];
      const objects: NftObject[] = [];
      const flowtables: Flowtable[] = [];
      await this.dump(NFT_MSG_GETTABLE, opts.family, undefined, (m) => tables.push(decodeTable(m)), gen);
      await this.dump(NFT_MSG_GETCHAIN, opts.family, undefined, (m) => chains.push(decodeChain(m)), gen);
      await this.dump(NFT_MSG_GETOBJ, opts.family, undefined, (m) => objects.push(decodeObject(m)), gen);
      await this.dump(NFT_MSG_GETFLOWTABLE, opts.family, undefined, (m) => flowtables.push(decodeFlowtable(m)), gen);
      await this.dump(NFT_MSG_GETSET, opts.family, undefined, (m) => sets.push(decodeSet(m)), gen);
      if (opts.elements !== false) {
        for (const s of sets) s.elements = await this.dumpElements(NFT_MSG_GETSETELEM, { family: s.family, table: s.table, set: s.name }, gen);
      }
      const rules = await this.dumpRules(NFT_MSG_GETRULE, { ...(opts.family ? { family: opts.family } : {}) }, gen);
      return { generation: gen, tables, chains, objects, flowtables, sets, rules };
    });
  }

  /**
   * One table, whole, as one consistent snapshot: chains, sets and maps with
   * their elements, objects, flowtables and every rule decoded. Big tables
   * are read with per-chain dumps spread over worker threads (see list.ts
   * for the strategies and what they cost). Throws NotFoundError when the
   * table does not exist.
   */
  async listTable(ref: { family: Family; name: string }, opts: ListTableOptions = {}): Promise<TableListing> {
    this.checkOpen();
    return listTable(this, ref, opts);
  }

  /**
   * Runs `read` until it sees one generation throughout. `read` gets the
   * generation and must pass it to its dumps, which then fail fast on a change.
   */
  async snapshot<T>(read: (generation: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
      // A writer that commits faster than a read completes would otherwise
      // starve the reader: back off a random, growing while between attempts.
      if (attempt > 0) await sleep(Math.random() * Math.min(2 ** attempt, SNAPSHOT_MAX_BACKOFF_MS));
      const g1 = (await this.getGeneration()).id;
      let result: T;
      try {
        result = await read(g1);
      } catch (e) {
        if (e instanceof DumpInterruptedError || e instanceof GenerationChangedError) continue;
        throw e;
      }
      const g2 = (await this.getGeneration()).id;
      if (g1 === g2) return result;
    }
    throw new NftlinkError('ERR_NFTLINK_SNAPSHOT', `the ruleset kept changing: no consistent snapshot after ${SNAPSHOT_ATTEMPTS} attempts`);
  }

  /**
   * Dumps one kind of object. With `generation`, a message from another
   * generation aborts the dump (GenerationChangedError) so a snapshot can retry.
   */
  async dump(
    msg: number,
    family: Family | undefined,
    attrs: ((w: AttrWriter) => void) | undefined,
    onMessage: (m: MessageView) => void,
    generation?: number,
  ): Promise<void> {
    this.checkOpen();
    const seq = this.sock.allocSeq();
    const w = new AttrWriter(256);
    const s = w.beginMessage(nftType(msg), NLM_F_REQUEST | NLM_F_DUMP, seq, family ? familyNumber(family) : 0);
    attrs?.(w);
    w.endMessage(s);
    const low = generation === undefined ? -1 : generation & 0xffff;
    let stale = false;
    await this.sock.dump(w.finish(), seq, (m) => {
      if (stale) return;
      if (low >= 0 && readNfGen(m).resId !== low) {
        stale = true;
        return;
      }
      onMessage(m);
    });
    if (stale) throw new GenerationChangedError();
  }

  /** A single-object GET; throws NotFoundError for ENOENT. */
  async get(msg: number, family: Family, attrs: (w: AttrWriter) => void, what: string): Promise<MessageView> {
    this.checkOpen();
    const seq = this.sock.allocSeq();
    const w = new AttrWriter(256);
    // The ack ends the read even when the kernel has no object to answer with.
    const s = w.beginMessage(nftType(msg), NLM_F_REQUEST | NLM_F_ACK, seq, familyNumber(family));
    attrs(w);
    w.endMessage(s);
    const { reply, error } = await this.sock.request(w.finish(), seq);
    if (error && error.errno === 2) throw new NotFoundError(what);
    if (error && error.errno) throw new NetlinkError(error, `get ${what}`);
    if (!reply) throw new NftlinkError('ERR_NFTLINK_PROTOCOL', `get ${what}: no reply`);
    return reply;
  }

  // --- events -------------------------------------------------------------------------

  /**
   * The ruleset's changes as they are committed, on a socket of their own.
   * Subscribed from the call on: create it before making the changes you
   * want to see. See monitor.ts for overruns and backpressure.
   */
  monitor(opts: MonitorOptions & { groupByTransaction: true }): Monitor<TransactionMonitorEvent>;
  monitor(opts?: MonitorOptions): Monitor<MonitorEvent>;
  monitor(opts: MonitorOptions = {}): Monitor<MonitorEvent> | Monitor<TransactionMonitorEvent> {
    this.checkOpen();
    const m = new Monitor<MonitorEvent, Ruleset>({
      netns: this.netns,
      tracer: this.sock.tracer,
      snapshot: () => this.listRuleset(),
      onClose: () => this.streams.delete(m),
    }, opts);
    this.streams.add(m);
    return m;
  }

  /** A live copy of one table, kept current from the monitor (await `ready` before reading it). */
  watch(opts: WatchOptions): TableWatch {
    this.checkOpen();
    const w = new TableWatchImpl(this, opts, () => this.streams.delete(w));
    this.streams.add(w);
    return w;
  }

  /** Packet traces (rules with `meta nftrace set 1`), one record per packet. */
  trace(opts: TraceOptions = {}): Tracer {
    this.checkOpen();
    const t = new Tracer({ netns: this.netns, tracer: this.sock.tracer, nft: this, onClose: () => this.streams.delete(t) }, opts);
    this.streams.add(t);
    return t;
  }

  /** Closes the client, and the monitors, watches and tracers made from it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams]) void s.close();
    this.streams.clear();
    // Let whatever is in flight on the socket finish first.
    await this.sock.exclusive(async () => undefined).catch(() => undefined);
    this.sock.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new NftlinkError('ERR_NFTLINK_CLOSED', 'this Nftables client is closed');
  }
}

/** A dump saw a generation other than the snapshot's. */
export class GenerationChangedError extends NftlinkError {
  constructor() {
    super('ERR_NFTLINK_GENERATION_CHANGED', 'the ruleset changed during the read');
  }
}

function objectFilterAttrs(opts: ObjectFilter, reset: boolean): ((w: AttrWriter) => void) | undefined {
  if (opts.table === undefined && opts.type === undefined && !reset) return undefined;
  return (w) => encodeObjectFilter(w, opts, reset);
}

async function makeTracer(out: (line: string) => void): Promise<WireTracer> {
  const { formatWireMessage } = await import('../format/wire.js');
  return (direction, m) => out(formatWireMessage(direction, m));
}
