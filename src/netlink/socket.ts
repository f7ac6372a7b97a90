// NetlinkSocket: sequence numbers, request → reply matching, dumps, batches,
// multicast. One operation at a time per socket (the kernel allows one dump in
// flight per socket anyway); callers that want parallelism open more sockets.

import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { NftlinkError } from '../errors.js';
import { hostU16 } from './attr.js';
import {
  NETLINK_NETFILTER,
  NLM_F_ACK,
  NLM_F_DUMP_INTR,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
} from './constants.js';
import { decodeError, NetlinkError, parseMessages, SocketError, type ErrorMessage, type MessageView } from './message.js';
import { loadAddon, type NativeSocket, type RecvResult } from './native.js';

export interface OpenOptions {
  /** Netlink protocol; NETLINK_NETFILTER by default. */
  protocol?: number;
  /** A network namespace file (/var/run/netns/NAME, /proc/PID/ns/net); default: this process's. */
  netns?: string;
  /** Multicast groups to join. */
  groups?: number[];
  /** Receive buffer size to request. */
  rcvbuf?: number;
}

/** Called for every message sent and received when debugging is on. */
export type WireTracer = (direction: 'send' | 'recv', m: MessageView) => void;

/** Receive buffers: 1 MiB, and a new recv starts only with 128 KiB of room. */
const RECV_BUFFER = 1 << 20;
const MIN_ROOM = 128 << 10;
/** Batches above this size are sent from the thread pool. */
export const ASYNC_SEND_THRESHOLD = 64 << 10;
/** Longest stretch of decoding before yielding to the event loop. */
const SLICE_MS = 8;
/** No reply within this time means the kernel will not answer. */
const REPLY_TIMEOUT_MS = 30_000;

export class DumpInterruptedError extends NftlinkError {
  constructor() {
    super('ERR_NFTLINK_DUMP_INTERRUPTED', 'the ruleset changed during the dump (NLM_F_DUMP_INTR)');
  }
}

export interface DumpOptions {
  /** Throw DumpInterruptedError when a message carries NLM_F_DUMP_INTR (default true). */
  failOnInterrupt?: boolean;
}

export interface DumpResult {
  interrupted: boolean;
  messages: number;
}

export class NetlinkSocket {
  readonly native: NativeSocket;
  private seqNext: number;
  private lock: Promise<unknown> = Promise.resolve();
  private bufA: Buffer | undefined;
  private bufB: Buffer | undefined;
  private sizes: { snd: number; rcv: number };
  tracer: WireTracer | undefined;

  private constructor(native: NativeSocket) {
    this.native = native;
    // Like nft, start from the clock so sequence numbers differ between runs.
    this.seqNext = (Math.floor(Date.now() / 1000) & 0x3fffffff) || 1;
    this.sizes = native.getBuffers();
  }

  static open(opts: OpenOptions = {}): NetlinkSocket {
    const { NetlinkSocket: Native } = loadAddon();
    let native: NativeSocket;
    try {
      native = opts.netns ? new Native(opts.protocol ?? NETLINK_NETFILTER, opts.netns) : new Native(opts.protocol ?? NETLINK_NETFILTER);
    } catch (e) {
      throw SocketError.from(e, opts.netns ? `cannot open a netlink socket in ${opts.netns}` : 'cannot open a netlink socket');
    }
    const s = new NetlinkSocket(native);
    try {
      if (opts.groups?.length) native.bind(opts.groups);
      if (opts.rcvbuf) s.ensureBuffers(0, opts.rcvbuf);
    } catch (e) {
      native.close();
      throw SocketError.from(e);
    }
    return s;
  }

  get portId(): number {
    return this.native.portId;
  }

  get closed(): boolean {
    return this.native.closed;
  }

