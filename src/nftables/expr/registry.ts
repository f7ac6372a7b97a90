// The expression registry: every expression kind registers one codec (encode,
// decode, libnftnl print, attribute names). Lists of expressions (rules,
// dynset, set expressions) go through encodeExprs/decodeExprs here.
//
// Most kinds are declared as a table of fields (defineExpr) and get their
// encoder and decoder from it; hot kinds (payload, cmp, immediate …) are
// written by hand and registered the same way.

import { DecodeError, ValidationError } from '../../errors.js';
import { AttrWriter, beU16, beU32, beU64, copyBytes, hostU16, hostU32, readCString } from '../../netlink/attr.js';
import { NLA_HDRLEN, NLA_TYPE_MASK } from '../../netlink/constants.js';
import { decodeData, encodeData, type DataValue } from '../data.js';
import { registerExprSchema, type AttrKind, type Schema } from '../schema.js';
import type { Expr, UnknownExpr } from './types.js';

export const NFTA_LIST_ELEM = 1;
export const NFTA_EXPR_NAME = 1;
export const NFTA_EXPR_DATA = 2;

export interface ExprCodec<E extends { type: string } = Expr> {
  /** NFTA_EXPR_NAME, e.g. 'payload'. */
  readonly name: string;
  /** Our discriminant (`type` of the decoded object); usually the same as name. */
  readonly type: E['type'];
  /** Kernel names of the data attributes. */
  readonly schema: Schema;
  /** Writes the attributes inside NFTA_EXPR_DATA. */
  encode(w: AttrWriter, e: E): void;
  /** Reads the payload of NFTA_EXPR_DATA (buf[start, end)). */
  decode(buf: Uint8Array, start: number, end: number, path: string[]): E;
  /** libnftnl 1.2.x debug text after the name, with its trailing space (`load 2b @ … => reg 1 `). */
  format(e: E): string;
  /** Checks a caller's expression before encoding; throws ValidationError naming the field. */
  validate?(e: E, field: string): void;
  /** The kind has no data attributes: NFTA_EXPR_DATA is left out, as the kernel and libnftnl do. */
  readonly noData?: boolean;
  /** Fields holding register numbers (normalised the way the kernel dumps them, see registers.ts). */
  readonly registers?: readonly string[];
}

const byName = new Map<string, ExprCodec<any>>();
const byType = new Map<string, ExprCodec<any>>();

export function registerExpr<E extends { type: string }>(codec: ExprCodec<E>): ExprCodec<E> {
  byName.set(codec.name, codec);
  byType.set(codec.type, codec);
  indexName(codec);
  registerExprSchema(codec.name, codec.schema);
  return codec;
}

export function codecForName(name: string): ExprCodec<any> | undefined {
  return byName.get(name);
}

export function codecForType(type: string): ExprCodec<any> | undefined {
  return byType.get(type);
}

export function registeredExprNames(): string[] {
  return [...byName.keys()];
}

// --- lists ------------------------------------------------------------------------

/** Writes one expression as NFTA_LIST_ELEM { NAME, DATA }; returns the element's start offset. */
export function encodeExpr(w: AttrWriter, e: Expr, elemType = NFTA_LIST_ELEM): number {
  const start = w.beginNest(elemType);
  encodeExprBody(w, e);
  w.endNest(start);
  return start;
}

/** NAME + DATA of one expression, written into the current nest. */
export function encodeExprBody(w: AttrWriter, e: Expr): void {
  if (e.type === 'unknown') {
    const u = e as UnknownExpr;
    w.str(NFTA_EXPR_NAME, u.name);
    if (u.data !== undefined) w.bytes(NFTA_EXPR_DATA, u.data);
  } else {
    const codec = byType.get(e.type);
    if (!codec) throw new ValidationError('type', `unknown expression type ${JSON.stringify(e.type)}`);
    w.str(NFTA_EXPR_NAME, codec.name);
    const extra = (e as { unknownAttrs?: Uint8Array[] }).unknownAttrs;
    if (codec.noData && !extra) return;
    const d = w.beginNest(NFTA_EXPR_DATA);
    codec.encode(w, e);
    if (extra) for (const raw of extra) w.raw(raw);
    w.endNest(d);
  }
}

