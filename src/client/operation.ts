// The operations of a transaction. Each one knows how to write its message(s)
// into a batch, what it is called in errors, and what to take from the
// kernel's echo (its handle).

import { ValidationError } from '../errors.js';
import { beU64, findAttr, hostU16 } from '../netlink/attr.js';
import { NLM_F_ECHO } from '../netlink/constants.js';
import { attrStart, type MessageView } from '../netlink/message.js';
import { isFamily, nftMsg, type Family } from '../nftables/constants.js';
import type { BatchBuilder, MessageRecord } from './batch.js';

/** What a transaction method returns: the operation, filled in after commit. */
export interface Operation<T = unknown> {
  /** Position in the transaction. */
  readonly index: number;
  /** e.g. 'addChain'. */
  readonly kind: string;
  /** e.g. 'addChain inet t c'. */
  readonly label: string;
  /** The object as given. */
  readonly object: T;
  /** The kernel's handle for a created object, after a successful commit (when the kernel echoed one). */
  handle?: number;
}

// Which attribute carries the handle in the echo of each NEW* message.
const HANDLE_ATTR: Record<number, number> = {
  0: 4, // NFTA_TABLE_HANDLE
  3: 2, // NFTA_CHAIN_HANDLE
  6: 3, // NFTA_RULE_HANDLE
  9: 16, // NFTA_SET_HANDLE
  18: 6, // NFTA_OBJ_HANDLE
  22: 5, // NFTA_FLOWTABLE_HANDLE
};

export abstract class Op<T = unknown> implements Operation<T> {
  index = -1;
  handle?: number;
  readonly kind: string;
  readonly object: T;
  readonly label: string;

  constructor(kind: string, object: T, label: string) {
    this.kind = kind;
    this.object = object;
    this.label = label;
  }

  /** Writes the operation's message(s). `echo` asks the kernel to echo created objects. */
  abstract encode(b: BatchBuilder, echo: boolean): void;

  /** Whether encode asks for an echo (so the receive buffer can be sized). */
  echoes(echo: boolean): number {
    return echo ? 1 : 0;
  }

  /** How many messages encode writes (for sizing). */
  messageCount(): number {
    return 1;
  }

  /** Takes what the kernel echoed back for this operation. */
  onEcho(m: MessageView): void {
    const attr = HANDLE_ATTR[nftMsg(m.type)];
    if (attr === undefined) return;
    // One echo per created object: find the handle without building a table.
    const off = findAttr(m.buf, attrStart(m), m.end, attr);
    if (off >= 0 && hostU16(m.buf, off) >= 12) this.handle = Number(beU64(m.buf, off + 4));
  }

  /** More precise words for an error at `offset` in one of this operation's messages. */
  detail(_rec: MessageRecord, _offset: number): string | undefined {
    return undefined;
  }

  /** For operations that carry an expression list: the index of the expression an error offset falls in. */
  expressionAt(_rec: MessageRecord, _offset: number): number | undefined {
    return undefined;
  }
}

/** Echo flag for NEW* messages when handles are wanted. */
export function echoFlag(echo: boolean): number {
  return echo ? NLM_F_ECHO : 0;
}

// --- validation shared by operations ------------------------------------------

export const NAME_MAX_BYTES = 255;

export function checkFamily(f: unknown, op: string): asserts f is Family {
  if (!isFamily(f)) {
    throw new ValidationError('family', `unknown family ${JSON.stringify(f)} (known: ip, ip6, inet, arp, bridge, netdev)`, op);
  }
}

export function checkName(field: string, v: unknown, op: string): void {
  if (typeof v !== 'string' || v.length === 0) throw new ValidationError(field, `must be a non-empty string, not ${JSON.stringify(v)}`, op);
  const n = Buffer.byteLength(v);
  if (n > NAME_MAX_BYTES) throw new ValidationError(field, `is ${n} bytes long; the kernel allows at most ${NAME_MAX_BYTES}`, op);
  if (v.includes('\0')) throw new ValidationError(field, 'must not contain NUL', op);
}

export function checkHandle(field: string, v: unknown, op: string): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ValidationError(field, `must be a non-negative integer handle, not ${JSON.stringify(v)}`, op);
  }
}

export function checkComment(v: unknown, op: string): void {
  if (v === undefined) return;
  if (typeof v !== 'string') throw new ValidationError('comment', 'must be a string', op);
  // The comment travels as a userdata TLV: 1 byte of length for the string and its NUL.
  if (Buffer.byteLength(v) > 253) throw new ValidationError('comment', `is ${Buffer.byteLength(v)} bytes; at most 253 fit in userdata`, op);
}

export function checkUserdata(v: unknown, op: string): void {
  if (v === undefined) return;
  if (!(v instanceof Uint8Array)) throw new ValidationError('userdata', 'must be a Uint8Array', op);
  if (v.length > 256) throw new ValidationError('userdata', `is ${v.length} bytes; the kernel allows at most 256`, op);
}

/** 'a b c' label pieces, skipping undefined. */
export function labelOf(kind: string, ...parts: (string | number | undefined)[]): string {
  // Every operation gets a label when it is added: a plain loop, no arrays.
  let s = kind;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === undefined) continue;
    if (typeof p === 'number') s += ` handle ${p}`;
    // Keep labels readable when a name is absurdly long (it is named in full elsewhere).
    else if (typeof p === 'string' && p.length > 64) s += ` ${p.slice(0, 60)}…(${p.length} chars)`;
    else s += ` ${String(p)}`;
  }
  return s;
}