  /**
   * Reserves `n` consecutive sequence numbers and returns the first. A range
   * never wraps through 0: the kernel sends set-element echoes and events
   * with seq 0, which must not match a request of ours.
   */
  allocSeq(n = 1): number {
    if (this.seqNext + n > 0x100000000) this.seqNext = 1;
    const s = this.seqNext;
    this.seqNext = (this.seqNext + n) % 0x100000000 || 1;
    return s;
  }

  /** Grows the socket buffers (never shrinks them); FORCE first, then the capped option. */
  ensureBuffers(snd: number, rcv: number): { snd: number; rcv: number } {
    // The kernel doubles what it is given and reports the doubled value.
    const want: { snd?: number; rcv?: number } = {};
    if (snd > 0 && snd > this.sizes.snd / 2) want.snd = Math.min(snd, 0x7fffffff);
    if (rcv > 0 && rcv > this.sizes.rcv / 2) want.rcv = Math.min(rcv, 0x7fffffff);
    if (want.snd === undefined && want.rcv === undefined) return this.sizes;
    try {
      this.sizes = this.native.setBuffers(want);
    } catch (e) {
      throw SocketError.from(e, 'cannot size the socket buffers');
    }
    return this.sizes;
  }

  get bufferSizes(): { snd: number; rcv: number } {
    return this.sizes;
  }

  /** Runs fn with this socket to itself. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private recvBuffer(): Buffer {
    return (this.bufA ??= Buffer.allocUnsafe(RECV_BUFFER));
  }

  private altBuffer(): Buffer {
    return (this.bufB ??= Buffer.allocUnsafe(RECV_BUFFER));
  }

  /** Sends one datagram (one or more buffers, gathered). Large ones go through the thread pool. */
  async send(data: Uint8Array | Uint8Array[]): Promise<number> {
    if (this.tracer) this.traceSend(data);
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.length;
    try {
      if (size > ASYNC_SEND_THRESHOLD) return await this.native.sendAsync(data);
      return this.native.send(data);
    } catch (e) {
      throw SocketError.from(e);
    }
  }

  /** Sends without leaving the current tick. */
  sendSync(data: Uint8Array | Uint8Array[]): number {
    if (this.tracer) this.traceSend(data);
    try {
      return this.native.send(data);
    } catch (e) {
      throw SocketError.from(e);
    }
  }

  private traceSend(data: Uint8Array | Uint8Array[]): void {
    for (const b of Array.isArray(data) ? data : [data]) {
      for (const m of parseMessages(b, 0, b.length)) this.tracer!('send', m);
    }
  }

  private checkRecv(r: RecvResult): void {
    if (r.error) {
      const e = r.error;
      throw new SocketError(e.code, e.errno, e.syscall, e.code === 'ENOBUFS'
        ? 'the receive queue overflowed (ENOBUFS): replies or events were lost'
        : e.message, { cause: e });
    }
  }

  /**
   * Reads replies until `onMessage` returns true. Replies to requests sent to
   * the kernel are queued before sendmsg returns, so reads rarely wait; when
   * `async` is set they run on the thread pool and the event loop keeps turning.
   */
  async readUntil(onMessage: (m: MessageView) => boolean, opts: { async?: boolean } = {}): Promise<void> {
    const buf = this.recvBuffer();
    for (;;) {
      let r: RecvResult;
      if (opts.async) {
        r = await this.native.recvAsync(buf, 0, MIN_ROOM, REPLY_TIMEOUT_MS);
      } else {
        r = this.native.recv(buf, 0, MIN_ROOM);
        if (r.count === 0 && !r.error) r = await this.native.recvAsync(buf, 0, MIN_ROOM, REPLY_TIMEOUT_MS);
      }
      if (r.count === 0 && !r.error) {
        throw new SocketError('ETIMEDOUT', 110, 'recv', `no reply from the kernel within ${REPLY_TIMEOUT_MS} ms`);
      }
      const msgs = parseMessages(buf, 0, r.bytes);
      let done = false;
      let slice = performance.now();
      for (let i = 0; i < msgs.length; i++) {
        const m = msgs[i]!;
        if (this.tracer) this.tracer('recv', m);
        if (done) continue;
        if (onMessage(m)) done = true;
        // Thousands of echoes take a while to handle: let the loop turn. The
        // buffer is not read into again until this one is handled.
        if (opts.async && (i & 63) === 63 && performance.now() - slice > SLICE_MS) {
          await yieldToLoop();
          slice = performance.now();
        }
      }
      this.checkRecv(r);
      if (done) return;
    }
  }