/** Writes a list of expressions (the payload of an NFTA_*_EXPRESSIONS nest). Returns each element's offset. */
export function encodeExprList(w: AttrWriter, exprs: readonly Expr[]): number[] {
  const offsets: number[] = [];
  for (const e of exprs) offsets.push(encodeExpr(w, e));
  return offsets;
}

/**
 * Reads one expression element's payload (NAME + DATA). An expression this
 * library does not know, or whose data does not parse, comes back as
 * `{ type: 'unknown', name, data }` and re-encodes to the same bytes.
 */
export function decodeExpr(buf: Uint8Array, start: number, end: number, path: string[]): Expr {
  let nameStart = -1;
  let nameEnd = -1;
  let dataStart = -1;
  let dataEnd = -1;
  let p = start;
  while (p < end) {
    if (end - p < NLA_HDRLEN) throw new DecodeError('stray bytes in an expression', p, path);
    const len = hostU16(buf, p);
    if (len < NLA_HDRLEN || p + len > end) throw new DecodeError(`expression attribute length ${len} runs past its parent`, p, path);
    const type = hostU16(buf, p + 2) & NLA_TYPE_MASK;
    if (type === NFTA_EXPR_NAME) {
      nameStart = p + NLA_HDRLEN;
      nameEnd = p + len;
    } else if (type === NFTA_EXPR_DATA) {
      dataStart = p + NLA_HDRLEN;
      dataEnd = p + len;
    }
    p += (len + 3) & ~3;
  }
  if (nameStart < 0) throw new DecodeError('expression without NFTA_EXPR_NAME', start, path);
  const entry = codecForNameBytes(buf, nameStart, nameEnd);
  if (entry !== undefined && (dataStart >= 0 || entry.noData)) {
    try {
      return dataStart >= 0 ? entry.decode(buf, dataStart, dataEnd, path) : entry.decode(buf, start, start, path);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      const u: UnknownExpr = { type: 'unknown', name: entry.name, decodeError: err.message };
      if (dataStart >= 0) u.data = copyBytes(buf, dataStart, dataEnd);
      return u;
    }
  }
  const u: UnknownExpr = { type: 'unknown', name: readCString(buf, nameStart, nameEnd) };
  if (dataStart >= 0) u.data = copyBytes(buf, dataStart, dataEnd);
  return u;
}

// Expression names are matched on their bytes: building a string for every
// expression of a large dump costs more than the rest of the lookup. Buckets
// are picked by length and two bytes; the bytes are then compared in full.
const NAME_BUCKETS = 256;

/** One registered name; every entry has this one shape, so the hot loop's property loads stay monomorphic. */
class NameEntry {
  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
    readonly noData: boolean,
    readonly decode: (buf: Uint8Array, start: number, end: number, path: string[]) => Expr,
  ) {}
}

const byNameBucket: NameEntry[][] = Array.from({ length: NAME_BUCKETS }, () => []);

function nameBucket(n: number, b0: number, bl: number): number {
  return (n * 37 + b0 * 7 + bl) & (NAME_BUCKETS - 1);
}

function indexName(codec: ExprCodec<any>): void {
  const bytes = Buffer.from(codec.name, 'utf8');
  const list = byNameBucket[nameBucket(bytes.length, bytes[0] ?? 0, bytes[bytes.length - 1] ?? 0)]!;
  const entry = new NameEntry(bytes, codec.name, codec.noData === true, codec.decode.bind(codec));
  const i = list.findIndex((x) => x.name === codec.name);
  if (i >= 0) list[i] = entry;
  else list.push(entry);
}

/** The codec entry of the NUL-terminated name in buf[start, end), without decoding it to a string. */
function codecForNameBytes(buf: Uint8Array, start: number, end: number): NameEntry | undefined {
  let n = 0;
  while (start + n < end && buf[start + n] !== 0) n++;
  if (n === 0) return undefined;
  const list = byNameBucket[nameBucket(n, buf[start]!, buf[start + n - 1]!)]!;
  outer: for (let k = 0; k < list.length; k++) {
    const x = list[k]!;
    const b = x.bytes;
    if (b.length !== n) continue;
    for (let i = 0; i < n; i++) if (b[i] !== buf[start + i]) continue outer;
    return x;
  }
  return undefined;
}

