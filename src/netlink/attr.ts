// Netlink attributes: a writer that builds whole messages into one growing
// buffer and back-patches lengths, and readers that never look past their parent.
//
// Netlink's own headers (nlmsghdr, nlattr) are host-endian; nf_tables integer
// attributes are big-endian. Both live here so codecs never touch byte order.

import { endianness } from 'node:os';
import { DecodeError } from '../errors.js';
import { NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN, NFGENMSG_LEN } from './constants.js';

export const HOST_LE = endianness() === 'LE';

export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Largest payload one attribute can hold: nla_len is 16 bits. */
export const NLA_MAX_LEN = 0xffff;

export class AttrWriter {
  buf: Buffer;
  pos = 0;

  /** `buffer`: start in this buffer (it is written over), e.g. one kept from the previous batch. */
  constructor(initialSize = 4096, buffer?: Buffer) {
    this.buf = buffer && buffer.length >= initialSize ? buffer : Buffer.allocUnsafe(initialSize);
  }

  /** Makes room for n more bytes. */
  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  // Byte stores rather than Buffer's write methods: these run for every
  // attribute header of a batch, and the methods' range checks cost more than
  // the stores (reserve() has made the room already).
  private hostU16(off: number, v: number): void {
    const b = this.buf;
    if (HOST_LE) {
      b[off] = v & 0xff;
      b[off + 1] = (v >>> 8) & 0xff;
    } else {
      b[off] = (v >>> 8) & 0xff;
      b[off + 1] = v & 0xff;
    }
  }

  private hostU32(off: number, v: number): void {
    const b = this.buf;
    if (HOST_LE) {
      b[off] = v & 0xff;
      b[off + 1] = (v >>> 8) & 0xff;
      b[off + 2] = (v >>> 16) & 0xff;
      b[off + 3] = (v >>> 24) & 0xff;
    } else {
      b[off] = (v >>> 24) & 0xff;
      b[off + 1] = (v >>> 16) & 0xff;
      b[off + 2] = (v >>> 8) & 0xff;
      b[off + 3] = v & 0xff;
    }
  }

  /**
   * Starts a netlink message with an nfgenmsg header; returns its start offset
   * for {@link endMessage}.
   */
  beginMessage(type: number, flags: number, seq: number, family: number, resId = 0): number {
    this.reserve(NLMSG_HDRLEN + NFGENMSG_LEN);
    const start = this.pos;
    const b = this.buf;
    this.hostU32(start, 0);
    this.hostU16(start + 4, type);
    this.hostU16(start + 6, flags);
    this.hostU32(start + 8, seq);
    this.hostU32(start + 12, 0);
    b[start + 16] = family;
    b[start + 17] = 0;
    b.writeUInt16BE(resId, start + 18);
    this.pos = start + NLMSG_HDRLEN + NFGENMSG_LEN;
    return start;
  }

  /** Writes the message length; the message body ends at the current position. */
  endMessage(start: number): void {
    this.hostU32(start, this.pos - start);
  }

  /**
   * Starts a nested attribute; returns its start offset for {@link endNest}.
   * Marked NLA_F_NESTED as libmnl marks it (nft's bytes); the kernel accepts
   * nests with or without the flag and never sets it in what it sends.
   */
  beginNest(type: number): number {
    this.reserve(NLA_HDRLEN);
    const start = this.pos;
    this.hostU16(start + 2, type | NLA_F_NESTED);
    this.pos = start + NLA_HDRLEN;
    return start;
  }

  endNest(start: number): void {
    const len = this.pos - start;
    if (len > NLA_MAX_LEN) {
      throw new RangeError(`nested attribute of ${len} bytes exceeds the netlink limit of ${NLA_MAX_LEN}`);
    }
    this.hostU16(start, len);
  }

  private header(type: number, payloadLen: number): number {
    const total = NLA_HDRLEN + payloadLen;
    if (total > NLA_MAX_LEN) throw new RangeError(`attribute of ${total} bytes exceeds the netlink limit of ${NLA_MAX_LEN}`);
    this.reserve(align4(total));
    const p = this.pos;
    this.hostU16(p, total);
    this.hostU16(p + 2, type);
    return p + NLA_HDRLEN;
  }

