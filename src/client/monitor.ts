// nft.monitor(): the ruleset's change notifications as an async iterable.
//
// The kernel sends, for every committed transaction, one NEW*/DEL* message
// per change and then one NEWGEN carrying the new generation and the pid and
// name of the committing process (protocol.md §6). Changes are held until
// their NEWGEN arrives, so each one can carry its generation and author; the
// kernel emits the whole transaction inside its commit, so this adds no
// waiting.
//
// Losses are never silent. When the receive queue overflows (ENOBUFS) the
// monitor throws away what is still queued in the socket (it all belongs to
// transactions the snapshot will contain), takes a fresh consistent snapshot
// at generation G and yields an `overrun` event with it; from then on only
// transactions after G are yielded. Consumers replace their state with the
// snapshot and go on applying changes.
//
// Backpressure: the kernel cannot be slowed down, so the monitor reads its
// socket as long as fewer than `queueLimit` events wait for the consumer, then
// stops reading. Events then queue in the socket's receive buffer
// (`receiveBuffer`, 16 MiB by default, as nft monitor uses); if that fills up
// too, the kernel drops events and the consumer gets an `overrun` event once it
// catches up. Memory is therefore bounded by queueLimit events (plus one
// transaction: a transaction is never split), the rest of one read (at most
// 1 MiB of messages, kept raw) and the receive buffer.

import { NFNLGRP_NFTABLES } from '../netlink/constants.js';
import { SocketError, type MessageView } from '../netlink/message.js';
import { NetlinkSocket, type WireTracer } from '../netlink/socket.js';
import { NFT_MSG_NEWGEN, nftMsg, type Family } from '../nftables/constants.js';
import {
  CHANGE_KINDS,
  decodeChange,
  isChangeMessage,
  type ChangeKind,
  type ChangeObjects,
  type ChangeOp,
  type DecodedChange,
  type RawObject,
} from '../nftables/events.js';
import { decodeGen } from '../nftables/gen.js';
import { NftlinkError } from '../errors.js';
import { EventStream } from './stream.js';
import type { Ruleset } from './nftables.js';

/** The process that committed a transaction, as NEWGEN names it. */
export interface ProcessInfo {
  pid: number;
  /** The process's command name (comm, at most 15 characters). */
  name: string;
}

interface Authored {
  /** Generation the transaction created. */
  generation: number;
  /** Netlink port id of the socket that committed it (compare with `nft.portId` to skip your own changes). */
  portId: number;
  /** The committing process, when the kernel named it. */
  process?: ProcessInfo;
}

/** One change: an object added (or updated in place) or deleted. */
export type ChangeEvent = {
  [K in ChangeKind]: Authored & {
    type: ChangeOp;
    kind: K;
    family: Family;
    /** The object as the kernel reported it; RawObject when this library cannot decode it. */
    object: ChangeObjects[K] | RawObject;
    /** nlmsg_seq of the request that caused it (0 for set elements). */
    seq: number;
    /** nlmsg_flags: NLM_F_CREATE/EXCL/APPEND/REPLACE as the request had them (APPEND clear on a rule: inserted). */
    flags: number;
  };
}[ChangeKind];

/** The end of a transaction (NEWGEN): its changes were the events just before. */
export interface GenerationEvent extends Authored {
  type: 'generation';
  /** How many changes of the transaction were yielded (after the `objects` filter). */
  changes: number;
}

/** One committed transaction with its changes in order (groupByTransaction). */
export interface TransactionEvent extends Authored {
  type: 'transaction';
  changes: ChangeEvent[];
}

/** Events were lost; `snapshot` is the ruleset at `generation`, and only later transactions follow. */
export interface OverrunEvent<S = Ruleset> {
  type: 'overrun';
  generation: number;
  snapshot: S;
  /** Changes read but thrown away because their transaction was cut by the loss or is in the snapshot. */
  discarded: number;
}

/** A snapshot asked for (initialSnapshot, resync()); only later transactions follow. */
export interface SnapshotEvent<S = Ruleset> {
  type: 'snapshot';
  generation: number;
  snapshot: S;
  reason: 'initial' | 'requested';
}