/** Reads a list nest of expressions (payload of NFTA_RULE_EXPRESSIONS and the like). */
export function decodeExprList(buf: Uint8Array, start: number, end: number, path: string[]): Expr[] {
  // Count first, so the array is allocated at its size (a dump keeps them all).
  let count = 0;
  let p = start;
  while (p < end) {
    if (end - p < NLA_HDRLEN) throw new DecodeError('stray bytes in an expression list', p, path);
    const len = hostU16(buf, p);
    if (len < NLA_HDRLEN || p + len > end) throw new DecodeError(`expression length ${len} runs past the list`, p, path);
    count++;
    p += (len + 3) & ~3;
  }
  const out: Expr[] = new Array(count);
  p = start;
  for (let i = 0; i < count; i++) {
    const len = hostU16(buf, p);
    out[i] = decodeExpr(buf, p + NLA_HDRLEN, p + len, path);
    p += (len + 3) & ~3;
  }
  return out;
}

/** libnftnl's `[ name text]` for one expression. */
export function formatExpr(e: Expr): string {
  if (e.type === 'unknown') return `[ ${(e as UnknownExpr).name} ]`;
  const codec = byType.get(e.type);
  if (!codec) return `[ ${e.type} ]`;
  return `[ ${codec.name} ${codec.format(e)}]`;
}

/** Validates each expression of a list; the field reads `exprs[3].sreg`. */
/**
 * Stands for an expression's path while it is validated: every rule of a
 * large transaction is validated, and building `exprs[3].sreg` for each field
 * of each expression cost more than the checks. The real path replaces it
 * only when an error is thrown.
 */
const HERE = '\u0000';

export function validateExprs(exprs: readonly Expr[], field = 'exprs', op?: string): void {
  if (!Array.isArray(exprs)) throw new ValidationError(field, 'must be an array of expressions', op);
  for (let i = 0; i < exprs.length; i++) {
    const e = exprs[i];
    if (typeof e !== 'object' || e === null || typeof e.type !== 'string') {
      throw new ValidationError(`${field}[${i}]`, 'must be an expression object with a `type`', op);
    }
    if (e.type === 'unknown') {
      const u = e as UnknownExpr;
      if (typeof u.name !== 'string' || !u.name) throw new ValidationError(`${field}[${i}].name`, 'an unknown expression needs its kernel name', op);
      continue;
    }
    const codec = byType.get(e.type);
    if (!codec) throw new ValidationError(`${field}[${i}].type`, `unknown expression type ${JSON.stringify(e.type)}`, op);
    if (!codec.validate) continue;
    try {
      codec.validate(e, HERE);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const path = err.field.startsWith(HERE) ? `${field}[${i}]${err.field.slice(HERE.length)}` : err.field;
      throw new ValidationError(path, err.message.slice(err.field.length + 2), op ?? err.operation);
    }
  }
}

// --- declared expressions ------------------------------------------------------------

/** How a field is written on the wire. */
export type FieldKind =
  | 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'u32host' | 'str' | 'bin'
  /** a register number (be32) */
  | 'reg'
  /** NFTA_DATA_* nest: bytes or a verdict */
  | 'data'
  /** one nested expression (NFTA_LIST_ELEM-less: NAME + DATA directly) */
  | 'expr'
  /** a list of expressions */
  | 'exprs'
  /** a be32 with names for its values; unknown values stay numbers */
  | { enum: Record<number, string> }
  /** alignment padding the kernel may insert before 64-bit values: skipped, never sent */
  | 'pad';

export interface FieldSpec {
  /** Attribute number. */
  attr: number;
  /** Kernel name, e.g. 'NFTA_PAYLOAD_DREG'. */
  name: string;
  /** Property of the decoded object. */
  key: string;
  kind: FieldKind;
  /** Must be given on encode. */
  required?: boolean;
}

function schemaKind(k: FieldKind): AttrKind {
  if (typeof k === 'object') return 'u32';
  switch (k) {
    case 'pad': return 'bin';
    case 'reg': return 'u32';
    case 'data': return { nest: 'data' };
    case 'expr': return { nest: 'expr' };
    case 'exprs': return { list: 'expr' };
    default: return k;
  }
}

/**
 * Declares an expression from its fields: encode writes present fields in
 * declaration order (the kernel's dump order), decode reads them back and
 * keeps unknown attributes raw.
 */
