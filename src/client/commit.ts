// Sending a transaction: one BATCH_BEGIN … BATCH_END datagram, then a GETGEN
// barrier. The kernel handles the whole batch inside sendmsg and queues every
// reply before the barrier's answer, so reading up to that answer collects all
// of them; success is the absence of errors.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { NLMSG_ERROR, NLM_F_REQUEST } from '../netlink/constants.js';
import { decodeError, errnoName, type MessageView } from '../netlink/message.js';
import type { NetlinkSocket } from '../netlink/socket.js';
import { SocketError } from '../netlink/message.js';
import { AttrWriter } from '../netlink/attr.js';
import { NFT_MSG_GETGEN, NFT_MSG_NEWGEN, nftMsg, nftType } from '../nftables/constants.js';
import { decodeGen } from '../nftables/gen.js';
import { attributePath, formatPath } from '../nftables/schema.js';
import { BatchBuilder } from './batch.js';
import { GenerationConflictError, RepliesLostError, TransactionError, type OperationFailure } from './errors.js';
import type { Op } from './operation.js';

export interface CommitOptions {
  generation?: number | undefined;
  dryRun: boolean;
  echo: boolean;
}

export interface CommitTimings {
  /** Building the batch in JavaScript. */
  encodeMs: number;
  /** The sendmsg of the batch: the kernel's own work. */
  sendMs: number;
  /** Reading and matching the replies. */
  replyMs: number;
}

export interface CommitResult {
  /** The ruleset generation after the commit (unchanged by a dry run). */
  generation: number;
  /** Operations sent. */
  operations: number;
  /** Netlink messages in the batch, BEGIN and END included. */
  messages: number;
  /** Size of the batch datagram. */
  bytes: number;
  timings: CommitTimings;
}

/** Encoding looks at the clock every this many operations, and yields to the event loop after this long. */
const YIELD_CHECK_OPS = 256;
const YIELD_AFTER_MS = 8;

export function encodeGetGen(seq: number): Buffer {
  const w = new AttrWriter(32);
  const s = w.beginMessage(nftType(NFT_MSG_GETGEN), NLM_F_REQUEST, seq, 0);
  w.endMessage(s);
  return w.finish();
}

/**
 * Builds the batch datagram of `ops`: BATCH_BEGIN (with the generation guard),
 * every operation's messages, and BATCH_END unless it is a dry run. Sequence
 * numbers start at `firstSeq`. Long batches yield to the event loop now and then.
 */
export async function encodeBatch(ops: readonly Op[], firstSeq: number, opts: CommitOptions, buffer?: Buffer): Promise<BatchBuilder> {
  // Small batches start below 4 KiB, where Buffer.allocUnsafe takes from its
  // pool; a kept buffer from an earlier batch is used when it is big enough.
  const b = new BatchBuilder(firstSeq, Math.min(64 << 20, Math.max(512, ops.length * 224)), buffer);
  b.begin(opts.generation);
  let sliceStart = performance.now();
  for (let i = 0; i < ops.length; i++) {
    b.currentOp = i;
    ops[i]!.encode(b, opts.echo);
    if (i % YIELD_CHECK_OPS === YIELD_CHECK_OPS - 1 && performance.now() - sliceStart > YIELD_AFTER_MS) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  b.currentOp = -1;
  if (!opts.dryRun) b.end();
  return b;
}

/** How many sequence numbers a batch of `ops` uses (BEGIN and END included). */
export function batchMessageCount(ops: readonly Op[]): number {
  let messages = 2;
  for (const op of ops) messages += op.messageCount();
  return messages;
}

/**
 * The last batch buffer of each socket, reused by its next commit: a fresh
 * multi-megabyte buffer costs a page fault per 4 KiB on first write, which
 * in a large bootstrap took longer than encoding into it. Taken while a
 * commit encodes and sends, given back afterwards.
 */
const spareBuffers = new WeakMap<NetlinkSocket, Buffer>();
/** Bigger spare buffers are dropped rather than kept. */
const SPARE_MAX = 64 << 20;

export async function runBatch(sock: NetlinkSocket, ops: Op[], opts: CommitOptions): Promise<CommitResult> {
  const t0 = performance.now();
  // One pass over the operations for the sizes (yielding on long batches).
  let echoes = 0;
  let messages = 2;
  let slice = t0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    echoes += op.echoes(opts.echo);
    messages += op.messageCount();
    if ((i & 4095) === 4095 && performance.now() - slice > YIELD_AFTER_MS) {
      await yieldToLoop();
      slice = performance.now();
    }
  }
  const firstSeq = sock.allocSeq(messages + 1);
  const spare = spareBuffers.get(sock);
  spareBuffers.delete(sock);
  let b: BatchBuilder;
  try {
    b = await encodeBatch(ops, firstSeq, opts, spare);
  } catch (e) {
    if (spare) spareBuffers.set(sock, spare);
    throw e;
  }
  try {
    return await sendBatch(sock, ops, opts, b, echoes, t0);
  } finally {
    if (b.w.buf.length <= SPARE_MAX && !spareBuffers.has(sock)) spareBuffers.set(sock, b.w.buf);
  }
}

