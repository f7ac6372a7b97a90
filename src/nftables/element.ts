// Set elements: NFTA_SET_ELEM_LIST_* around NFTA_SET_ELEM_* nests.
//
// Callers write elements as values of the set's types ('10.0.0.0/8',
// ['10.0.0.1', 'tcp', 80] …). prepareElements turns them into the elements
// nft would send: an interval of a single-field interval set becomes a start
// element and an INTERVAL_END element one past its end (none when the range
// runs to the top, where nft marks the start "open" in its userdata); a range
// of a concatenated interval set becomes KEY and KEY_END. The prepared form
// keeps keys in one buffer, so 100k elements cost a few allocations, and
// remembers which caller element each wire element came from, for errors.

import { DecodeError, ValidationError } from '../errors.js';
import { AttrWriter, beU32, beU64, copyBytes, HOST_LE, hostU16, readCString } from '../netlink/attr.js';
import { NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK } from '../netlink/constants.js';
import { attrStart, readNfGen, type MessageView } from '../netlink/message.js';
import {
  familyName,
  NFT_SET_ELEM_CATCHALL,
  NFT_SET_ELEM_INTERVAL_END,
  NFT_SET_MAP,
  NFT_SET_OBJECT,
  NFT_SET_TIMEOUT,
  NFTA_SET_ELEM_DATA,
  NFTA_SET_ELEM_EXPIRATION,
  NFTA_SET_ELEM_EXPR,
  NFTA_SET_ELEM_EXPRESSIONS,
  NFTA_SET_ELEM_FLAGS,
  NFTA_SET_ELEM_KEY,
  NFTA_SET_ELEM_KEY_END,
  NFTA_SET_ELEM_LIST_ELEMENTS,
  NFTA_SET_ELEM_LIST_SET,
  NFTA_SET_ELEM_LIST_SET_ID,
  NFTA_SET_ELEM_LIST_TABLE,
  NFTA_SET_ELEM_OBJREF,
  NFTA_SET_ELEM_TIMEOUT,
  NFTA_SET_ELEM_USERDATA,
  type Family,
} from './constants.js';
import {
  NFTA_DATA_VALUE,
  NFTA_DATA_VERDICT,
  NFTA_VERDICT_CHAIN,
  NFTA_VERDICT_CODE,
  decodeVerdict,
  encodeData,
  verdictCode,
  type DataValue,
  type Verdict,
} from './data.js';
import {
  compareBytes,
  decodeRange,
  decodeValue,
  intervalKeyType,
  parseVerdict,
  writeRange,
  writeValue,
  type KeyType,
  type Value,
} from './datatypes.js';
import { decodeExpr, encodeExprBody, NFTA_LIST_ELEM, validateExprs, type Expr } from './expr/index.js';
import type { SetShape } from './set.js';
import { buildUdata, parseUdata, readUdataString, readUdataU32, udataString, udataU32, type UdataTlv } from './udata.js';

/** One element of a set or map. */
export interface SetElement {
  /**
   * The key: a value of the set's key type ('10.0.0.1', 80, ['10.0.0.1', 'tcp', 80]),
   * in an interval set also a prefix or range ('10.0.0.0/8', '10.0.0.1-10.0.0.9',
   * ['10.0.0.0/8', '1024-65535']); raw bytes are always accepted. Listed
   * elements carry raw bytes. Absent on the catch-all element.
   */
  key?: Value;
  /** Inclusive end of a concatenated range (NFTA_SET_ELEM_KEY_END). */
  keyEnd?: Value;
  /** Map data: a value of the data type, or a verdict ({ verdict: 'goto', chain: 'x' }) in a verdict map. */
  data?: Value | Verdict;
  /** Object maps: the name of the stateful object (NFTA_SET_ELEM_OBJREF). */
  object?: string;
  /** The catch-all element (`*`), matched when no other is. */
  catchAll?: boolean;
  /** Wire level: this element ends an interval (NFT_SET_ELEM_INTERVAL_END). */
  intervalEnd?: boolean;
  /** Wire level: nft's mark on a start element whose interval runs to the top of the range. */
  intervalOpen?: boolean;
  /** Flag bits this library has no name for. */
  unknownFlags?: number;
  /** Timeout in milliseconds (the set needs the 'timeout' flag). */
  timeout?: number;
  /** Time left in milliseconds; settable on add. */
  expiration?: number;
  comment?: string;
  /** Raw userdata, when it holds more than the comment and nft's flags; sent as is. */
  userdata?: Uint8Array;
  /** Per-element stateful expressions ({ type: 'counter' } …). */
  exprs?: Expr[];
}

/** NFTNL_UDATA_SET_ELEM_* */
export const NFTNL_UDATA_SET_ELEM_COMMENT = 0;
export const NFTNL_UDATA_SET_ELEM_FLAGS = 1;
export const NFTNL_SET_ELEM_F_INTERVAL_OPEN = 0x1;

/** What an element carries besides its key, data and flags; only on start elements. */
export interface ElementExtra {
  /** Data that is neither a value of the map's type nor a verdict (wire mode without a definition). */
  data?: DataValue;
  timeout?: number;
  expiration?: number;
  userdata?: Uint8Array;
  objref?: string;
  exprs?: Expr[];
}