  /**
   * Sends a request and returns its reply: the object for a single GET, or
   * the ErrorMessage (an ack when errno is 0). Throws nothing for an error
   * reply; the caller decides what it means. When the request asks for an
   * ack (NLM_F_ACK), reading goes on until the ack: the kernel can answer a
   * GET with nothing at all, and the ack then says so at once.
   */
  request(msg: Uint8Array, seq: number): Promise<{ reply?: MessageView & { copy: Uint8Array }; error?: ErrorMessage }> {
    const wantsAck = (hostU16(msg, 6) & NLM_F_ACK) !== 0;
    return this.exclusive(async () => {
      this.sendSync(msg);
      let reply: (MessageView & { copy: Uint8Array }) | undefined;
      let error: ErrorMessage | undefined;
      await this.readUntil((m) => {
        if (m.seq !== seq) return false;
        if (m.type === NLMSG_ERROR) {
          error = decodeError(m);
          return true;
        }
        if (m.type === NLMSG_NOOP || m.type === NLMSG_OVERRUN) return false;
        // The receive buffer is reused: keep a copy of the one message we return.
        const copy = Buffer.from(m.buf.subarray(m.start, m.end));
        reply = { ...m, buf: copy, start: 0, end: copy.length, copy };
        return !wantsAck;
      });
      return { ...(reply ? { reply } : {}), ...(error && (error.errno !== 0 || !reply) ? { error } : {}) };
    });
  }

  /**
   * Runs a dump: sends the request and calls onMessage for every object
   * message, in order, until NLMSG_DONE. While JavaScript handles one buffer
   * of messages the next is read on the thread pool, where the kernel builds
   * the dump. Throws NetlinkError-like ErrorMessage failures through onError.
   */
  dump(
    msg: Uint8Array,
    seq: number,
    onMessage: (m: MessageView) => void,
    opts: DumpOptions = {},
  ): Promise<DumpResult> {
    return this.exclusive(async () => {
      this.sendSync(msg);
      let cur = this.recvBuffer();
      let next = this.altBuffer();
      let interrupted = false;
      let messages = 0;
      let failure: ErrorMessage | undefined;
      // The first read is synchronous and takes one datagram (the kernel
      // builds each dump datagram inside recvmsg): small dumps finish here,
      // big ones go on in the thread pool.
      let r: RecvResult = this.native.recv(cur, 0, cur.length);
      let pending: Promise<RecvResult> | undefined;
      for (;;) {
        if (r.count === 0 && !r.error) {
          r = await this.native.recvAsync(cur, 0, MIN_ROOM, REPLY_TIMEOUT_MS);
          if (r.count === 0 && !r.error) {
            throw new SocketError('ETIMEDOUT', 110, 'recv', `the dump stalled: no data within ${REPLY_TIMEOUT_MS} ms`);
          }
        }
        const msgs = parseMessages(cur, 0, r.bytes);
        let done = false;
        for (const m of msgs) {
          if (m.seq === seq && (m.type === NLMSG_DONE || m.type === NLMSG_ERROR)) done = true;
        }
        this.checkRecv(r);
        // Start the next read before decoding this one, so the kernel works while we do.
        if (!done) pending = this.native.recvAsync(next, 0, MIN_ROOM, REPLY_TIMEOUT_MS);
        try {
          let slice = performance.now();
          for (let i = 0; i < msgs.length; i++) {
            const m = msgs[i]!;
            if (this.tracer) this.tracer('recv', m);
            if (m.seq !== seq) continue;
            if (m.type === NLMSG_DONE) break;
            if (m.type === NLMSG_ERROR) {
              failure = decodeError(m);
              if (failure.errno === 0) failure = undefined;
              break;
            }
            if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
            messages++;
            onMessage(m);
            // Decoding a megabyte of objects takes tens of milliseconds: let
            // the loop turn meanwhile (the next read fills the other buffer).
            if ((i & 63) === 63 && performance.now() - slice > SLICE_MS) {
              await yieldToLoop();
              slice = performance.now();
            }
          }
        } catch (e) {
          // Drain the dump so the socket is usable afterwards.
          if (pending) await this.drainDump(pending, next, seq);
          throw e;
        }
        if (done) break;
        r = await pending!;
        pending = undefined;
        const t = cur;
        cur = next;
        next = t;
      }
      if (failure) throw new NetlinkError(failure, 'dump');
      if (interrupted && opts.failOnInterrupt !== false) throw new DumpInterruptedError();
      return { interrupted, messages };
    });
  }

