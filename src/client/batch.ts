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
}

export class BatchBuilder {
  readonly w: AttrWriter;
  readonly records: MessageRecord[] = [];
  private seq: number;
  beginSeq = 0;
  currentOp = -1;

  constructor(firstSeq: number, sizeHint = 64 << 10, buffer?: Buffer) {
    this.w = new AttrWriter(sizeHint, buffer);
    this.seq = firstSeq;
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

  /** Starts an nf_tables message of the current operation; returns its record. */
  message(msg: number, flags: number, family: Family | number): MessageRecord {
    const seq = this.takeSeq();
    const fam = typeof family === 'number' ? family : familyNumber(family);
    const start = this.w.beginMessage(nftType(msg), NLM_F_REQUEST | flags, seq, fam);
    const rec: MessageRecord = { op: this.currentOp, seq, start, end: start };
    this.records.push(rec);
    return rec;
  }

  close(rec: MessageRecord): void {
    this.w.endMessage(rec.start);
    rec.end = this.w.pos;
  }

  get nextSeq(): number {
    return this.seq;
  }

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