/** Elements as they go on the wire, keys and data in flat buffers. */
export interface WireElements {
  count: number;
  keyLen: number;
  /** count × keyLen bytes. */
  keys: Buffer;
  /** count × keyLen bytes when any element has KEY_END. */
  keyEnds: Buffer | undefined;
  /** 1 where the element has KEY_END. */
  hasKeyEnd: Uint8Array | undefined;
  /** NFTA_SET_ELEM_FLAGS (sent when non-zero). */
  flags: Uint32Array;
  /** Index of the caller's element each wire element came from. */
  source: Int32Array;
  /** Map data values: count × dataLen bytes, with hasData marking the elements that have one. */
  dataLen: number;
  data: Buffer | undefined;
  hasData: Uint8Array | undefined;
  /** Verdict map data: index into `verdicts` (the encoded NFTA_SET_ELEM_DATA attribute), -1 for none. */
  verdictRef: Int32Array | undefined;
  verdicts: Buffer[];
  /** Per wire element, when any has more (timeouts, comments, objects, expressions). */
  extras: (ElementExtra | undefined)[] | undefined;
}

export interface PrepareOptions {
  /** Send the elements as given: no interval expansion (keys are single values, flags as written). */
  raw?: boolean;
  /** Only keys matter (delete, get, reset). */
  keysOnly?: boolean;
  /** Field prefix in errors. */
  field?: string;
  /** Operation label in errors. */
  op?: string;
  /** The set's types are unknown (wire mode with raw keys): data, objects and timeouts are sent as given. */
  permissive?: boolean;
}

function elementUdata(e: SetElement, open: boolean): Uint8Array | undefined {
  if (e.userdata !== undefined) {
    if (!(e.userdata instanceof Uint8Array)) throw new ValidationError('userdata', 'must be a Uint8Array');
    if (e.userdata.length > 256) throw new ValidationError('userdata', `is ${e.userdata.length} bytes; at most 256`);
    return e.userdata;
  }
  const tlvs: UdataTlv[] = [];
  if (e.comment !== undefined) {
    if (typeof e.comment !== 'string') throw new ValidationError('comment', 'must be a string');
    if (Buffer.byteLength(e.comment) > 253) throw new ValidationError('comment', 'is longer than 253 bytes');
    tlvs.push({ type: NFTNL_UDATA_SET_ELEM_COMMENT, value: udataString(e.comment) });
  }
  if (open) tlvs.push({ type: NFTNL_UDATA_SET_ELEM_FLAGS, value: udataU32(NFTNL_SET_ELEM_F_INTERVAL_OPEN) });
  return tlvs.length ? buildUdata(tlvs) : undefined;
}

function checkMs(v: unknown, field: string): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ValidationError(field, `must be milliseconds, a non-negative integer, not ${JSON.stringify(v)}`);
}

function isMax(b: Uint8Array, off: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (b[off + i] !== 0xff) return false;
  return true;
}

/** b[off..off+len) += 1, big-endian. */
function increment(b: Uint8Array, off: number, len: number): void {
  for (let i = off + len - 1; i >= off; i--) {
    if (b[i] !== 0xff) {
      b[i]! += 1;
      return;
    }
    b[i] = 0;
  }
}

/** b[off..off+len) -= 1, big-endian. */
function decrement(b: Uint8Array, off: number, len: number): void {
  for (let i = off + len - 1; i >= off; i--) {
    if (b[i] !== 0) {
      b[i]! -= 1;
      return;
    }
    b[i] = 0xff;
  }
}

/** Encoded NFTA_SET_ELEM_DATA attributes of verdicts, shared by the elements that use the same verdict. */
class VerdictTable {
  readonly list: Buffer[] = [];
  private readonly byCode = new Map<number, Map<string, number>>();
  private readonly w = new AttrWriter(128);

  ref(v: Verdict): number {
    const code = verdictCode(v);
    let m = this.byCode.get(code);
    if (!m) this.byCode.set(code, (m = new Map()));
    const key = v.chainId !== undefined ? `${v.chain ?? ''}\0${v.chainId}` : v.chain ?? '';
    let i = m.get(key);
    if (i === undefined) {
      this.w.reset();
      encodeData(this.w, NFTA_SET_ELEM_DATA, v);
      i = this.list.length;
      this.list.push(Buffer.from(this.w.finish()));
      m.set(key, i);
    }
    return i;
  }
}

/**
 * Turns caller elements into wire elements for a set of `shape`. Throws a
 * ValidationError naming the element ('elements[17].key') for a value that
 * does not fit the set, before anything is sent.
 */