  private async drainDump(pending: Promise<RecvResult>, buf: Buffer, seq: number): Promise<void> {
    let r = await pending.catch(() => undefined);
    for (let i = 0; i < 100000 && r && r.count > 0; i++) {
      const msgs = parseMessages(buf, 0, r.bytes);
      if (msgs.some((m) => m.seq === seq && (m.type === NLMSG_DONE || m.type === NLMSG_ERROR))) return;
      r = await this.native.recvAsync(buf, 0, MIN_ROOM, 1000).catch(() => undefined);
    }
  }

  /**
   * Listens for multicast messages: calls onMessages with each buffer of
   * messages as they arrive, and onError on a failed read (ENOBUFS: events
   * were lost). Returns a function that stops listening. When onMessages
   * returns false, reading stops as if that function had been called (the
   * kernel then queues what arrives in the socket's receive buffer); call
   * listen again to go on. The buffers handed over are reused by the next
   * read: decode or copy what you keep.
   */
  listen(onMessages: (msgs: MessageView[]) => void | boolean, onError: (e: SocketError) => void): () => void {
    const buf = this.recvBuffer();
    const readable = (err: Error | null): void => {
      // libuv reports POLLERR as EBADF and stops polling. A pending socket
      // error (ENOBUFS after an overflow) raises POLLERR: read to learn the
      // real error, then poll again.
      const pollError = err;
      let learned = false;
      // Drain what is there now; uv_poll calls again when more arrives.
      for (let i = 0; i < 64; i++) {
        if (this.native.closed) return;
        let r: RecvResult;
        try {
          r = this.native.recv(buf, 0, MIN_ROOM);
        } catch (e) {
          onError(SocketError.from(e));
          return;
        }
        let paused = false;
        if (r.bytes > 0 || r.error) learned = true;
        if (r.bytes > 0) {
          const msgs = parseMessages(buf, 0, r.bytes);
          if (this.tracer) for (const m of msgs) this.tracer('recv', m);
          paused = onMessages(msgs) === false;
        }
        if (r.error) {
          const e = r.error;
          onError(new SocketError(e.code, e.errno, e.syscall, e.code === 'ENOBUFS'
            ? 'the receive queue overflowed (ENOBUFS): events were lost'
            : e.message, { cause: e }));
        }
        // The callbacks may have closed the socket or asked for a pause.
        if (this.native.closed) return;
        if (paused) {
          this.native.stopPolling();
          return;
        }
        if (r.error) continue;
        if (r.count === 0) break;
      }
      if (pollError && !this.native.closed) {
        if (!learned) {
          onError(SocketError.from(pollError));
          return;
        }
        this.native.startPolling(readable);
      }
    };
    this.native.startPolling(readable);
    return () => {
      if (!this.native.closed) this.native.stopPolling();
    };
  }

  close(): void {
    this.native.close();
  }
}