  private pad(end: number): void {
    const aligned = align4(end);
    for (let i = end; i < aligned; i++) this.buf[i] = 0;
    this.pos = aligned;
  }

  u8(type: number, v: number): void {
    const p = this.header(type, 1);
    this.buf[p] = v & 0xff;
    this.pad(p + 1);
  }

  /** Big-endian u16, as nf_tables sends 16-bit attributes. */
  u16(type: number, v: number): void {
    const p = this.header(type, 2);
    this.buf.writeUInt16BE(v & 0xffff, p);
    this.pad(p + 2);
  }

  /** Big-endian u32 (signed values are sent as their two's complement). */
  u32(type: number, v: number): void {
    const p = this.header(type, 4);
    const b = this.buf;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  /** Host-endian u32, for the few attributes the kernel reads unswapped. */
  u32host(type: number, v: number): void {
    const p = this.header(type, 4);
    this.hostU32(p, v);
    this.pos = p + 4;
  }

  /** Big-endian u64. */
  u64(type: number, v: number | bigint): void {
    const p = this.header(type, 8);
    if (typeof v === 'bigint') {
      this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), p);
    } else {
      this.buf.writeUInt32BE(Math.floor(v / 0x100000000) >>> 0, p);
      this.buf.writeUInt32BE(v >>> 0, p + 4);
    }
    this.pos = p + 8;
  }

  /** NUL-terminated string. */
  str(type: number, s: string): void {
    // Reserve the worst case, write, then fix the header with the real size.
    this.reserve(NLA_HDRLEN + s.length * 3 + 4);
    const p = this.pos;
    const b = this.buf;
    // Names are short and ASCII: storing the characters beats the UTF-8 encoder's call.
    let n = 0;
    if (s.length <= 128) {
      for (; n < s.length; n++) {
        const c = s.charCodeAt(n);
        if (c >= 0x80) break;
        b[p + NLA_HDRLEN + n] = c;
      }
    }
    if (n < s.length) n = b.write(s, p + NLA_HDRLEN, 'utf8');
    this.buf[p + NLA_HDRLEN + n] = 0;
    const total = NLA_HDRLEN + n + 1;
    if (total > NLA_MAX_LEN) throw new RangeError(`attribute of ${total} bytes exceeds the netlink limit of ${NLA_MAX_LEN}`);
    this.hostU16(p, total);
    this.hostU16(p + 2, type);
    this.pad(p + total);
  }

  bytes(type: number, data: Uint8Array): void {
    const n = data.length;
    const p = this.header(type, n);
    // Operands are a few bytes: a loop beats set()'s call for them.
    if (n <= 16) {
      const b = this.buf;
      for (let i = 0; i < n; i++) b[p + i] = data[i]!;
    } else {
      this.buf.set(data, p);
    }
    this.pad(p + n);
  }

  /** Appends raw, already-encoded attribute bytes (kept from a decode). */
  raw(data: Uint8Array): void {
    this.reserve(align4(data.length));
    this.buf.set(data, this.pos);
    this.pad(this.pos + data.length);
  }

  /** The bytes written so far (a view, not a copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }
}

// ---------------------------------------------------------------------------
// Reading

export function hostU16(buf: Uint8Array, off: number): number {
  return HOST_LE ? buf[off]! | (buf[off + 1]! << 8) : (buf[off]! << 8) | buf[off + 1]!;
}

export function hostU32(buf: Uint8Array, off: number): number {
  return HOST_LE
    ? (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16)) + buf[off + 3]! * 0x1000000
    : buf[off]! * 0x1000000 + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
}

export function hostI32(buf: Uint8Array, off: number): number {
  return hostU32(buf, off) | 0;
}

export function beU16(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

export function beU32(buf: Uint8Array, off: number): number {
  return buf[off]! * 0x1000000 + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
}

/** Big-endian u64 as a number when it is exactly representable, else a bigint. */
export function beU64(buf: Uint8Array, off: number): number | bigint {
  const hi = beU32(buf, off);
  const lo = beU32(buf, off + 4);
  if (hi < 0x200000) return hi * 0x100000000 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Walks the attributes in buf[start, end) and calls fn(type, payloadStart,
 * payloadLen) for each, with the type masked to its 14 bits. Throws a
 * DecodeError for a header that is short or runs past `end`.
 */
export function forEachAttr(
  buf: Uint8Array,
  start: number,
  end: number,
  fn: (type: number, off: number, len: number) => void,
  path?: string[],
): void {
  let p = start;
  while (p < end) {
    if (end - p < NLA_HDRLEN) throw new DecodeError(`${end - p} stray bytes where an attribute header was expected`, p, path);
    const len = hostU16(buf, p);
    if (len < NLA_HDRLEN || p + len > end) {
      throw new DecodeError(`attribute length ${len} runs past its parent (${end - p} bytes left)`, p, path);
    }
    fn(hostU16(buf, p + 2) & NLA_TYPE_MASK, p + NLA_HDRLEN, len - NLA_HDRLEN);
    p += align4(len);
  }
}

/**
 * Offset of the header of the first attribute of `type` in buf[start, end),
 * or -1; stops (returns -1) at a header that runs past `end`.
 */
export function findAttr(buf: Uint8Array, start: number, end: number, type: number): number {
  let p = start;
  while (end - p >= NLA_HDRLEN) {
    const len = hostU16(buf, p);
    if (len < NLA_HDRLEN || p + len > end) return -1;
    if ((hostU16(buf, p + 2) & NLA_TYPE_MASK) === type) return p;
    p += align4(len);
  }
  return -1;
}

/**
 * A parsed attribute table for one nest: offsets and lengths by type, so a
 * decoder can ask for what it knows and hand the rest back as raw bytes.
 */
export class AttrTable {
  readonly buf: Uint8Array;
  /** For type t: off[t] = payload start, or -1 when absent. */
  readonly off: Int32Array;
  readonly len: Int32Array;
  /** Start of each attribute's header, for raw re-encoding of unknown ones. */
  readonly hdr: Int32Array;
  readonly path: string[] | undefined;
  /** Types seen above `max` (kept so nothing is lost). */
  extra: { type: number; start: number; end: number }[] | undefined;
  /** Types seen more than once (only the last is in the table). */
  repeated: boolean;

  constructor(buf: Uint8Array, start: number, end: number, max: number, path?: string[]) {
    this.buf = buf;
    this.off = new Int32Array(max + 1).fill(-1);
    this.len = new Int32Array(max + 1);
    this.hdr = new Int32Array(max + 1);
    this.path = path;
    this.extra = undefined;
    this.repeated = false;
    let p = start;
    while (p < end) {
      if (end - p < NLA_HDRLEN) throw new DecodeError(`${end - p} stray bytes where an attribute header was expected`, p, path);
      const len = hostU16(buf, p);
      if (len < NLA_HDRLEN || p + len > end) {
        throw new DecodeError(`attribute length ${len} runs past its parent (${end - p} bytes left)`, p, path);
      }
      const type = hostU16(buf, p + 2) & NLA_TYPE_MASK;
      if (type <= max && type > 0) {
        if (this.off[type] !== -1) this.repeated = true;
        this.off[type] = p + NLA_HDRLEN;
        this.len[type] = len - NLA_HDRLEN;
        this.hdr[type] = p;
      } else {
        (this.extra ??= []).push({ type, start: p, end: p + len });
      }
      p += align4(len);
    }
  }

  has(type: number): boolean {
    return this.off[type]! >= 0;
  }

  private need(type: number, name: string, size: number): number {
    const o = this.off[type]!;
    if (o < 0) throw new DecodeError(`missing ${name}`, 0, this.path);
    if (this.len[type]! < size) throw new DecodeError(`${name} has ${this.len[type]} bytes, needs ${size}`, o, this.path);
    return o;
  }

  u8(type: number, name: string): number {
    return this.buf[this.need(type, name, 1)]!;
  }
  u16(type: number, name: string): number {
    return beU16(this.buf, this.need(type, name, 2));
  }
  u32(type: number, name: string): number {
    return beU32(this.buf, this.need(type, name, 4));
  }
  i32(type: number, name: string): number {
    return beU32(this.buf, this.need(type, name, 4)) | 0;
  }
  u32host(type: number, name: string): number {
    return hostU32(this.buf, this.need(type, name, 4));
  }
  u64(type: number, name: string): number | bigint {
    return beU64(this.buf, this.need(type, name, 8));
  }
  str(type: number, name: string): string {
    const o = this.need(type, name, 0);
    return readCString(this.buf, o, o + this.len[type]!);
  }
  /** A copy of the payload. */
  bytes(type: number, name: string): Uint8Array {
    const o = this.need(type, name, 0);
    return copyBytes(this.buf, o, o + this.len[type]!);
  }
  /** [start, end) of the payload, for nests. */
  range(type: number, name: string): [number, number] {
    const o = this.need(type, name, 0);
    return [o, o + this.len[type]!];
  }
  /** Copies of the attributes this decoder does not know, header included. */
  unknown(): Uint8Array[] | undefined {
    if (!this.extra) return undefined;
    return this.extra.map((e) => copyBytes(this.buf, e.start, e.end));
  }
}

const utf8Decoder = new TextDecoder('utf-8');

/** A NUL-terminated (or unterminated) string in buf[start, end). */
export function readCString(buf: Uint8Array, start: number, end: number): string {
  let e = start;
  let high = 0;
  while (e < end) {
    const c = buf[e]!;
    if (c === 0) break;
    high |= c;
    e++;
  }
  // ASCII (the usual case for names) takes Buffer's native latin1 path.
  if (high < 0x80) {
    const b = buf instanceof Buffer ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    return (b as Buffer & { latin1Slice(s: number, e: number): string }).latin1Slice(start, e);
  }
  return utf8Decoder.decode(buf.subarray(start, e));
}

// Names (tables, chains, sets) repeat across the messages of a dump: the same
// few strings, once each, instead of a new string per message. A direct-mapped
// table in typed arrays: a miss allocates only the string. (A Map of records,
// cleared when full, left every entry it had held as old-generation garbage:
// 20 MB over a 5k-service listing, a fifth of its peak memory.)
const NAME_SLOTS = 4096;
const NAME_SLOT_BYTES = 64;
const slotLen = new Int32Array(NAME_SLOTS).fill(-1);
const slotBytes = new Uint8Array(NAME_SLOTS * NAME_SLOT_BYTES);
const slotStr: string[] = new Array<string>(NAME_SLOTS).fill('');

/**
 * A NUL-terminated name, as readCString reads it, from a small cache of the
 * names seen last: the same bytes give the same string object.
 */
export function readName(buf: Uint8Array, start: number, end: number): string {
  let n = 0;
  let h = 0x811c9dc5;
  while (start + n < end) {
    const c = buf[start + n]!;
    if (c === 0) break;
    h = Math.imul(h ^ c, 0x01000193);
    n++;
  }
  if (n > NAME_SLOT_BYTES) return readCString(buf, start, end);
  const slot = ((h ^ n) >>> 0) & (NAME_SLOTS - 1);
  const base = slot * NAME_SLOT_BYTES;
  if (slotLen[slot] === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (slotBytes[base + i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return slotStr[slot]!;
  }
  const str = readCString(buf, start, start + n);
  // The cache keeps its own copy of the bytes: the receive buffer is reused.
  for (let i = 0; i < n; i++) slotBytes[base + i] = buf[start + i]!;
  slotLen[slot] = n;
  slotStr[slot] = str;
  return str;
}

export function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  return Buffer.from(buf.subarray(start, end));
}

/** Offsets [start, end) of each element of a list nest (NFTA_LIST_ELEM repeated). */
export function listElements(buf: Uint8Array, start: number, end: number, path?: string[]): number[] {
  const out: number[] = [];
  forEachAttr(buf, start, end, (_t, off, len) => {
    out.push(off, off + len);
  }, path);
  return out;
}