async function sendBatch(sock: NetlinkSocket, ops: Op[], opts: CommitOptions, b: BatchBuilder, echoes: number, t0: number): Promise<CommitResult> {
  const batch = b.finish();
  const barrierSeq = b.nextSeq;
  const t1 = performance.now();

  // Room for the datagram, and for every echo and error the kernel may queue.
  sock.ensureBuffers(batch.length + 4096, Math.min(1 << 30, (echoes * 4 + b.count) * 1024 + (1 << 20)));

  return sock.exclusive(async () => {
    const tSend = performance.now();
    await sock.send(batch);
    const t2 = performance.now();
    sock.sendSync(encodeGetGen(barrierSeq));

    const errors: { seq: number; errno: number; message?: string; offset?: number }[] = [];
    let generation: number | undefined;
    const big = batch.length > (1 << 20) || echoes > 2000;
    try {
      await sock.readUntil((m: MessageView) => {
        if (m.type === NLMSG_ERROR) {
          const e = decodeError(m);
          if (e.errno !== 0) {
            errors.push({ seq: e.request.seq, errno: e.errno, ...(e.message !== undefined ? { message: e.message } : {}), ...(e.offset !== undefined ? { offset: e.offset } : {}) });
          }
          return false;
        }
        const msg = nftMsg(m.type);
        if (m.seq === barrierSeq && msg === NFT_MSG_NEWGEN) {
          generation = decodeGen(m).id;
          return true;
        }
        if (msg < 0 || msg === NFT_MSG_NEWGEN) return false;
        const op = b.opOf(m.seq);
        if (op >= 0) ops[op]!.onEcho(m);
        return false;
      }, { async: big });
    } catch (e) {
      if (e instanceof SocketError && e.code === 'ENOBUFS') {
        throw new RepliesLostError(await committedAfterLoss(sock, opts), e);
      }
      throw e;
    }
    const t3 = performance.now();
    if (errors.length > 0) throw failuresToError(errors, b, batch, ops, opts);
    void tSend;
    return {
      generation: generation ?? 0,
      operations: ops.length,
      messages: b.count + (opts.dryRun ? 1 : 2),
      bytes: batch.length,
      timings: { encodeMs: t1 - t0, sendMs: t2 - tSend, replyMs: t3 - t2 },
    };
  });
}

async function committedAfterLoss(sock: NetlinkSocket, opts: CommitOptions): Promise<boolean | undefined> {
  // Only a guarded transaction can tell: its generation moved iff it (or someone) committed.
  if (opts.dryRun) return false;
  if (opts.generation === undefined) return undefined;
  try {
    // Drain whatever is left, then ask.
    for (let i = 0; i < 10000; i++) {
      const r = sock.native.recv(Buffer.allocUnsafe(1 << 16), 0, 1 << 16);
      if (r.count === 0 && !r.error) break;
    }
    const seq = sock.allocSeq();
    sock.sendSync(encodeGetGen(seq));
    let gen: number | undefined;
    await sock.readUntil((m) => {
      if (m.seq === seq && nftMsg(m.type) === NFT_MSG_NEWGEN) {
        gen = decodeGen(m).id;
        return true;
      }
      return false;
    });
    return gen === undefined ? undefined : gen !== opts.generation;
  } catch {
    return undefined;
  }
}

function failuresToError(
  errors: { seq: number; errno: number; message?: string; offset?: number }[],
  b: BatchBuilder,
  batch: Buffer,
  ops: Op[],
  opts: CommitOptions,
): TransactionError {
  const failures: OperationFailure[] = [];
  let restart = false;
  for (const e of errors) {
    const f: OperationFailure = { index: -1, kind: 'batch', label: 'batch', errno: e.errno, code: errnoName(e.errno) };
    if (e.message !== undefined) f.kernelMessage = e.message;
    if (e.offset !== undefined) f.offset = e.offset;
    if (e.seq === b.beginSeq) {
      f.label = 'batch begin';
      if (e.errno === 85) restart = true;
    } else {
      const rec = b.recordOf(e.seq);
      if (rec && rec.op >= 0) {
        const op = ops[rec.op]!;
        f.index = op.index >= 0 ? op.index : rec.op;
        f.kind = op.kind;
        f.label = op.label;
        if (e.offset !== undefined && e.offset >= 16 && rec.start + e.offset < rec.end) {
          const path = attributePath(batch, rec.start, rec.end, e.offset);
          // Lists split over several messages: number their items within the operation.
          const item = rec.firstItem ? path.find((s) => s.name === 'element' && s.index !== undefined) : undefined;
          if (item) item.index! += rec.firstItem!;
          if (path.length) f.attribute = formatPath(path);
          const d = op.detail(rec, e.offset);
          if (d) f.detail = d;
          const x = op.expressionAt(rec, e.offset);
          if (x !== undefined) f.expression = x;
        } else if (e.offset === undefined && rec.seq === b.recordAt(0)?.seq && ops.length > 1) {
          f.detail = 'the kernel reports failures of the commit as a whole against the first message';
        }
      } else {
        f.label = `message seq ${e.seq}`;
      }
    }
    failures.push(f);
  }
  failures.sort((x, y) => x.index - y.index);
  if (restart && opts.generation !== undefined) return new GenerationConflictError(opts.generation, failures);
  return new TransactionError(failures);
}
