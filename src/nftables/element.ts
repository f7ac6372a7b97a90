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
import { NLA_HDRLEN, NLA_TYPE_MASK } from '../netlink/constants.js';
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
  decodeVerdict,
  encodeData,
  type DataValue,
  type Verdict,
} from './data.js';
import {
  compareBytes,
  decodeRange,
  decodeValue,
  intervalKeyType,
  parseData,
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

/** What an element carries besides its key; only on start elements. */
export interface ElementExtra {
  data?: DataValue;
  timeout?: number;
  expiration?: number;
  userdata?: Uint8Array;
  objref?: string;
  exprs?: Expr[];
}

/** Elements as they go on the wire, keys in one buffer. */
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
  /** Per wire element, when any has more than key and flags. */
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

function elementUdata(e: SetElement, open: boolean, field: string, op: string | undefined): Uint8Array | undefined {
  if (e.userdata !== undefined) {
    if (!(e.userdata instanceof Uint8Array)) throw new ValidationError(`${field}.userdata`, 'must be a Uint8Array', op);
    if (e.userdata.length > 256) throw new ValidationError(`${field}.userdata`, `is ${e.userdata.length} bytes; at most 256`, op);
    return e.userdata;
  }
  const tlvs: UdataTlv[] = [];
  if (e.comment !== undefined) {
    if (typeof e.comment !== 'string') throw new ValidationError(`${field}.comment`, 'must be a string', op);
    if (Buffer.byteLength(e.comment) > 253) throw new ValidationError(`${field}.comment`, 'is longer than 253 bytes', op);
    tlvs.push({ type: NFTNL_UDATA_SET_ELEM_COMMENT, value: udataString(e.comment) });
  }
  if (open) tlvs.push({ type: NFTNL_UDATA_SET_ELEM_FLAGS, value: udataU32(NFTNL_SET_ELEM_F_INTERVAL_OPEN) });
  return tlvs.length ? buildUdata(tlvs) : undefined;
}

function checkMs(v: unknown, field: string, op: string | undefined): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ValidationError(field, `must be milliseconds, a non-negative integer, not ${JSON.stringify(v)}`, op);
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
  let keyEnds: Buffer | undefined;
  let hasKeyEnd: Uint8Array | undefined;
  const flags = new Uint32Array(cap);
  const source = new Int32Array(cap);
  let extras: (ElementExtra | undefined)[] | undefined;
  const kt: KeyType | undefined = shape.key && shape.interval ? intervalKeyType(shape.key) : shape.key;
  const isMap = (shape.flags & NFT_SET_MAP) !== 0;
  const isObjMap = (shape.flags & NFT_SET_OBJECT) !== 0;
  const hasTimeout = (shape.flags & NFT_SET_TIMEOUT) !== 0;
  const scratch = Buffer.alloc(keyLen);
  let j = 0;
  const ensureEnds = (): void => {
    if (!keyEnds) {
      keyEnds = Buffer.alloc(cap * keyLen);
      hasKeyEnd = new Uint8Array(cap);
    }
  };
  const writeKey = (v: unknown, buf: Uint8Array, off: number, field: string): void => {
    if (kt) {
      writeValue(kt, v, buf, off, field);
    } else {
      if (!(v instanceof Uint8Array)) throw new ValidationError(field, `the set's key type is not known to this library: give the key as ${keyLen} raw bytes`, op);
      if (v.length !== keyLen) throw new ValidationError(field, `a raw key has ${keyLen} bytes, not ${v.length}`, op);
      buf.set(v, off);
    }
  };
  for (let i = 0; i < n; i++) {
    const e = elements[i];
    const field = `${base}[${i}]`;
    if (typeof e !== 'object' || e === null) throw new ValidationError(field, 'must be an element object ({ key, … })', op);
    let f = e.unknownFlags ?? 0;
    if (e.catchAll) f |= NFT_SET_ELEM_CATCHALL;
    if (e.intervalEnd) {
      if (!opts.raw) throw new ValidationError(`${field}.intervalEnd`, 'is a wire-level flag: send wire elements with { raw: true }', op);
      f |= NFT_SET_ELEM_INTERVAL_END;
    }
    const start = j;
    let open = false;
    try {
      if (e.catchAll) {
        if (e.key !== undefined) throw new ValidationError(`${field}.key`, 'the catch-all element has no key', op);
      } else if (e.key === undefined) {
        throw new ValidationError(`${field}.key`, 'is required (or catchAll: true)', op);
      } else if (expand) {
        // start … end+1 (INTERVAL_END), or an open start when the range reaches the top.
        if (!kt) {
          writeKey(e.key, keys, j * keyLen, `${field}.key`);
          scratch.set(keys.subarray(j * keyLen, (j + 1) * keyLen));
        } else {
          writeRange(kt, e.key, keys, j * keyLen, scratch, 0, `${field}.key`);
        }
        if (e.keyEnd !== undefined) throw new ValidationError(`${field}.keyEnd`, 'only concatenated interval sets take keyEnd; write the range in key', op);
      } else if (shape.interval && shape.concat && !opts.raw) {
        ensureEnds();
        if (e.keyEnd !== undefined) {
          writeKey(e.key, keys, j * keyLen, `${field}.key`);
          writeKey(e.keyEnd, keyEnds!, j * keyLen, `${field}.keyEnd`);
        } else if (kt) {
          writeRange(kt, e.key, keys, j * keyLen, keyEnds!, j * keyLen, `${field}.key`);
        } else {
          writeKey(e.key, keys, j * keyLen, `${field}.key`);
          keyEnds!.set(keys.subarray(j * keyLen, (j + 1) * keyLen), j * keyLen);
        }
        hasKeyEnd![j] = 1;
      } else {
        try {
          writeKey(e.key, keys, j * keyLen, `${field}.key`);
        } catch (err) {
          // Say why a prefix or range is refused, rather than only that it is not a value.
          if (err instanceof ValidationError && kt && !shape.interval && typeof e.key === 'string' && /[/*-]/.test(e.key)) {
            let isRange = false;
            try {
              writeRange(kt, e.key, scratch, 0, Buffer.alloc(keyLen), 0, `${field}.key`);
              isRange = true;
            } catch {
              // not a range either
            }
            if (isRange) throw new ValidationError(`${field}.key`, `${JSON.stringify(e.key)} is a range; the set needs the 'interval' flag`, op);
          }
          throw err;
        }
        if (e.keyEnd !== undefined) {
          ensureEnds();
          writeKey(e.keyEnd, keyEnds!, j * keyLen, `${field}.keyEnd`);
          hasKeyEnd![j] = 1;
        }
      }
    } catch (err) {
      if (err instanceof ValidationError && op !== undefined && err.operation === undefined) {
        throw new ValidationError(err.field, err.message.slice(err.field.length + 2), op);
      }
      throw err;
    }
    flags[j] = f;
    source[j] = i;
    j++;
    if (expand && !e.catchAll) {
      if (isMax(scratch, 0, keyLen)) {
        open = true;
      } else {
        keys.set(scratch, j * keyLen);
        increment(keys, j * keyLen, keyLen);
        flags[j] = NFT_SET_ELEM_INTERVAL_END;
        source[j] = i;
        j++;
      }
    }
    if (e.intervalOpen) open = true;
    if (opts.keysOnly) continue;
    // What travels besides the key, on the start element only.
    let x: ElementExtra | undefined;
    if (e.data !== undefined && opts.permissive) {
      (x ??= {}).data = e.data instanceof Uint8Array ? e.data : parseVerdict(e.data, `${field}.data`);
    } else if (e.data !== undefined) {
      if (!isMap) throw new ValidationError(`${field}.data`, isObjMap ? 'an object map takes `object`, not data' : 'the set is not a map', op);
      if (shape.data === undefined) {
        if (!(e.data instanceof Uint8Array) || e.data.length !== shape.dataLen) {
          throw new ValidationError(`${field}.data`, `the map's data type is not known to this library: give ${shape.dataLen} raw bytes`, op);
        }
        (x ??= {}).data = e.data;
      } else {
        try {
          (x ??= {}).data = parseData(shape.data, e.data, `${field}.data`);
        } catch (err) {
          if (err instanceof ValidationError && op !== undefined) throw new ValidationError(err.field, err.message.slice(err.field.length + 2), op);
          throw err;
        }
      }
    } else if (isMap && !e.intervalEnd && !opts.raw) {
      throw new ValidationError(`${field}.data`, 'a map element needs data', op);
    }
    if (e.object !== undefined) {
      if (!isObjMap) throw new ValidationError(`${field}.object`, 'the set is not an object map', op);
      if (typeof e.object !== 'string' || e.object.length === 0 || Buffer.byteLength(e.object) > 255) {
        throw new ValidationError(`${field}.object`, 'must be an object name of 1 to 255 bytes', op);
      }
      (x ??= {}).objref = e.object;
    } else if (isObjMap && !e.intervalEnd && !opts.raw) {
      throw new ValidationError(`${field}.object`, 'an object map element names an object', op);
    }
    if (e.timeout !== undefined || e.expiration !== undefined) {
      checkMs(e.timeout, `${field}.timeout`, op);
      checkMs(e.expiration, `${field}.expiration`, op);
      if (!hasTimeout && !opts.permissive) throw new ValidationError(`${field}.timeout`, "the set has no 'timeout' flag", op);
      if (e.timeout !== undefined) (x ??= {}).timeout = e.timeout;
      if (e.expiration !== undefined) (x ??= {}).expiration = e.expiration;
    }
    const ud = elementUdata(e, open, field, op);
    if (ud) (x ??= {}).userdata = ud;
    if (e.exprs !== undefined && e.exprs.length > 0) {
      validateExprs(e.exprs, `${field}.exprs`, op);
      (x ??= {}).exprs = e.exprs;
    }
    if (x) (extras ??= new Array(cap))[start] = x;
  }
  return { count: j, keyLen, keys, keyEnds, hasKeyEnd, flags, source, extras };
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

/** Writes `type` { NFTA_DATA_VALUE src[off..off+len) } straight into the writer. */
function putValueNest(w: AttrWriter, type: number, src: Buffer, off: number, len: number): void {
  const padded = (len + 3) & ~3;
  const total = 2 * NLA_HDRLEN + padded;
  w.reserve(total);
  const b = w.buf;
  const p = w.pos;
  putHdr(b, p, 2 * NLA_HDRLEN + len, type);
  putHdr(b, p + NLA_HDRLEN, NLA_HDRLEN + len, NFTA_DATA_VALUE);
  src.copy(b, p + 2 * NLA_HDRLEN, off, off + len);
  for (let i = len; i < padded; i++) b[p + 2 * NLA_HDRLEN + i] = 0;
  w.pos = p + total;
}

/**
 * Writes wire element `j` as one list nest of type `nestType`, attributes in
 * libnftnl's order. Returns the nest's start offset in the writer.
 */
export function encodeWireElement(w: AttrWriter, we: WireElements, j: number, nestType: number): number {
  const start = w.beginNest(nestType);
  const f = we.flags[j]!;
  if (f !== 0) w.u32(NFTA_SET_ELEM_FLAGS, f);
  const x = we.extras?.[j];
  if (x?.timeout !== undefined) w.u64(NFTA_SET_ELEM_TIMEOUT, x.timeout);
  if (x?.expiration !== undefined) w.u64(NFTA_SET_ELEM_EXPIRATION, x.expiration);
  if (!(f & NFT_SET_ELEM_CATCHALL)) putValueNest(w, NFTA_SET_ELEM_KEY, we.keys, j * we.keyLen, we.keyLen);
  if (we.hasKeyEnd?.[j]) putValueNest(w, NFTA_SET_ELEM_KEY_END, we.keyEnds!, j * we.keyLen, we.keyLen);
  if (x) {
    if (x.data !== undefined) encodeData(w, NFTA_SET_ELEM_DATA, x.data);
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
  }
  w.endNest(start);
  return start;
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
  const x = we.extras?.[j];
  if (x?.timeout !== undefined) n += 12;
  if (x?.expiration !== undefined) n += 12;
  const kv = 2 * NLA_HDRLEN + ((we.keyLen + 3) & ~3);
  if (!(f & NFT_SET_ELEM_CATCHALL)) n += kv;
  if (we.hasKeyEnd?.[j]) n += kv;
  if (x) {
    if (x.data instanceof Uint8Array) n += 2 * NLA_HDRLEN + ((x.data.length + 3) & ~3);
    else if (x.data) n += 3 * NLA_HDRLEN + 8 + (x.data.chain !== undefined ? NLA_HDRLEN + ((Buffer.byteLength(x.data.chain) + 4) & ~3) : 0) + (x.data.chainId !== undefined ? 8 : 0);
    if (x.userdata) n += NLA_HDRLEN + ((x.userdata.length + 3) & ~3);
    if (x.objref !== undefined) n += NLA_HDRLEN + ((Buffer.byteLength(x.objref) + 4) & ~3);
    if (x.exprs) {
      // Expressions are measured by encoding them once.
      const tmp = new AttrWriter(256);
      for (const e of x.exprs) {
        const l = tmp.beginNest(NFTA_LIST_ELEM);
        encodeExprBody(tmp, e);
        tmp.endNest(l);
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

function readDataValueNest(buf: Uint8Array, s: number, e: number, path: string[], name: string): Uint8Array {
  // The usual shape: one NFTA_DATA_VALUE inside.
  if (e - s >= NLA_HDRLEN) {
    const l = hostU16(buf, s);
    if (l >= NLA_HDRLEN && s + l <= e && (hostU16(buf, s + 2) & NLA_TYPE_MASK) === NFTA_DATA_VALUE) {
      return copyBytes(buf, s + NLA_HDRLEN, s + l);
    }
  }
  throw new DecodeError(`${name} without NFTA_DATA_VALUE`, s, path);
}

function readData(buf: Uint8Array, s: number, e: number, path: string[]): DataValue {
  if (e - s >= NLA_HDRLEN) {
    const l = hostU16(buf, s);
    if (l >= NLA_HDRLEN && s + l <= e) {
      const t = hostU16(buf, s + 2) & NLA_TYPE_MASK;
      if (t === NFTA_DATA_VALUE) return copyBytes(buf, s + NLA_HDRLEN, s + l);
      if (t === NFTA_DATA_VERDICT) return decodeVerdict(buf, s + NLA_HDRLEN, s + l, [...path, 'NFTA_DATA_VERDICT']);
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
  if (other || !Buffer.from(elementUdata({ ...(comment !== undefined ? { comment } : {}) }, open, '', undefined) ?? []).equals(ud)) {
    el.userdata = ud;
  }
}

/** Decodes one element nest's payload buf[start, end). Hand-written: the hot path of a dump. */
export function decodeElement(buf: Uint8Array, start: number, end: number, path: string[]): SetElement {
  const el: SetElement = {};
  let p = start;
  while (p < end) {
    if (end - p < NLA_HDRLEN) throw new DecodeError('stray bytes in a set element', p, path);
    const l = buf[p]! | (buf[p + 1]! << 8);
    const len = HOST_LE ? l : hostU16(buf, p);
    if (len < NLA_HDRLEN || p + len > end) throw new DecodeError(`element attribute length ${len} runs past the element`, p, path);
    const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
    const s = p + NLA_HDRLEN;
    const e = p + len;
    switch (t) {
      case NFTA_SET_ELEM_KEY: el.key = readDataValueNest(buf, s, e, path, 'NFTA_SET_ELEM_KEY'); break;
      case NFTA_SET_ELEM_KEY_END: el.keyEnd = readDataValueNest(buf, s, e, path, 'NFTA_SET_ELEM_KEY_END'); break;
      case NFTA_SET_ELEM_DATA: el.data = readData(buf, s, e, path); break;
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
      let q = s;
      while (q < e) {
        if (e - q < NLA_HDRLEN) throw new DecodeError('stray bytes in the element list', q, ep);
        const ql = hostU16(buf, q);
        if (ql < NLA_HDRLEN || q + ql > e) throw new DecodeError(`element length ${ql} runs past the list`, q, ep);
        const el = decodeElement(buf, q + NLA_HDRLEN, q + ql, ep);
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
    if (d instanceof Uint8Array && shape.data && shape.data !== 'verdict') return decodeValue(shape.data, d);
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