export function prepareElements(shape: SetShape, elements: readonly SetElement[], opts: PrepareOptions = {}): WireElements {
  const base = opts.field ?? 'elements';
  const op = opts.op;
  if (!Array.isArray(elements)) throw new ValidationError(base, 'must be an array of elements', op);
  const n = elements.length;
  const keyLen = shape.keyLen;
  const expand = !opts.raw && shape.interval && !shape.concat;
  const cap = expand ? 2 * n : n;
  const keys = Buffer.alloc(cap * keyLen);
  const flags = new Uint32Array(cap);
  const source = new Int32Array(cap);
  const kt: KeyType | undefined = shape.key && shape.interval ? intervalKeyType(shape.key) : shape.key;
  const isMap = (shape.flags & NFT_SET_MAP) !== 0;
  const isObjMap = (shape.flags & NFT_SET_OBJECT) !== 0;
  const hasTimeout = (shape.flags & NFT_SET_TIMEOUT) !== 0;
  const valueData = isMap && !opts.keysOnly && shape.data !== undefined && shape.data !== 'verdict' ? shape.data : undefined;
  const verdictData = isMap && !opts.keysOnly && (shape.data === 'verdict' || opts.permissive);
  const dataLen = valueData ? shape.dataLen : 0;
  const out: WireElements = {
    count: 0, keyLen, keys, keyEnds: undefined, hasKeyEnd: undefined, flags, source,
    dataLen,
    data: valueData ? Buffer.alloc(cap * dataLen) : undefined,
    hasData: valueData ? new Uint8Array(cap) : undefined,
    verdictRef: verdictData ? new Int32Array(cap).fill(-1) : undefined,
    verdicts: [],
    extras: undefined,
  };
  const verdicts = verdictData ? new VerdictTable() : undefined;
  const scratch = Buffer.alloc(keyLen);
  const ends = (): Buffer => {
    if (!out.keyEnds) {
      out.keyEnds = Buffer.alloc(cap * keyLen);
      out.hasKeyEnd = new Uint8Array(cap);
    }
    return out.keyEnds;
  };
  const writeKey = (v: unknown, buf: Uint8Array, off: number, field: string): void => {
    if (kt) {
      writeValue(kt, v, buf, off, field);
    } else {
      if (!(v instanceof Uint8Array)) throw new ValidationError(field, `the set's key type is not known to this library: give the key as ${keyLen} raw bytes`);
      if (v.length !== keyLen) throw new ValidationError(field, `a raw key has ${keyLen} bytes, not ${v.length}`);
      buf.set(v, off);
    }
  };
  let j = 0;
  let i = 0;
  try {
    for (; i < n; i++) {
      const e = elements[i];
      if (typeof e !== 'object' || e === null) throw new ValidationError('', 'must be an element object ({ key, … })');
      let f = e.unknownFlags ?? 0;
      if (e.catchAll) f |= NFT_SET_ELEM_CATCHALL;
      if (e.intervalEnd) {
        if (!opts.raw) throw new ValidationError('intervalEnd', 'is a wire-level flag: send wire elements with { raw: true }');
        f |= NFT_SET_ELEM_INTERVAL_END;
      }
      const start = j;
      const ko = j * keyLen;
      let open = false;
      let endElement = false;
      if (e.catchAll) {
        if (e.key !== undefined) throw new ValidationError('key', 'the catch-all element has no key');
      } else if (e.key === undefined) {
        throw new ValidationError('key', 'is required (or catchAll: true)');
      } else if (expand) {
        // start … end+1 (INTERVAL_END), or an open start when the range reaches the top.
        if (e.keyEnd !== undefined) throw new ValidationError('keyEnd', 'only concatenated interval sets take keyEnd; write the range in key');
        if (kt) {
          writeRange(kt, e.key, keys, ko, scratch, 0, 'key');
        } else {
          writeKey(e.key, keys, ko, 'key');
          keys.copy(scratch, 0, ko, ko + keyLen);
        }
        if (isMax(scratch, 0, keyLen)) open = true;
        else endElement = true;
      } else if (shape.interval && shape.concat && !opts.raw) {
        const ke = ends();
        if (e.keyEnd !== undefined) {
          writeKey(e.key, keys, ko, 'key');
          writeKey(e.keyEnd, ke, ko, 'keyEnd');
        } else if (kt) {
          writeRange(kt, e.key, keys, ko, ke, ko, 'key');
        } else {
          writeKey(e.key, keys, ko, 'key');
          keys.copy(ke, ko, ko, ko + keyLen);
        }
        out.hasKeyEnd![j] = 1;
      } else {
        try {
          writeKey(e.key, keys, ko, 'key');
        } catch (err) {
          // Say why a prefix or range is refused, rather than only that it is not a value.
          if (err instanceof ValidationError && kt && !shape.interval && typeof e.key === 'string' && /[/*-]/.test(e.key)) {
            let isRange = false;
            try {
              writeRange(kt, e.key, scratch, 0, Buffer.alloc(keyLen), 0, 'key');
              isRange = true;
            } catch {
              // not a range either
            }
            if (isRange) throw new ValidationError('key', `${JSON.stringify(e.key)} is a range; the set needs the 'interval' flag`);
          }
          throw err;
        }
        if (e.keyEnd !== undefined) {
          writeKey(e.keyEnd, ends(), ko, 'keyEnd');
          out.hasKeyEnd![j] = 1;
        }
      }
      flags[j] = f;
      source[j] = i;
      j++;
      if (endElement) {
        keys.set(scratch, j * keyLen);
        increment(keys, j * keyLen, keyLen);
        flags[j] = NFT_SET_ELEM_INTERVAL_END;
        source[j] = i;
        j++;
      }
      if (e.intervalOpen) open = true;
      if (opts.keysOnly) continue;
      // Data on the start element.
      const d = e.data;
      if (d !== undefined) {
        if (!isMap && !opts.permissive) throw new ValidationError('data', isObjMap ? 'an object map takes `object`, not data' : 'the set is not a map');
        if (valueData) {
          if (d instanceof Uint8Array) {
            if (d.length !== dataLen) throw new ValidationError('data', `raw data has ${dataLen} bytes, not ${d.length}`);
            out.data!.set(d, start * dataLen);
          } else if (dataLen === 2 * valueData.len) {
            // An interval map: the data is a range, start and end side by side.
            writeRange(valueData, d, out.data!, start * dataLen, out.data!, start * dataLen + valueData.len, 'data');
          } else {
            writeValue(valueData, d, out.data!, start * dataLen, 'data');
          }
          out.hasData![start] = 1;
        } else if (opts.permissive && d instanceof Uint8Array) {
          ((out.extras ??= new Array(cap))[start] ??= {}).data = d;
        } else if (verdicts) {
          out.verdictRef![start] = verdicts.ref(parseVerdict(d, 'data'));
        } else if (d instanceof Uint8Array && d.length === shape.dataLen) {
          ((out.extras ??= new Array(cap))[start] ??= {}).data = d;
        } else {
          throw new ValidationError('data', `the map's data type is not known to this library: give ${shape.dataLen} raw bytes`);
        }
      } else if (isMap && !e.intervalEnd && !opts.raw) {
        throw new ValidationError('data', 'a map element needs data');
      }
      // The rest is rare: checked and kept per element only when present.
      if (e.object !== undefined || e.timeout !== undefined || e.expiration !== undefined || e.comment !== undefined ||
        e.userdata !== undefined || open || (e.exprs !== undefined && e.exprs.length > 0)) {
        const x: ElementExtra = ((out.extras ??= new Array(cap))[start] ??= {});
        if (e.object !== undefined) {
          if (!isObjMap && !opts.permissive) throw new ValidationError('object', 'the set is not an object map');
          if (typeof e.object !== 'string' || e.object.length === 0 || Buffer.byteLength(e.object) > 255) {
            throw new ValidationError('object', 'must be an object name of 1 to 255 bytes');
          }
          x.objref = e.object;
        }
        if (e.timeout !== undefined || e.expiration !== undefined) {
          checkMs(e.timeout, 'timeout');
          checkMs(e.expiration, 'expiration');
          if (!hasTimeout && !opts.permissive) throw new ValidationError(e.timeout !== undefined ? 'timeout' : 'expiration', "the set has no 'timeout' flag");
          if (e.timeout !== undefined) x.timeout = e.timeout;
          if (e.expiration !== undefined) x.expiration = e.expiration;
        }
        const ud = elementUdata(e, open);
        if (ud) x.userdata = ud;
        if (e.exprs !== undefined && e.exprs.length > 0) {
          validateExprs(e.exprs, 'exprs');
          x.exprs = e.exprs;
        }
      }
      if (isObjMap && e.object === undefined && !e.intervalEnd && !opts.raw) {
        throw new ValidationError('object', 'an object map element names an object');
      }
    }
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    // Name the element only now: building names for every element would cost more than the parse.
    const elem = `${base}[${i}]`;
    const tail = err.message.slice((err.operation ? err.operation.length + 2 : 0) + err.field.length + 2);
    throw new ValidationError(err.field ? `${elem}.${err.field}` : elem, tail, op);
  }
  out.count = j;
  if (verdicts) out.verdicts = verdicts.list;
  return out;
}

/**
 * nft's auto-merge within one list: the ranges of a single-field interval set
 * (as prepareElements expanded them) sorted, and overlapping or adjacent ones
 * joined, so `10.0.0.0/9, 10.128.0.0/9` goes out as 10.0.0.0/8. Lists with
 * anything besides keys (data, timeouts, comments) are left as they are.
 * Existing elements of the set are not consulted: nft merges with those too.
 */
export function mergeIntervals(we: WireElements): WireElements {
  if (we.extras || we.data || we.verdictRef || we.keyEnds) return we;
  const len = we.keyLen;
  interface R { s: number; e: number; src: number }
  const ranges: R[] = [];
  for (let j = 0; j < we.count; j++) {
    if (we.flags[j] !== 0) return we;
    // A start, then its END (exclusive end) unless the range is open at the top.
    const hasEnd = j + 1 < we.count && we.flags[j + 1] === NFT_SET_ELEM_INTERVAL_END && we.source[j + 1] === we.source[j];
    ranges.push({ s: j, e: hasEnd ? j + 1 : -1, src: we.source[j]! });
    if (hasEnd) j++;
  }
  const k = we.keys;
  const cmp = (a: number, b: number): number => compareBytes(k, a * len, k, b * len, len);
  ranges.sort((a, b) => cmp(a.s, b.s) || a.src - b.src);
  const merged: R[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    // Overlapping or adjacent (the next start at or before the exclusive end): one range.
    if (last && (last.e < 0 || cmp(r.s, last.e) <= 0)) {
      if (last.e >= 0 && (r.e < 0 || cmp(r.e, last.e) > 0)) last.e = r.e;
      continue;
    }
    merged.push({ ...r });
  }
  if (merged.length === ranges.length && merged.every((r, i) => r === ranges[i] || (r.s === ranges[i]!.s && r.e === ranges[i]!.e))) {
    // Nothing joined: keep the caller's order.
    return we;
  }
  const count = merged.reduce((n, r) => n + (r.e >= 0 ? 2 : 1), 0);
  const keys = Buffer.alloc(count * len);
  const flags = new Uint32Array(count);
  const source = new Int32Array(count);
  let j = 0;
  for (const r of merged) {
    k.copy(keys, j * len, r.s * len, (r.s + 1) * len);
    source[j++] = r.src;
    if (r.e >= 0) {
      k.copy(keys, j * len, r.e * len, (r.e + 1) * len);
      flags[j] = NFT_SET_ELEM_INTERVAL_END;
      source[j++] = r.src;
    }
  }
  return { ...we, count, keys, flags, source };
}

// --- encoding ---------------------------------------------------------------------

function putHdr(buf: Buffer, off: number, len: number, type: number): void {
  if (HOST_LE) {
    buf[off] = len & 0xff;
    buf[off + 1] = len >> 8;
    buf[off + 2] = type & 0xff;
    buf[off + 3] = type >> 8;
  } else {
    buf[off] = len >> 8;
    buf[off + 1] = len & 0xff;
    buf[off + 2] = type >> 8;
    buf[off + 3] = type & 0xff;
  }
}

/** Writes `type` { NFTA_DATA_VALUE src[off..off+len) } at buf[p]; returns the end. */
function putValueNest(b: Buffer, p: number, type: number, src: Buffer, off: number, len: number): number {
  const padded = (len + 3) & ~3;
  // Nests carry NLA_F_NESTED, as AttrWriter (and libmnl) mark them.
  putHdr(b, p, 2 * NLA_HDRLEN + len, type | NLA_F_NESTED);
  putHdr(b, p + NLA_HDRLEN, NLA_HDRLEN + len, NFTA_DATA_VALUE);
  const q = p + 2 * NLA_HDRLEN;
  if (len <= 16) for (let i = 0; i < len; i++) b[q + i] = src[off + i]!;
  else src.copy(b, q, off, off + len);
  for (let i = len; i < padded; i++) b[q + i] = 0;
  return q + padded;
}

/**
 * Writes wire element `j` as one list nest of type `nestType`, attributes in
 * libnftnl's order. Returns the nest's start offset in the writer.
 */
export function encodeWireElement(w: AttrWriter, we: WireElements, j: number, nestType: number, knownSize?: number): number {
  const x = we.extras?.[j];
  if (!x) {
    // Key, key end, flags and data only: written in place, the size is known.
    const size = knownSize ?? wireElementSize(we, j);
    w.reserve(size);
    const start = w.pos;
    w.pos = putElement(w.buf, start, size, we, j, nestType);
    return start;
  }
  const start = w.beginNest(nestType);
  const f = we.flags[j]!;
  if (f !== 0) w.u32(NFTA_SET_ELEM_FLAGS, f);
  if (x.timeout !== undefined) w.u64(NFTA_SET_ELEM_TIMEOUT, x.timeout);
  if (x.expiration !== undefined) w.u64(NFTA_SET_ELEM_EXPIRATION, x.expiration);
  w.reserve(2 * (2 * NLA_HDRLEN + ((we.keyLen + 3) & ~3)));
  if (!(f & NFT_SET_ELEM_CATCHALL)) w.pos = putValueNest(w.buf, w.pos, NFTA_SET_ELEM_KEY, we.keys, j * we.keyLen, we.keyLen);
  if (we.hasKeyEnd?.[j]) w.pos = putValueNest(w.buf, w.pos, NFTA_SET_ELEM_KEY_END, we.keyEnds!, j * we.keyLen, we.keyLen);
  writeData(w, we, j, x);
  if (x.userdata !== undefined) w.bytes(NFTA_SET_ELEM_USERDATA, x.userdata);
  if (x.objref !== undefined) w.str(NFTA_SET_ELEM_OBJREF, x.objref);
  if (x.exprs && x.exprs.length === 1) {
    const n = w.beginNest(NFTA_SET_ELEM_EXPR);
    encodeExprBody(w, x.exprs[0]!);
    w.endNest(n);
  } else if (x.exprs && x.exprs.length > 1) {
    const n = w.beginNest(NFTA_SET_ELEM_EXPRESSIONS);
    for (const e of x.exprs) {
      const l = w.beginNest(NFTA_LIST_ELEM);
      encodeExprBody(w, e);
      w.endNest(l);
    }
    w.endNest(n);
  }
  w.endNest(start);
  return start;
}

function writeData(w: AttrWriter, we: WireElements, j: number, x: ElementExtra | undefined): void {
  if (we.hasData?.[j]) {
    w.reserve(2 * NLA_HDRLEN + ((we.dataLen + 3) & ~3));
    w.pos = putValueNest(w.buf, w.pos, NFTA_SET_ELEM_DATA, we.data!, j * we.dataLen, we.dataLen);
  } else if (we.verdictRef && we.verdictRef[j]! >= 0) {
    w.raw(we.verdicts[we.verdictRef[j]!]!);
  } else if (x?.data !== undefined) {
    encodeData(w, NFTA_SET_ELEM_DATA, x.data);
  }
}

/** The hot path: an element without extras, `size` bytes at b[p]. */
function putElement(b: Buffer, p: number, size: number, we: WireElements, j: number, nestType: number): number {
  putHdr(b, p, size, nestType | NLA_F_NESTED);
  let q = p + NLA_HDRLEN;
  const f = we.flags[j]!;
  if (f !== 0) {
    putHdr(b, q, 8, NFTA_SET_ELEM_FLAGS);
    b[q + 4] = f >>> 24;
    b[q + 5] = (f >>> 16) & 0xff;
    b[q + 6] = (f >>> 8) & 0xff;
    b[q + 7] = f & 0xff;
    q += 8;
  }
  const kl = we.keyLen;
  if (!(f & NFT_SET_ELEM_CATCHALL)) q = putValueNest(b, q, NFTA_SET_ELEM_KEY, we.keys, j * kl, kl);
  if (we.hasKeyEnd !== undefined && we.hasKeyEnd[j]) q = putValueNest(b, q, NFTA_SET_ELEM_KEY_END, we.keyEnds!, j * kl, kl);
  if (we.hasData !== undefined && we.hasData[j]) {
    q = putValueNest(b, q, NFTA_SET_ELEM_DATA, we.data!, j * we.dataLen, we.dataLen);
  } else if (we.verdictRef !== undefined && we.verdictRef[j]! >= 0) {
    // A loop: Buffer#copy's bookkeeping costs more than copying these few dozen bytes.
    const v = we.verdicts[we.verdictRef[j]!]!;
    const n = v.length;
    for (let i = 0; i < n; i++) b[q + i] = v[i]!;
    const padded = (n + 3) & ~3;
    for (let i = n; i < padded; i++) b[q + i] = 0;
    q += padded;
  }
  return q;
}

/** The list header of NEWSETELEM/DELSETELEM/GETSETELEM: table, set, and the set's in-batch id when it is new. */
export function encodeElementListHeader(w: AttrWriter, table: string, set: string, setId?: number): void {
  w.str(NFTA_SET_ELEM_LIST_TABLE, table);
  w.str(NFTA_SET_ELEM_LIST_SET, set);
  if (setId !== undefined) w.u32(NFTA_SET_ELEM_LIST_SET_ID, setId);
}

/** Size of wire element j once encoded (its nest, header included, aligned). */
export function wireElementSize(we: WireElements, j: number): number {
  const f = we.flags[j]!;
  let n = NLA_HDRLEN;
  if (f !== 0) n += 8;
  const kv = 2 * NLA_HDRLEN + ((we.keyLen + 3) & ~3);
  if (!(f & NFT_SET_ELEM_CATCHALL)) n += kv;
  if (we.hasKeyEnd !== undefined && we.hasKeyEnd[j]) n += kv;
  if (we.hasData !== undefined && we.hasData[j]) n += 2 * NLA_HDRLEN + ((we.dataLen + 3) & ~3);
  else if (we.verdictRef !== undefined && we.verdictRef[j]! >= 0) n += (we.verdicts[we.verdictRef[j]!]!.length + 3) & ~3;
  const x = we.extras?.[j];
  if (x) {
    if (x.timeout !== undefined) n += 12;
    if (x.expiration !== undefined) n += 12;
    if (x.data !== undefined && !(we.hasData?.[j]) && !(we.verdictRef && we.verdictRef[j]! >= 0)) {
      const tmp = new AttrWriter(64);
      encodeData(tmp, NFTA_SET_ELEM_DATA, x.data);
      n += tmp.pos;
    }
    if (x.userdata) n += NLA_HDRLEN + ((x.userdata.length + 3) & ~3);
    if (x.objref !== undefined) n += NLA_HDRLEN + ((Buffer.byteLength(x.objref) + 4) & ~3);
    if (x.exprs && x.exprs.length > 0) {
      // Expressions are measured by encoding them once.
      const tmp = new AttrWriter(256);
      if (x.exprs.length === 1) {
        encodeExprBody(tmp, x.exprs[0]!);
      } else {
        for (const e of x.exprs) {
          const l = tmp.beginNest(NFTA_LIST_ELEM);
          encodeExprBody(tmp, e);
          tmp.endNest(l);
        }
      }
      n += NLA_HDRLEN + tmp.pos;
    }
  }
  return n;
}

// --- decoding ----------------------------------------------------------------------

/** One NEWSETELEM message: which set, and its elements. */
export interface ElementList {
  family: Family;
  table: string;
  set: string;
  setId?: number;
  elements: SetElement[];
}

/**
 * Where decoded values live: a copy of the message's element list, so a key
 * is a view into it rather than an allocation of its own (a dump of 100k
 * elements would otherwise spend most of its time allocating).
 */
interface Chunk {
  bytes: Uint8Array;
  /** Offset in the source buffer that bytes[0] was copied from. */
  base: number;
}

function take(buf: Uint8Array, s: number, e: number, chunk: Chunk | undefined): Uint8Array {
  if (!chunk) return copyBytes(buf, s, e);
  const b = chunk.bytes;
  return new Uint8Array(b.buffer, b.byteOffset + s - chunk.base, e - s);
}

function readDataValueNest(buf: Uint8Array, s: number, e: number, path: string[], name: string, chunk: Chunk | undefined): Uint8Array {
  // The usual shape: one NFTA_DATA_VALUE inside.
  if (e - s >= NLA_HDRLEN) {
    const l = hostU16(buf, s);
    if (l >= NLA_HDRLEN && s + l <= e && (hostU16(buf, s + 2) & NLA_TYPE_MASK) === NFTA_DATA_VALUE) {
      return take(buf, s + NLA_HDRLEN, s + l, chunk);
    }
  }
  throw new DecodeError(`${name} without NFTA_DATA_VALUE`, s, path);
}

/**
 * A NUL-terminated name: ASCII ones (chain names nearly always) through
 * Buffer's native latin1 decoder, which is many times faster than building
 * the string in JavaScript; anything else through readCString.
 */
function asciiCString(buf: Uint8Array, s: number, e: number): string {
  let z = s;
  let high = 0;
  while (z < e) {
    const c = buf[z]!;
    if (c === 0) break;
    high |= c;
    z++;
  }
  if (high < 0x80 && Buffer.isBuffer(buf)) return buf.toString('latin1', s, z);
  return readCString(buf, s, e);
}

const VERDICT_BY_CODE = new Map<number, Verdict['verdict']>([
  [0, 'drop'], [1, 'accept'], [-1, 'continue'], [-2, 'break'], [-3, 'jump'], [-4, 'goto'], [-5, 'return'],
]);

/**
 * The verdict maps' hot path: CODE and CHAIN read in place. Returns undefined
 * for anything unusual (other codes, chain ids, unknown attributes), which
 * the general decoder then handles.
 */
function readVerdict(buf: Uint8Array, s: number, e: number): Verdict | undefined {
  let code: number | undefined;
  let chain: string | undefined;
  let p = s;
  while (p + NLA_HDRLEN <= e) {
    const l = hostU16(buf, p);
    if (l < NLA_HDRLEN || p + l > e) return undefined;
    const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
    if (t === NFTA_VERDICT_CODE && l >= 8) code = beU32(buf, p + NLA_HDRLEN) | 0;
    else if (t === NFTA_VERDICT_CHAIN) chain = asciiCString(buf, p + NLA_HDRLEN, p + l);
    else return undefined;
    p += (l + 3) & ~3;
  }
  const name = code === undefined ? undefined : VERDICT_BY_CODE.get(code);
  if (name === undefined) return undefined;
  return chain === undefined ? { verdict: name } : { verdict: name, chain };
}

function readData(buf: Uint8Array, s: number, e: number, path: string[], chunk: Chunk | undefined): DataValue {
  if (e - s >= NLA_HDRLEN) {
    const l = hostU16(buf, s);
    if (l >= NLA_HDRLEN && s + l <= e) {
      const t = hostU16(buf, s + 2) & NLA_TYPE_MASK;
      if (t === NFTA_DATA_VALUE) return take(buf, s + NLA_HDRLEN, s + l, chunk);
      if (t === NFTA_DATA_VERDICT) return readVerdict(buf, s + NLA_HDRLEN, s + l) ?? decodeVerdict(buf, s + NLA_HDRLEN, s + l, [...path, 'NFTA_DATA_VERDICT']);
    }
  }
  throw new DecodeError('NFTA_SET_ELEM_DATA holds neither a value nor a verdict', s, path);
}

function applyElementUdata(el: SetElement, ud: Uint8Array): void {
  let tlvs: UdataTlv[];
  try {
    tlvs = parseUdata(ud);
  } catch {
    el.userdata = ud;
    return;
  }
  let comment: string | undefined;
  let open = false;
  let other = false;
  for (const t of tlvs) {
    if (t.type === NFTNL_UDATA_SET_ELEM_COMMENT && t.value.length > 0 && t.value[t.value.length - 1] === 0) comment = readUdataString(t.value);
    else if (t.type === NFTNL_UDATA_SET_ELEM_FLAGS && t.value.length === 4) open = (readUdataU32(t.value) & NFTNL_SET_ELEM_F_INTERVAL_OPEN) !== 0;
    else other = true;
  }
  if (comment !== undefined) el.comment = comment;
  if (open) el.intervalOpen = true;
  // Kept raw when rebuilding would not give the same bytes.
  if (other || !Buffer.from(elementUdata({ ...(comment !== undefined ? { comment } : {}) }, open) ?? []).equals(ud)) {
    el.userdata = ud;
  }
}

/** Decodes one element nest's payload buf[start, end). Hand-written: the hot path of a dump. */
export function decodeElement(buf: Uint8Array, start: number, end: number, path: string[], chunk?: Chunk): SetElement {
  const el: SetElement = {};
  let p = start;
  while (p < end) {
    if (end - p < NLA_HDRLEN) throw new DecodeError('stray bytes in a set element', p, path);
    const len = HOST_LE ? buf[p]! | (buf[p + 1]! << 8) : hostU16(buf, p);
    if (len < NLA_HDRLEN || p + len > end) throw new DecodeError(`element attribute length ${len} runs past the element`, p, path);
    const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
    const s = p + NLA_HDRLEN;
    const e = p + len;
    switch (t) {
      case NFTA_SET_ELEM_KEY: el.key = readDataValueNest(buf, s, e, path, 'NFTA_SET_ELEM_KEY', chunk); break;
      case NFTA_SET_ELEM_KEY_END: el.keyEnd = readDataValueNest(buf, s, e, path, 'NFTA_SET_ELEM_KEY_END', chunk); break;
      case NFTA_SET_ELEM_DATA: el.data = readData(buf, s, e, path, chunk); break;
      case NFTA_SET_ELEM_FLAGS: {
        if (len < 8) throw new DecodeError('NFTA_SET_ELEM_FLAGS too short', p, path);
        const f = beU32(buf, s);
        if (f & NFT_SET_ELEM_INTERVAL_END) el.intervalEnd = true;
        if (f & NFT_SET_ELEM_CATCHALL) el.catchAll = true;
        const rest = f & ~(NFT_SET_ELEM_INTERVAL_END | NFT_SET_ELEM_CATCHALL);
        if (rest) el.unknownFlags = rest >>> 0;
        break;
      }
      case NFTA_SET_ELEM_TIMEOUT:
        if (len < 12) throw new DecodeError('NFTA_SET_ELEM_TIMEOUT too short', p, path);
        el.timeout = Number(beU64(buf, s));
        break;
      case NFTA_SET_ELEM_EXPIRATION:
        if (len < 12) throw new DecodeError('NFTA_SET_ELEM_EXPIRATION too short', p, path);
        el.expiration = Number(beU64(buf, s));
        break;
      case NFTA_SET_ELEM_USERDATA: applyElementUdata(el, copyBytes(buf, s, e)); break;
      case NFTA_SET_ELEM_OBJREF: el.object = readCString(buf, s, e); break;
      case NFTA_SET_ELEM_EXPR: (el.exprs ??= []).push(decodeExpr(buf, s, e, [...path, 'NFTA_SET_ELEM_EXPR'])); break;
      case NFTA_SET_ELEM_EXPRESSIONS: {
        const list: Expr[] = [];
        let q = s;
        while (q < e) {
          if (e - q < NLA_HDRLEN) throw new DecodeError('stray bytes in NFTA_SET_ELEM_EXPRESSIONS', q, path);
          const ql = hostU16(buf, q);
          if (ql < NLA_HDRLEN || q + ql > e) throw new DecodeError(`expression length ${ql} runs past the list`, q, path);
          list.push(decodeExpr(buf, q + NLA_HDRLEN, q + ql, [...path, 'NFTA_SET_ELEM_EXPRESSIONS']));
          q += (ql + 3) & ~3;
        }
        el.exprs = list;
        break;
      }
      // NFTA_SET_ELEM_PAD and attributes from newer kernels are skipped.
    }
    p += (len + 3) & ~3;
  }
  return el;
}

/**
 * Decodes a NEWSETELEM message (dump, GET reply, event). `onElement`, when
 * given, receives each element instead of the returned list (no array built).
 */
export function decodeElementList(m: MessageView, onElement?: (e: SetElement) => void): ElementList {
  const path = ['setelem'];
  const buf = m.buf;
  const { family } = readNfGen(m);
  let table: string | undefined;
  let set: string | undefined;
  let setId: number | undefined;
  const elements: SetElement[] = [];
  let p = attrStart(m);
  const end = m.end;
  while (p < end) {
    if (end - p < NLA_HDRLEN) throw new DecodeError('stray bytes in an element list', p, path);
    const len = hostU16(buf, p);
    if (len < NLA_HDRLEN || p + len > end) throw new DecodeError(`element list attribute length ${len} runs past the message`, p, path);
    const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
    const s = p + NLA_HDRLEN;
    const e = p + len;
    if (t === NFTA_SET_ELEM_LIST_TABLE) table = readCString(buf, s, e);
    else if (t === NFTA_SET_ELEM_LIST_SET) set = readCString(buf, s, e);
    else if (t === NFTA_SET_ELEM_LIST_SET_ID) {
      if (len < 8) throw new DecodeError('NFTA_SET_ELEM_LIST_SET_ID too short', p, path);
      setId = beU32(buf, s);
    } else if (t === NFTA_SET_ELEM_LIST_ELEMENTS) {
      const ep = [...path, 'NFTA_SET_ELEM_LIST_ELEMENTS'];
      const chunk: Chunk = { bytes: new Uint8Array(e - s), base: s };
      chunk.bytes.set(buf.subarray(s, e));
      let q = s;
      while (q < e) {
        if (e - q < NLA_HDRLEN) throw new DecodeError('stray bytes in the element list', q, ep);
        const ql = hostU16(buf, q);
        if (ql < NLA_HDRLEN || q + ql > e) throw new DecodeError(`element length ${ql} runs past the list`, q, ep);
        const el = decodeElement(buf, q + NLA_HDRLEN, q + ql, ep, chunk);
        if (onElement) onElement(el);
        else elements.push(el);
        q += (ql + 3) & ~3;
      }
    }
    p += (len + 3) & ~3;
  }
  if (table === undefined || set === undefined) throw new DecodeError('element list without NFTA_SET_ELEM_LIST_TABLE or NFTA_SET_ELEM_LIST_SET', attrStart(m), path);
  const out: ElementList = { family: familyName(family), table, set, elements };
  if (setId !== undefined) out.setId = setId;
  return out;
}

// --- values -----------------------------------------------------------------------------

/**
 * Listed (wire) elements as values, the way nft prints them: keys and data
 * decoded with the set's types, and the start/end elements of a single-field
 * interval set merged into ranges ('10.0.0.0/8', '1024-65535'). Elements
 * whose types this library does not know keep their bytes.
 */
export function elementValues(shape: SetShape, elements: readonly SetElement[]): SetElement[] {
  const kt = shape.key && shape.interval ? intervalKeyType(shape.key) : shape.key;
  const len = shape.keyLen;
  const data = (d: SetElement['data']): SetElement['data'] => {
    if (d instanceof Uint8Array && shape.data && shape.data !== 'verdict') {
      const dl = shape.data.len;
      if (d.length === 2 * dl) return decodeRange(shape.data, d.subarray(0, dl), d.subarray(dl));
      return decodeValue(shape.data, d);
    }
    return d;
  };
  const finish = (src: SetElement, key: Value | undefined): SetElement => {
    const { intervalEnd: _ie, intervalOpen: _io, keyEnd: _ke, ...rest } = src;
    const out: SetElement = { ...rest };
    if (key !== undefined) out.key = key;
    else delete out.key;
    if (src.data !== undefined) out.data = data(src.data);
    return out;
  };
  if (!shape.interval || shape.concat) {
    return elements.map((e) => {
      if (!(e.key instanceof Uint8Array) || !kt || e.key.length !== len) return finish(e, e.key);
      if (e.keyEnd instanceof Uint8Array && e.keyEnd.length === len) return finish(e, decodeRange(kt, e.key, e.keyEnd));
      return finish(e, decodeValue(kt, e.key));
    });
  }
  // Single-field intervals: sort by key (END before a start at the same key) and pair each start with the next END.
  const keyed = elements.filter((e) => e.key instanceof Uint8Array && e.key.length === len) as (SetElement & { key: Uint8Array })[];
  const others = elements.filter((e) => !(e.key instanceof Uint8Array && e.key.length === len));
  keyed.sort((a, b) => compareBytes(a.key, 0, b.key, 0, len) || (a.intervalEnd ? 0 : 1) - (b.intervalEnd ? 0 : 1));
  const out: SetElement[] = [];
  for (let i = 0; i < keyed.length; i++) {
    const e = keyed[i]!;
    if (e.intervalEnd) continue;
    const next = keyed[i + 1];
    let end: Uint8Array;
    if (next && next.intervalEnd) {
      end = Buffer.from(next.key);
      decrement(end, 0, len);
      i++;
    } else if (e.intervalOpen || !next) {
      end = Buffer.alloc(len, 0xff);
    } else {
      end = e.key;
    }
    out.push(finish(e, kt ? decodeRange(kt, e.key, end) : e.key));
  }
  for (const e of others) out.push(finish(e, e.key));
  return out;
}
