// Building one batch: BATCH_BEGIN, the operations' messages, BATCH_END, with
// every message's seq and offset remembered so replies map back to operations.

import { AttrWriter } from '../netlink/attr.js';
import {
  NFNL_BATCH_GENID,
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  NFNL_SUBSYS_NFTABLES,
  NLM_F_REQUEST,
} from '../netlink/constants.js';
import { familyNumber, nftType, type Family } from '../nftables/constants.js';

/** Where one message of the batch is, and which operation wrote it. */
export interface MessageRecord {
  op: number;
  seq: number;
  start: number;
  end: number;
  /** Operation-specific marks inside the message (element or expression starts), for error details. */
  marks?: number[];
  /** Index of the first item (element …) of this message within its operation. */
  firstItem?: number;
  /** The batch the message is in (records handed out for error mapping carry it). */
  buf?: Uint8Array;
}

/**
 * Builds a batch and remembers where each message is. The positions live in
 * typed arrays, not one object per message: a bootstrap of 200 000
 * operations would otherwise leave 200 000 small objects for the young
 * generation's collector to copy while encoding, in pauses of tens of
 * milliseconds. Records are objects only while an operation writes its
 * message (one reused object) and when a reply is mapped back (recordOf).
 */
export class BatchBuilder {
  readonly w: AttrWriter;
  private seq: number;
  beginSeq = 0;
  currentOp = -1;
  /** Messages written (BEGIN and END not counted). */
  count = 0;
  private firstMsgSeq = -1;
  private ops: Int32Array;
  private starts: Uint32Array;
  private ends: Uint32Array;
  /** Kept only for the messages whose operation set them. */
  private readonly marks = new Map<number, number[]>();
  private readonly firstItems = new Map<number, number>();
  /** The record of the message being written (reused). */
  private readonly scratch: MessageRecord = { op: -1, seq: 0, start: 0, end: 0 };

  constructor(firstSeq: number, sizeHint = 64 << 10, buffer?: Buffer, messages = 64) {
    this.w = new AttrWriter(sizeHint, buffer);
    this.seq = firstSeq;
    const n = Math.max(16, messages);
    this.ops = new Int32Array(n);
    this.starts = new Uint32Array(n);
    this.ends = new Uint32Array(n);
  }

  /** The next sequence number; nlmsg_seq is 32 bits, so it wraps like the wire does. */
  private takeSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    return s;
  }

  begin(generation?: number): void {
    this.beginSeq = this.takeSeq();
    const start = this.w.beginMessage(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, this.beginSeq, 0, NFNL_SUBSYS_NFTABLES);
    if (generation !== undefined) this.w.u32(NFNL_BATCH_GENID, generation);
    this.w.endMessage(start);
  }

  end(): number {
    const seq = this.takeSeq();
    const start = this.w.beginMessage(NFNL_MSG_BATCH_END, NLM_F_REQUEST, seq, 0, NFNL_SUBSYS_NFTABLES);
    this.w.endMessage(start);
    return seq;
  }

  private grow(): void {
    const n = this.ops.length * 2;
    const ops = new Int32Array(n);
    ops.set(this.ops);
    const starts = new Uint32Array(n);
    starts.set(this.starts);
    const ends = new Uint32Array(n);
    ends.set(this.ends);
    this.ops = ops;
    this.starts = starts;
    this.ends = ends;
  }

  /**
   * Starts an nf_tables message of the current operation. The record returned
   * is valid until close(): set `marks` and `firstItem` on it before closing.
   */
  message(msg: number, flags: number, family: Family | number): MessageRecord {
    const seq = this.takeSeq();
    if (this.firstMsgSeq < 0) this.firstMsgSeq = seq;
    const fam = typeof family === 'number' ? family : familyNumber(family);
    const start = this.w.beginMessage(nftType(msg), NLM_F_REQUEST | flags, seq, fam);
    if (this.count === this.ops.length) this.grow();
    const i = this.count++;
    this.ops[i] = this.currentOp;
    this.starts[i] = start;
    const rec = this.scratch;
    rec.op = this.currentOp;
    rec.seq = seq;
    rec.start = start;
    rec.end = start;
    delete rec.marks;
    delete rec.firstItem;
    return rec;
  }

  close(rec: MessageRecord): void {
    this.w.endMessage(rec.start);
    rec.end = this.w.pos;
    const i = this.count - 1;
    this.ends[i] = rec.end;
    if (rec.marks) this.marks.set(i, rec.marks);
    if (rec.firstItem !== undefined) this.firstItems.set(i, rec.firstItem);
  }

  get nextSeq(): number {
    return this.seq;
  }

  /** The record of the i-th message, as an object of its own (with the batch bytes). */
  recordAt(i: number): MessageRecord | undefined {
    if (i < 0 || i >= this.count) return undefined;
    const rec: MessageRecord = { op: this.ops[i]!, seq: (this.firstMsgSeq + i) >>> 0, start: this.starts[i]!, end: this.ends[i]!, buf: this.w.buf };
    const m = this.marks.get(i);
    if (m) rec.marks = m;
    const f = this.firstItems.get(i);
    if (f !== undefined) rec.firstItem = f;
    return rec;
  }

  /** The record of the message with this sequence number (they are consecutive, wrapping at 2^32). */
  recordOf(seq: number): MessageRecord | undefined {
    if (this.count === 0) return undefined;
    return this.recordAt((seq - this.firstMsgSeq) >>> 0);
  }

  /** The operation that wrote the message with this sequence number, or -1. */
  opOf(seq: number): number {
    const i = (seq - this.firstMsgSeq) >>> 0;
    return this.count > 0 && i < this.count ? this.ops[i]! : -1;
  }

  /** Every message's record, as objects (for inspection and tests; replies use recordOf). */
  get records(): MessageRecord[] {
    if (this.recordList?.length !== this.count) {
      const out: MessageRecord[] = [];
      for (let i = 0; i < this.count; i++) out.push(this.recordAt(i)!);
      this.recordList = out;
    }
    return this.recordList;
  }
  private recordList: MessageRecord[] | undefined;

  finish(): Buffer {
    return this.w.finish();
  }
}

/** Finds the record of a seq by binary search (records are in seq order). */
export function findRecord(records: MessageRecord[], seq: number): MessageRecord | undefined {
  let lo = 0;
  let hi = records.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = records[mid]!.seq;
    if (s === seq) return records[mid];
    // Sequence numbers may wrap inside one batch; compare as distances from the first.
    if (((s - records[0]!.seq) >>> 0) < ((seq - records[0]!.seq) >>> 0)) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