export type MonitorEvent<S = Ruleset> = ChangeEvent | GenerationEvent | OverrunEvent<S> | SnapshotEvent<S>;
export type TransactionMonitorEvent<S = Ruleset> = TransactionEvent | OverrunEvent<S> | SnapshotEvent<S>;

export interface MonitorOptions {
  /** Aborting it ends the iteration and closes the monitor's socket. */
  signal?: AbortSignal;
  /** Only these kinds of change ('rule' or 'rules' …). Transactions with none of them are skipped. */
  objects?: readonly (ChangeKind | `${ChangeKind}s`)[];
  /** One TransactionEvent per committed transaction instead of one event per change plus a GenerationEvent. */
  groupByTransaction?: boolean;
  /** Start with a `snapshot` event holding the ruleset, then the changes after it. */
  initialSnapshot?: boolean;
  /** Receive buffer to ask the kernel for (bytes, default 16 MiB). */
  receiveBuffer?: number;
  /** Events waiting for the consumer before the monitor stops reading its socket (default 100 000). */
  queueLimit?: number;
}

/** What a monitor needs from its client. */
export interface MonitorHost<S> {
  netns?: string | undefined;
  tracer?: WireTracer | undefined;
  /** A consistent snapshot and its generation. */
  snapshot(): Promise<S & { generation: number }>;
  /** Told once when the monitor stops. */
  onClose?: () => void;
}

const DEFAULT_RCVBUF = 16 << 20;
const DEFAULT_QUEUE_LIMIT = 100_000;

interface Unit {
  generation: number;
  portId: number;
  process?: ProcessInfo;
  changes: ChangeEvent[];
}

function copyView(m: MessageView): MessageView {
  const buf = Buffer.from(m.buf.subarray(m.start, m.end));
  return { ...m, buf, start: 0, end: buf.length };
}