export function defineExpr<E extends { type: string }>(
  name: string,
  fields: FieldSpec[],
  format: (e: E) => string,
  opts: { type?: string; validate?: (e: E, field: string) => void; noData?: boolean } = {},
): ExprCodec<E> {
  const type = (opts.type ?? name) as E['type'];
  const max = fields.reduce((m, f) => Math.max(m, f.attr), 0);
  const byAttr: (FieldSpec | undefined)[] = new Array(max + 1);
  const reverse = new Map<FieldSpec, Map<string, number>>();
  for (const f of fields) {
    byAttr[f.attr] = f;
    if (typeof f.kind === 'object') {
      reverse.set(f, new Map(Object.entries(f.kind.enum).map(([n, s]) => [s, Number(n)])));
    }
  }
  const schema: Schema = {};
  for (const f of fields) schema[f.attr] = { name: f.name, kind: schemaKind(f.kind) };
  const registers = fields.filter((f) => f.kind === 'reg').map((f) => f.key);

  const codec: ExprCodec<E> = {
    name,
    type,
    schema,
    registers,
    ...(opts.noData ? { noData: true } : {}),
    encode(w, e) {
      const rec = e as unknown as Record<string, unknown>;
      for (const f of fields) {
        const v = rec[f.key];
        if (v === undefined || f.kind === 'pad') continue;
        writeField(w, f, v, reverse.get(f));
      }
    },
    decode(buf, start, end, path) {
      const out: Record<string, unknown> = { type };
      let unknown: Uint8Array[] | undefined;
      let p = start;
      while (p < end) {
        if (end - p < NLA_HDRLEN) throw new DecodeError(`stray bytes in ${name}`, p, path);
        const len = hostU16(buf, p);
        if (len < NLA_HDRLEN || p + len > end) throw new DecodeError(`${name} attribute length ${len} runs past its parent`, p, path);
        const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
        const f = t <= max ? byAttr[t] : undefined;
        if (f) {
          if (f.kind !== 'pad') out[f.key] = readField(buf, p + NLA_HDRLEN, p + len, f, path);
        }
        else (unknown ??= []).push(copyBytes(buf, p, p + len));
        p += (len + 3) & ~3;
      }
      if (unknown) out['unknownAttrs'] = unknown;
      return out as unknown as E;
    },
    format,
    validate(e, field) {
      const rec = e as unknown as Record<string, unknown>;
      for (const f of fields) {
        const v = rec[f.key];
        if (v === undefined) {
          if (f.required) throw new ValidationError(`${field}.${f.key}`, `${name} needs ${f.key}`);
          continue;
        }
        const problem = checkField(f, v, reverse.get(f), field);
        if (problem !== undefined) throw new ValidationError(`${field}.${f.key}`, problem);
      }
      opts.validate?.(e, field);
    },
  };
  return codec;
}

function writeField(w: AttrWriter, f: FieldSpec, v: unknown, names: Map<string, number> | undefined): void {
  const k = f.kind;
  if (typeof k === 'object') {
    w.u32(f.attr, typeof v === 'number' ? v : names!.get(v as string)!);
    return;
  }
  switch (k) {
    case 'u8': w.u8(f.attr, v as number); break;
    case 'u16': w.u16(f.attr, v as number); break;
    case 'u32': case 'reg': case 'i32': w.u32(f.attr, v as number); break;
    case 'u32host': w.u32host(f.attr, v as number); break;
    case 'u64': w.u64(f.attr, v as number | bigint); break;
    case 'str': w.str(f.attr, v as string); break;
    case 'bin': w.bytes(f.attr, v as Uint8Array); break;
    case 'data': encodeData(w, f.attr, v as DataValue); break;
    case 'expr': {
      const n = w.beginNest(f.attr);
      encodeExprBody(w, v as Expr);
      w.endNest(n);
      break;
    }
    case 'exprs': {
      const n = w.beginNest(f.attr);
      encodeExprList(w, v as Expr[]);
      w.endNest(n);
      break;
    }
    case 'pad':
      break;
  }
}