/** a is after b, modulo 2^32. */
export function generationAfter(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

function normaliseKinds(objects: readonly string[] | undefined): Set<ChangeKind> | undefined {
  if (!objects) return undefined;
  const out = new Set<ChangeKind>();
  for (const o of objects) {
    const k = (o.endsWith('s') && o !== 'ss' ? o.slice(0, -1) : o) as ChangeKind;
    if (!CHANGE_KINDS.includes(k)) {
      throw new NftlinkError('ERR_NFTLINK_VALIDATION', `monitor: unknown kind of object ${JSON.stringify(o)} (known: ${CHANGE_KINDS.join(', ')})`);
    }
    out.add(k);
  }
  return out;
}

/**
 * The iterator nft.monitor() returns. Create it before making the changes you
 * want to see: its socket is subscribed from the start.
 */
export class Monitor<E = MonitorEvent, S = Ruleset> implements AsyncIterableIterator<E> {
  private readonly sock: NetlinkSocket;
  private readonly stream: EventStream<E>;
  private readonly host: MonitorHost<S>;
  private readonly kinds: Set<ChangeKind> | undefined;
  private readonly grouped: boolean;
  private stopListening: (() => void) | undefined;
  private paused = false;
  /** Changes of the transaction whose NEWGEN has not arrived yet. */
  private pending: DecodedChange[] = [];
  /** live: deliver; draining: discard what the socket holds; snapshot: hold complete transactions until the snapshot is in. */
  private state: 'live' | 'draining' | 'snapshot' = 'live';
  private held: Unit[] = [];
  private heldWeight = 0;
  /** Transactions up to this generation are in the last snapshot. */
  private skipThrough: number | undefined;
  private discarded = 0;
  private snapshotReason: 'overrun' | 'initial' | 'requested' | undefined;
  private again: 'overrun' | 'requested' | undefined;
  private drainBuf: Buffer | undefined;
  /** Messages of a read that came after the pause point. */
  private parked: MessageView[] | undefined;

  constructor(host: MonitorHost<S>, opts: MonitorOptions = {}) {
    this.host = host;
    this.kinds = normaliseKinds(opts.objects);
    this.grouped = opts.groupByTransaction === true;
    this.sock = NetlinkSocket.open({
      ...(host.netns ? { netns: host.netns } : {}),
      groups: [NFNLGRP_NFTABLES],
    });
    try {
      // An explicit size is set as given (even smaller than the default: tests provoke overruns that way).
      if (opts.receiveBuffer !== undefined) this.sock.native.setBuffers({ rcv: opts.receiveBuffer });
      else this.sock.ensureBuffers(0, DEFAULT_RCVBUF);
    } catch {
      // Without CAP_NET_ADMIN only the capped SO_RCVBUF works; keep what we got.
    }
    if (host.tracer) this.sock.tracer = host.tracer;
    this.stream = new EventStream<E>({
      onClose: () => this.shutdown(),
      onDrain: () => this.maybeResume(),
    }, opts.queueLimit ?? DEFAULT_QUEUE_LIMIT, opts.signal);
    this.listen();
    if (opts.initialSnapshot) this.requestSnapshot('initial');
  }

  /** Port id of the monitor's own socket. */
  get portId(): number {
    return this.sock.portId;
  }

  /** The receive buffer the kernel granted (bytes, as the kernel reports it: doubled). */
  get receiveBuffer(): number {
    return this.sock.native.getBuffers().rcv;
  }

  /** Events read but not yet pulled by the consumer (bounded by queueLimit plus one transaction). */
  get queuedEvents(): number {
    return this.stream.weight + this.heldWeight;
  }

  /** Whether reading is paused because the consumer fell behind. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Whether the monitor has stopped and closed its socket. */
  get closed(): boolean {
    return this.sock.closed;
  }

  /** Asks for a fresh snapshot: a `snapshot` event follows, then only later transactions. */
  resync(): void {
    this.requestSnapshot('requested');
  }

  next(): Promise<IteratorResult<E, undefined>> {
    return this.stream.next();
  }

  return(): Promise<IteratorResult<E, undefined>> {
    return this.stream.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops the monitor: the iteration ends and the socket is closed. */
  close(): void {
    this.stream.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // --- reading ---------------------------------------------------------------------

  private listen(): void {
    this.stopListening = this.sock.listen((msgs) => this.onMessages(msgs), (e) => this.onError(e));
  }

  private shutdown(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    this.sock.close();
    this.host.onClose?.();
  }

  private maybeResume(): void {
    // Resume at half the limit, so a consumer pulling one event at a time does not toggle reading each time.
    if (!this.paused || this.stream.isClosed || this.stream.weight + this.heldWeight > this.stream.limit / 2) return;
    this.paused = false;
    const parked = this.parked;
    this.parked = undefined;
    if (parked && !this.onMessages(parked)) return;
    this.listen();
  }

  private mustPause(): boolean {
    if (this.state === 'draining') return false;
    return this.stream.weight + this.heldWeight >= this.stream.limit;
  }

  private onMessages(msgs: MessageView[]): boolean {
    if (this.stream.isClosed) return false;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      if (this.state === 'draining') {
        if (isChangeMessage(m)) this.discarded++;
        continue;
      }
      if (nftMsg(m.type) === NFT_MSG_NEWGEN) {
        this.closeTransaction(m);
        if (this.mustPause()) {
          // The rest of this read waits, copied (the read buffer is reused), until the consumer catches up.
          if (i + 1 < msgs.length) this.parked = msgs.slice(i + 1).map(copyView);
          this.paused = true;
          return false;
        }
      } else {
        const c = decodeChange(m);
        if (c) this.pending.push(c);
      }
    }
    return true;
  }

  private closeTransaction(m: MessageView): void {
    let generation: number;
    let process: ProcessInfo | undefined;
    try {
      const g = decodeGen(m);
      generation = g.id;
      if (g.pid !== undefined) process = { pid: g.pid, name: g.procName ?? '' };
    } catch {
      // A NEWGEN we cannot read still ends the transaction; its res_id has the low 16 bits.
      generation = m.end - m.start >= 20 ? (m.buf[m.start + 18]! << 8) | m.buf[m.start + 19]! : 0;
    }
    const meta: Authored = { generation, portId: m.pid, ...(process ? { process } : {}) };
    const changes = this.pending.map((c) => ({
      type: c.op, kind: c.kind, family: c.family, object: c.object, seq: c.seq, flags: c.flags, ...meta,
    }) as ChangeEvent);
    this.pending = [];
    const unit: Unit = { ...meta, changes };
    if (this.state === 'snapshot') {
      this.held.push(unit);
      this.heldWeight += changes.length + 1;
    } else {
      this.deliver(unit);
    }
  }

  private deliver(unit: Unit): void {
    if (this.skipThrough !== undefined && !generationAfter(unit.generation, this.skipThrough)) {
      this.discarded += unit.changes.length;
      return;
    }
    const changes = this.kinds ? unit.changes.filter((c) => this.kinds!.has(c.kind)) : unit.changes;
    if (this.kinds && changes.length === 0) return;
    const author: Authored = { generation: unit.generation, portId: unit.portId, ...(unit.process ? { process: unit.process } : {}) };
    if (this.grouped) {
      this.stream.push({ type: 'transaction', ...author, changes } as E, changes.length + 1);
    } else {
      for (const c of changes) this.stream.push(c as E);
      this.stream.push({ type: 'generation', ...author, changes: changes.length } as E);
    }
  }

  private onError(e: SocketError): void {
    if (this.stream.isClosed) return;
    if (e.code === 'ENOBUFS') {
      this.overrun();
      return;
    }
    this.stream.fail(e);
  }

  // --- losses and snapshots -----------------------------------------------------------

  private overrun(): void {
    this.discarded += this.pending.length;
    this.pending = [];
    if (this.state !== 'live') {
      // A snapshot is being taken; events may have been lost after it started: take another after it.
      this.again = 'overrun';
      return;
    }
    this.state = 'draining';
    this.drain();
    this.startSnapshot('overrun');
  }

  /**
   * Reads and discards everything queued in the socket. It all belongs to
   * transactions committed before the snapshot starts, and an empty queue is
   * what clears the kernel's congestion bit, so that a loss after this point
   * is reported again instead of going unnoticed.
   */
  private drain(): void {
    const buf = (this.drainBuf ??= Buffer.allocUnsafe(1 << 20));
    for (let i = 0; i < 100_000; i++) {
      if (this.sock.closed) return;
      let r;
      try {
        r = this.sock.native.recv(buf, 0, 128 << 10);
      } catch {
        return;
      }
      if (r.bytes > 0) {
        // Only counted: the content is superseded by the snapshot.
        let p = 0;
        while (p + 16 <= r.bytes) {
          const len = buf.readUInt32LE(p);
          if (len < 16) break;
          const type = buf.readUInt16LE(p + 4);
          const msg = nftMsg(type);
          if (msg >= 0 && msg !== NFT_MSG_NEWGEN && msg !== 17) this.discarded++;
          p += (len + 3) & ~3;
        }
      }
      if (r.count === 0 && !r.error) return;
    }
  }

  private requestSnapshot(reason: 'initial' | 'requested'): void {
    if (this.stream.isClosed) return;
    if (this.state !== 'live') {
      this.again ??= 'requested';
      return;
    }
    this.startSnapshot(reason);
  }

  private startSnapshot(reason: 'overrun' | 'initial' | 'requested'): void {
    this.state = 'snapshot';
    this.snapshotReason = reason;
    this.host.snapshot().then(
      (snap) => this.completeSnapshot(snap),
      (err) => this.stream.fail(err),
    );
  }

  private completeSnapshot(snap: S & { generation: number }): void {
    if (this.stream.isClosed) return;
    const g = snap.generation;
    this.skipThrough = g;
    const reason = this.snapshotReason!;
    if (reason === 'overrun') {
      this.stream.push({ type: 'overrun', generation: g, snapshot: snap, discarded: this.discarded } as E);
      this.discarded = 0;
    } else {
      this.stream.push({ type: 'snapshot', generation: g, snapshot: snap, reason } as E);
    }
    this.state = 'live';
    const held = this.held;
    this.held = [];
    this.heldWeight = 0;
    for (const u of held) this.deliver(u);
    const again = this.again;
    this.again = undefined;
    if (again === 'overrun') this.overrun();
    else if (again === 'requested') this.startSnapshot('requested');
    this.maybeResume();
  }
}