function readField(buf: Uint8Array, s: number, e: number, f: FieldSpec, path: string[]): unknown {
  const len = e - s;
  const k = f.kind;
  if (typeof k === 'object') {
    if (len < 4) throw short(f, len, 4, s, path);
    const n = beU32(buf, s);
    return k.enum[n] ?? n;
  }
  switch (k) {
    case 'u8': if (len < 1) throw short(f, len, 1, s, path); return buf[s];
    case 'u16': if (len < 2) throw short(f, len, 2, s, path); return beU16(buf, s);
    case 'u32': case 'reg': if (len < 4) throw short(f, len, 4, s, path); return beU32(buf, s);
    case 'i32': if (len < 4) throw short(f, len, 4, s, path); return beU32(buf, s) | 0;
    case 'u32host': if (len < 4) throw short(f, len, 4, s, path); return hostU32(buf, s);
    case 'u64': if (len < 8) throw short(f, len, 8, s, path); return beU64(buf, s);
    case 'str': return readCString(buf, s, e);
    case 'bin': return copyBytes(buf, s, e);
    case 'data': return decodeData(buf, s, e, path);
    case 'expr': return decodeExpr(buf, s, e, path);
    case 'exprs': return decodeExprList(buf, s, e, path);
    case 'pad': return undefined;
  }
}

// Built only on the error path: a closure per field read costs every decode.
function short(f: FieldSpec, len: number, n: number, s: number, path: string[]): DecodeError {
  return new DecodeError(`${f.name} has ${len} bytes, needs ${n}`, s, path);
}

/** What is wrong with a field's value, or undefined (a message, so that the path is built only on error). */
function checkField(f: FieldSpec, v: unknown, names: Map<string, number> | undefined, field: string): string | undefined {
  const k = f.kind;
  if (typeof k === 'object') {
    if (typeof v === 'number') return checkInt(v, 0, 0xffffffff);
    if (!names!.has(v as string)) return `unknown value ${JSON.stringify(v)} (known: ${[...names!.keys()].join(', ')})`;
    return undefined;
  }
  switch (k) {
    case 'u8': return checkInt(v, 0, 0xff);
    case 'u16': return checkInt(v, 0, 0xffff);
    case 'u32': case 'u32host': return checkInt(v, 0, 0xffffffff);
    case 'reg': return checkInt(v, 0, 23);
    case 'i32': return checkInt(v, -0x80000000, 0x7fffffff);
    case 'u64':
      if (typeof v === 'bigint') return v < 0n || v >= 1n << 64n ? 'must fit in 64 bits' : undefined;
      return checkInt(v, 0, Number.MAX_SAFE_INTEGER);
    case 'str':
      return typeof v !== 'string' ? 'must be a string' : undefined;
    case 'bin':
      return !(v instanceof Uint8Array) ? 'must be a Uint8Array' : undefined;
    case 'data':
      if (!(v instanceof Uint8Array) && (typeof v !== 'object' || v === null || typeof (v as { verdict?: unknown }).verdict !== 'string')) {
        return 'must be a Uint8Array value or a verdict object';
      }
      return undefined;
    case 'expr':
      validateExprs([v as Expr], `${field}.${f.key}`);
      return undefined;
    case 'exprs':
      validateExprs(v as Expr[], `${field}.${f.key}`);
      return undefined;
    case 'pad':
      return undefined;
  }
}

function checkInt(v: unknown, lo: number, hi: number): string | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) return `must be an integer in [${lo}, ${hi}], not ${JSON.stringify(v)}`;
  return undefined;
}

// --- printing helpers shared by the kinds -------------------------------------------

/** libnftnl's value print: 32-bit words in host order, `0x%08x` each, with a trailing space. */
export function formatValueWords(v: Uint8Array): string {
  let s = '';
  for (let i = 0; i < v.length; i += 4) {
    let word = 0;
    // Host order (little-endian here): byte i is the lowest; missing bytes are 0.
    for (let j = 3; j >= 0; j--) word = word * 256 + (i + j < v.length ? v[i + j]! : 0);
    s += '0x' + word.toString(16).padStart(8, '0') + ' ';
  }
  return s;
}

/** libnftnl's data print: value words, or `accept `, `jump -> chain `. */
export function formatDataValue(d: DataValue): string {
  if (d instanceof Uint8Array) return formatValueWords(d);
  let s = `${d.verdict} `;
  if (d.chain !== undefined) s += `-> ${d.chain} `;
  return s;
}
