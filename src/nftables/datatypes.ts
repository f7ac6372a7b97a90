// nft's datatypes (nftables include/datatype.h, src/datatype.c, src/proto.c …):
// ids, sizes, byte orders, and how a value is written and printed. Set keys
// and data, and rule operands, are raw bytes on the wire; these turn
// '10.0.0.0/8', 80, 'tcp' or ['10.0.0.1', 'tcp', 80] into exactly the bytes
// nft sends, and bytes back into the text nft prints.
//
// Concatenations are composed the way nft composes them: the key type is
// (type << 6) | field for each field in order, every field is padded to 4
// bytes on the wire, and NFTA_SET_DESC_CONCAT carries the unpadded lengths.

import { ValidationError } from '../errors.js';
import { HOST_LE } from '../netlink/attr.js';
import { isVerdict, verdictCode, type DataValue, type Verdict, type VerdictCode } from './data.js';

export type ByteOrder = 'invalid' | 'host' | 'big';

/** The codes nft writes in set userdata (NFTNL_UDATA_SET_KEYBYTEORDER/DATABYTEORDER). */
export const BYTEORDER_CODE: Record<ByteOrder, number> = { invalid: 0, host: 1, big: 2 };
export const BYTEORDER_NAME: readonly ByteOrder[] = ['invalid', 'host', 'big'];

/** A single value as callers write it. */
export type ScalarValue = string | number | bigint | boolean | Uint8Array;
/** A value of a (possibly concatenated) type: a scalar, or one scalar per field. */
export type Value = ScalarValue | readonly ScalarValue[];

/** nft's TYPE_BITS: the width of one field in a concatenated type id. */
export const TYPE_BITS = 6;
const TYPE_MASK = (1 << TYPE_BITS) - 1;

/** NFT_DATA_VERDICT: the data type of verdict maps on the wire. */
export const NFT_DATA_VERDICT = 0xffffff00;

/** One nft datatype. Values are read and written at (buf, off) over `len` bytes. */
export interface Datatype {
  readonly id: number;
  readonly name: string;
  /** Size in bits; 0 when the size comes from the context (integer, string …). */
  readonly bits: number;
  /** Size in bytes on the wire (before concatenation padding); 0 when variable. */
  readonly len: number;
  /** Byte order of the value as nft records it in set userdata. */
  readonly byteorder: ByteOrder;
  /** Whether '/N' prefixes make sense (addresses). */
  readonly prefix?: boolean;
  /**
   * Writes one value (`len` bytes at `off`). Throws a ValidationError naming
   * `field` for a value of the wrong kind, out of range, or of the wrong length.
   */
  write(v: unknown, buf: Uint8Array, off: number, len: number, field: string, order: ByteOrder): void;
  /** nft's text for the value. */
  format(buf: Uint8Array, off: number, len: number, order: ByteOrder): string;
  /** The value as a caller would write it ('10.0.0.1', 80, 'tcp' …); it parses back to the same bytes. */
  decode(buf: Uint8Array, off: number, len: number, order: ByteOrder): ScalarValue;
}

function fail(field: string, msg: string): never {
  throw new ValidationError(field, msg);
}

/** The same error about a sub-field: `field` → `field[i]`, without building names on the hot path. */
export function relabel(err: unknown, field: string): unknown {
  if (!(err instanceof ValidationError)) return err;
  const tail = err.message.slice((err.operation ? err.operation.length + 2 : 0) + err.field.length + 2);
  const e = new ValidationError(field, tail, err.operation);
  if (err.index !== undefined) e.index = err.index;
  return e;
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} raw bytes`;
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function copyRaw(v: Uint8Array, buf: Uint8Array, off: number, len: number, field: string, what: string): void {
  if (v.length !== len) fail(field, `a raw ${what} value has ${len} bytes, not ${v.length}`);
  buf.set(v, off);
}

// --- integers ---------------------------------------------------------------------

/** Reads an unsigned integer of `len` bytes; a number while it is exact, else a bigint. */
export function readUint(buf: Uint8Array, off: number, len: number, order: ByteOrder): number | bigint {
  const le = order === 'host' ? HOST_LE : false;
  if (len <= 6) {
    let v = 0;
    if (le) for (let i = len - 1; i >= 0; i--) v = v * 256 + buf[off + i]!;
    else for (let i = 0; i < len; i++) v = v * 256 + buf[off + i]!;
    return v;
  }
  let v = 0n;
  if (le) for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[off + i]!);
  else for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(buf[off + i]!);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Writes an unsigned integer into `len` bytes. */
export function writeUint(v: number | bigint, buf: Uint8Array, off: number, len: number, order: ByteOrder): void {
  const le = order === 'host' ? HOST_LE : false;
  if (typeof v === 'number' && len <= 4 && v <= 0xffffffff) {
    // Exact 32-bit arithmetic; the common sizes of ports, protocols, marks.
    if (le) for (let i = 0; i < len; i++) buf[off + i] = (v >>> (8 * i)) & 0xff;
    else for (let i = 0; i < len; i++) buf[off + len - 1 - i] = (v >>> (8 * i)) & 0xff;
    return;
  }
  if (typeof v === 'number' && len <= 6) {
    let x = v;
    for (let i = 0; i < len; i++) {
      const b = x % 256;
      x = (x - b) / 256;
      buf[le ? off + i : off + len - 1 - i] = b;
    }
    return;
  }
  let x = BigInt(v);
  for (let i = 0; i < len; i++) {
    buf[le ? off + i : off + len - 1 - i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

const INT_RE = /^(?:0x[0-9a-f]+|0|[1-9][0-9]*)$/i;

/**
 * An integer from a number, bigint or numeric string (decimal or 0x hex),
 * checked against `bits`. Returns undefined for a string that is not a number
 * (so the caller can try a symbol).
 */
function toUint(v: unknown, bits: number, field: string): number | bigint | undefined {
  // The common case first: a plain number that fits.
  if (typeof v === 'number' && bits <= 32 && v >= 0 && v <= 0xffffffff && (v >>> 0) === v && v < 2 ** bits) return v;
  let n: number | bigint;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) fail(field, `must be a non-negative integer, not ${show(v)}`);
    n = v;
  } else if (typeof v === 'bigint') {
    if (v < 0n) fail(field, `must be non-negative, not ${show(v)}`);
    n = v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  } else if (typeof v === 'string') {
    const s = v.trim();
    if (!INT_RE.test(s)) return undefined;
    const big = BigInt(s);
    n = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  } else if (typeof v === 'boolean') {
    n = v ? 1 : 0;
  } else {
    return undefined;
  }
  const max = bits >= 53 ? (1n << BigInt(bits)) - 1n : 2 ** bits - 1;
  if (typeof n === 'number' && typeof max === 'number' ? n > max : BigInt(n) > BigInt(max)) {
    fail(field, `${show(v)} does not fit in ${bits} bits (at most ${max})`);
  }
  return n;
}

interface IntOptions {
  /** Symbol names by value (printed instead of the number). */
  symbols?: Record<number, string>;
  /** Extra names accepted on input only (aliases). */
  aliases?: Record<string, number>;
  /** How nft prints a value with no symbol. */
  print?: 'dec' | 'hex' | 'hex8' | 'hex4';
  /** A bitmask type: values combine names with '|' (or ','), printed as 'a | b'. */
  bitmask?: boolean;
  /** Names match case-insensitively. */
  nocase?: boolean;
}

function fmtNumber(n: number | bigint, how: IntOptions['print']): string {
  switch (how) {
    case 'hex': return '0x' + n.toString(16);
    case 'hex8': return '0x' + n.toString(16).padStart(8, '0');
    case 'hex4': return '0x' + n.toString(16).padStart(4, '0');
    default: return n.toString(10);
  }
}

/** An integer datatype with optional symbol names. */
function intType(id: number, name: string, bits: number, byteorder: ByteOrder, opts: IntOptions = {}): Datatype {
  const names = new Map<string, number>();
  if (opts.symbols) for (const [k, s] of Object.entries(opts.symbols)) names.set(opts.nocase ? s.toLowerCase() : s, Number(k));
  if (opts.aliases) for (const [s, k] of Object.entries(opts.aliases)) names.set(opts.nocase ? s.toLowerCase() : s, k);
  const symbolOf = (s: string): number | undefined => names.get(opts.nocase ? s.toLowerCase() : s);
  const knownNames = (): string => [...names.keys()].slice(0, 12).join(', ') + (names.size > 12 ? ', …' : '');
  const parseOne = (v: unknown, field: string): number | bigint => {
    if (typeof v === 'string') {
      const sym = symbolOf(v);
      if (sym !== undefined) return sym;
    }
    const n = toUint(v, bits, field);
    if (n !== undefined) return n;
    if (typeof v === 'string') {
      const s = v.trim();
      if (opts.bitmask && /[|,]/.test(s)) {
        let acc = 0;
        for (const part of s.split(/\s*[|,]\s*/)) {
          const x = parseOne(part, field);
          acc = (acc | Number(x)) >>> 0;
        }
        return acc;
      }
      const sym = symbolOf(s);
      if (sym !== undefined) return sym;
      fail(field, `${show(v)} is not a valid ${name}${names.size ? ` (a number or one of: ${knownNames()})` : ' (a number)'}`);
    }
    return fail(field, `${show(v)} is not a valid ${name}`);
  };
  const len = Math.ceil(bits / 8);
  const maxNum = bits === 0 || bits >= 53 ? -1 : 2 ** bits - 1;
  return {
    id, name, bits, len, byteorder,
    write(v, buf, off, l, field, order) {
      // Plain numbers in range (ports, protocol numbers, marks) go straight to the bytes.
      if (typeof v === 'number' && v >= 0 && v <= maxNum && l >= len && Math.floor(v) === v) {
        writeUint(v, buf, off, l, order === 'invalid' ? byteorder : order);
        return;
      }
      if (v instanceof Uint8Array) return copyRaw(v, buf, off, l, field, name);
      const n = parseOne(v, field);
      if (l < len && (typeof n === 'bigint' || n >= 2 ** (8 * l))) fail(field, `${show(v)} does not fit in ${l} bytes`);
      writeUint(n, buf, off, l, order === 'invalid' ? byteorder : order);
    },
    format(buf, off, l, order) {
      const n = readUint(buf, off, l, order === 'invalid' ? byteorder : order);
      if (opts.symbols) {
        const s = opts.symbols[Number(n)];
        if (s !== undefined && typeof n === 'number') return s;
        if (opts.bitmask && typeof n === 'number' && n !== 0) {
          const parts: string[] = [];
          let rest = n;
          for (let bit = 0; bit < 32; bit++) {
            const m = 2 ** bit;
            if (Math.floor(n / m) % 2 === 1 && opts.symbols[m] !== undefined) {
              parts.push(opts.symbols[m]!);
              rest -= m;
            }
          }
          if (rest !== 0) parts.push('0x' + rest.toString(16));
          return parts.join(' | ');
        }
      }
      return fmtNumber(n, opts.print);
    },
    decode(buf, off, l, order) {
      const n = readUint(buf, off, l, order === 'invalid' ? byteorder : order);
      if (opts.symbols && typeof n === 'number') {
        const s = opts.symbols[n];
        if (s !== undefined) return s;
        if (opts.bitmask && n !== 0) return this.format(buf, off, l, order).replace(/ \| /g, '|');
      }
      return n;
    },
  };
}

// --- addresses ------------------------------------------------------------------------

/** Parses dotted-quad IPv4 into buf; false when `s` is not one. Hand-written: the bulk-add hot path. */
function parseIPv4Into(s: string, buf: Uint8Array, off: number): boolean {
  const n = s.length;
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      // No leading zeros ('010' is octal to inet_aton; nft rejects the ambiguity).
      if (digits === 1 && value === 0) return false;
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else if (c === 46) {
      if (digits === 0 || part > 3) return false;
      buf[off + part++] = value;
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return part === 4;
}

function parseHex16(s: string): number {
  if (s.length === 0 || s.length > 4) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Parses an IPv6 address (RFC 4291 text, with an optional trailing dotted quad) into 16 bytes. */
function parseIPv6Into(s: string, buf: Uint8Array, off: number): boolean {
  if (s.length < 2 || s.length > 45) return false;
  const words: number[] = [];
  let gap = -1;
  let rest = s;
  if (rest.startsWith('::')) {
    gap = 0;
    rest = rest.slice(2);
    if (rest === '') {
      buf.fill(0, off, off + 16);
      return true;
    }
  } else if (rest.startsWith(':')) {
    return false;
  }
  const parts = rest.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '') {
      // '::' in the middle or at the end; only one allowed.
      if (gap >= 0) {
        if (i === parts.length - 1 && rest.endsWith('::') && gap === words.length) continue;
        return false;
      }
      gap = words.length;
      if (i === parts.length - 2 && parts[i + 1] === '') break;
      continue;
    }
    if (i === parts.length - 1 && p.includes('.')) {
      const q = new Uint8Array(4);
      if (!parseIPv4Into(p, q, 0)) return false;
      words.push((q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!);
      continue;
    }
    const w = parseHex16(p);
    if (w < 0) return false;
    words.push(w);
  }
  if (gap < 0 ? words.length !== 8 : words.length > 7) return false;
  const full = new Array<number>(8).fill(0);
  if (gap < 0) {
    for (let i = 0; i < 8; i++) full[i] = words[i]!;
  } else {
    for (let i = 0; i < gap; i++) full[i] = words[i]!;
    const tail = words.length - gap;
    for (let i = 0; i < tail; i++) full[8 - tail + i] = words[gap + i]!;
  }
  for (let i = 0; i < 8; i++) {
    buf[off + 2 * i] = full[i]! >> 8;
    buf[off + 2 * i + 1] = full[i]! & 0xff;
  }
  return true;
}

function formatIPv4(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** IPv6 text the way glibc's inet_ntop (and so nft) writes it. */
function formatIPv6(buf: Uint8Array, off: number): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!);
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase >= 0) {
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase >= 0 && curLen > bestLen) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    // An IPv4-compatible or IPv4-mapped address ends in a dotted quad.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += formatIPv4(buf, off + 12);
      break;
    }
    s += w[i]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ':';
  return s;
}

function addrType(id: number, name: string, len: number, parse: (s: string, buf: Uint8Array, off: number) => boolean,
  format: (buf: Uint8Array, off: number) => string, example: string): Datatype {
  return {
    id, name, bits: len * 8, len, byteorder: 'big', prefix: true,
    write(v, buf, off, l, field) {
      if (v instanceof Uint8Array) return copyRaw(v, buf, off, l, field, name);
      if (l !== len) fail(field, `a ${name} is ${len} bytes, the key field has ${l}`);
      if (typeof v !== 'string' || !parse(v, buf, off)) {
        fail(field, `${show(v)} is not an ${name === 'ipv4_addr' ? 'IPv4' : 'IPv6'} address (like ${example})`);
      }
    },
    format: (buf, off) => format(buf, off),
    decode: (buf, off) => format(buf, off),
  };
}

const ipv4Type = addrType(7, 'ipv4_addr', 4, parseIPv4Into, formatIPv4, '10.0.0.1');
const ipv6Type = addrType(8, 'ipv6_addr', 16, parseIPv6Into, formatIPv6, 'fe80::1');

function hexColon(buf: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += (i ? ':' : '') + buf[off + i]!.toString(16).padStart(2, '0');
  return s;
}

function parseHexColon(s: string, buf: Uint8Array, off: number, len: number): boolean {
  const parts = s.split(':');
  if (parts.length !== len) return false;
  for (let i = 0; i < len; i++) {
    const p = parts[i]!;
    if (!/^[0-9a-f]{1,2}$/i.test(p)) return false;
    buf[off + i] = parseInt(p, 16);
  }
  return true;
}

const etherType: Datatype = {
  id: 9, name: 'ether_addr', bits: 48, len: 6, byteorder: 'big',
  write(v, buf, off, l, field) {
    if (v instanceof Uint8Array) return copyRaw(v, buf, off, l, field, 'ether_addr');
    if (typeof v !== 'string' || l !== 6 || !parseHexColon(v, buf, off, 6)) fail(field, `${show(v)} is not an Ethernet address (like 00:11:22:33:44:55)`);
  },
  format: (buf, off) => hexColon(buf, off, 6),
  decode: (buf, off) => hexColon(buf, off, 6),
};

const llType: Datatype = {
  id: 6, name: 'll_addr', bits: 0, len: 0, byteorder: 'big',
  write(v, buf, off, l, field) {
    if (v instanceof Uint8Array) return copyRaw(v, buf, off, l, field, 'll_addr');
    if (typeof v !== 'string' || !parseHexColon(v, buf, off, l)) fail(field, `${show(v)} is not a link-layer address of ${l} bytes`);
  },
  format: (buf, off, len) => hexColon(buf, off, len),
  decode: (buf, off, len) => hexColon(buf, off, len),
};

// --- strings -----------------------------------------------------------------------

function stringType(id: number, name: string, bits: number): Datatype {
  return {
    id, name, bits, len: bits / 8, byteorder: 'host',
    write(v, buf, off, l, field) {
      if (v instanceof Uint8Array) return copyRaw(v, buf, off, l, field, name);
      if (typeof v !== 'string') fail(field, `${show(v)} is not a string`);
      const b = Buffer.from(v.endsWith('*') ? v.slice(0, -1) : v, 'utf8');
      // The kernel compares the whole field: the name and at least one NUL must fit.
      if (b.length >= l) fail(field, `${show(v)} is ${b.length} bytes; at most ${l - 1} fit`);
      if (b.includes(0)) fail(field, 'must not contain NUL');
      buf.fill(0, off, off + l);
      buf.set(b, off);
    },
    format(buf, off, l) {
      let e = off;
      while (e < off + l && buf[e] !== 0) e++;
      return JSON.stringify(Buffer.from(buf.subarray(off, e)).toString('utf8'));
    },
    decode(buf, off, l) {
      let e = off;
      while (e < off + l && buf[e] !== 0) e++;
      return Buffer.from(buf.subarray(off, e)).toString('utf8');
    },
  };
}

// --- time ------------------------------------------------------------------------------

const TIME_UNITS: [string, number][] = [['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000], ['ms', 1]];

/** nft's duration text (1h2m3s, 500ms) for milliseconds. */
export function formatDuration(ms: number | bigint): string {
  let rest = BigInt(ms);
  if (rest === 0n) return '0s';
  let s = '';
  for (const [unit, size] of TIME_UNITS) {
    const n = rest / BigInt(size);
    if (n > 0n) {
      s += `${n}${unit}`;
      rest -= n * BigInt(size);
    }
  }
  return s;
}

/** Parses nft's duration text ('1h2m', '30s', '100ms', '2d') into milliseconds; undefined if it is not one. */
export function parseDuration(s: string): number | undefined {
  const t = s.trim();
  if (!/^(?:\d+(?:ms|d|h|m|s))+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+)(ms|d|h|m|s)/g)) {
    ms += Number(m[1]) * TIME_UNITS.find(([u]) => u === m[2])![1];
  }
  return ms;
}

const timeType: Datatype = {
  id: 18, name: 'time', bits: 32, len: 4, byteorder: 'host',
  write(v, buf, off, l, field) {
    if (v instanceof Uint8Array) return copyRaw(v, buf, off, l, field, 'time');
    // Milliseconds, like every duration in this API; or nft's text ('1h', '30s').
    let ms: number | bigint | undefined = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) ms = toUint(v, l * 8, field);
    if (ms === undefined) fail(field, `${show(v)} is not a duration (milliseconds, or text like '30s', '1h2m')`);
    if (Number(ms) >= 2 ** (8 * l)) fail(field, `${show(v)} ms does not fit in ${l * 8} bits`);
    writeUint(ms, buf, off, l, 'host');
  },
  format: (buf, off, l) => formatDuration(readUint(buf, off, l, 'host')),
  decode: (buf, off, l) => readUint(buf, off, l, 'host'),
};

// --- symbol tables (nft src/proto.c, datatype.c, ct.c …) ---------------------------------

// Names nft takes from /etc/protocols (Debian netbase), printed by number → name.
const PROTOCOLS: Record<number, string> = {
  0: 'ip', 1: 'icmp', 2: 'igmp', 3: 'ggp', 4: 'ipencap', 5: 'st', 6: 'tcp', 8: 'egp', 9: 'igp', 12: 'pup', 17: 'udp',
  20: 'hmp', 22: 'xns-idp', 27: 'rdp', 29: 'iso-tp4', 33: 'dccp', 36: 'xtp', 37: 'ddp', 38: 'idpr-cmtp', 41: 'ipv6',
  43: 'ipv6-route', 44: 'ipv6-frag', 45: 'idrp', 46: 'rsvp', 47: 'gre', 50: 'esp', 51: 'ah', 57: 'skip', 58: 'ipv6-icmp',
  59: 'ipv6-nonxt', 60: 'ipv6-opts', 73: 'rspf', 81: 'vmtp', 88: 'eigrp', 89: 'ospf', 93: 'ax.25', 94: 'ipip',
  97: 'etherip', 98: 'encap', 103: 'pim', 108: 'ipcomp', 112: 'vrrp', 115: 'l2tp', 124: 'isis', 132: 'sctp', 133: 'fc',
  135: 'mobility-header', 136: 'udplite', 137: 'mpls-in-ip', 138: 'manet', 139: 'hip', 140: 'shim6', 141: 'wesp',
  142: 'rohc', 143: 'ethernet',
};
const PROTOCOL_ALIASES: Record<string, number> = {
  hopopt: 0, icmpv6: 58, 'ipv6-icmp': 58, comp: 108, IP: 0, ICMP: 1, TCP: 6, UDP: 17, SCTP: 132, GRE: 47, ESP: 50, AH: 51,
  'IPv6-ICMP': 58, UDPLite: 136,
};

// A few service names from /etc/services; nft prints ports as numbers.
const SERVICES: Record<string, number> = {
  ftp: 21, 'ftp-data': 20, ssh: 22, telnet: 23, smtp: 25, domain: 53, dns: 53, bootps: 67, bootpc: 68, tftp: 69,
  http: 80, www: 80, kerberos: 88, pop3: 110, sunrpc: 111, ntp: 123, 'netbios-ns': 137, imap: 143, imap2: 143,
  snmp: 161, bgp: 179, ldap: 389, https: 443, smb: 445, 'microsoft-ds': 445, syslog: 514, submission: 587,
  ldaps: 636, imaps: 993, pop3s: 995, 'http-alt': 8080, openvpn: 1194, mysql: 3306, postgresql: 5432,
  'ms-wbt-server': 3389, sip: 5060,
};

const ICMP_TYPES: Record<number, string> = {
  0: 'echo-reply', 3: 'destination-unreachable', 4: 'source-quench', 5: 'redirect', 8: 'echo-request',
  9: 'router-advertisement', 10: 'router-solicitation', 11: 'time-exceeded', 12: 'parameter-problem',
  13: 'timestamp-request', 14: 'timestamp-reply', 15: 'info-request', 16: 'info-reply', 17: 'address-mask-request',
  18: 'address-mask-reply',
};
const ICMPV6_TYPES: Record<number, string> = {
  1: 'destination-unreachable', 2: 'packet-too-big', 3: 'time-exceeded', 4: 'parameter-problem', 128: 'echo-request',
  129: 'echo-reply', 130: 'mld-listener-query', 131: 'mld-listener-report', 132: 'mld-listener-done',
  133: 'nd-router-solicit', 134: 'nd-router-advert', 135: 'nd-neighbor-solicit', 136: 'nd-neighbor-advert',
  137: 'nd-redirect', 138: 'router-renumbering', 141: 'ind-neighbor-solicit', 142: 'ind-neighbor-advert',
  143: 'mld2-listener-report',
};
const ICMP_CODES: Record<number, string> = {
  0: 'net-unreachable', 1: 'host-unreachable', 2: 'prot-unreachable', 3: 'port-unreachable', 4: 'frag-needed',
  9: 'net-prohibited', 10: 'host-prohibited', 13: 'admin-prohibited',
};
const ICMPV6_CODES: Record<number, string> = {
  0: 'no-route', 1: 'admin-prohibited', 3: 'addr-unreachable', 4: 'port-unreachable', 5: 'policy-fail', 6: 'reject-route',
};
const ICMPX_CODES: Record<number, string> = { 0: 'no-route', 1: 'port-unreachable', 2: 'host-unreachable', 3: 'admin-prohibited' };
const TCP_FLAGS: Record<number, string> = { 1: 'fin', 2: 'syn', 4: 'rst', 8: 'psh', 16: 'ack', 32: 'urg', 64: 'ecn', 128: 'cwr' };
const CT_STATES: Record<number, string> = { 1: 'invalid', 2: 'established', 4: 'related', 8: 'new', 64: 'untracked' };
const CT_STATUS: Record<number, string> = {
  1: 'expected', 2: 'seen-reply', 4: 'assured', 8: 'confirmed', 16: 'snat', 32: 'dnat', 512: 'dying',
};
const CT_EVENTS: Record<number, string> = {
  1: 'new', 2: 'related', 4: 'destroy', 8: 'reply', 16: 'assured', 32: 'protoinfo', 64: 'helper', 128: 'mark',
  256: 'seqadj', 512: 'secmark', 1024: 'label',
};
const ETHER_TYPES: Record<number, string> = { 0x0800: 'ip', 0x0806: 'arp', 0x86dd: 'ip6', 0x8100: '8021q', 0x88a8: '8021ad' };
const ARP_OPS: Record<number, string> = { 1: 'request', 2: 'reply', 3: 'rrequest', 4: 'rreply', 8: 'inrequest', 9: 'inreply', 10: 'nak' };
const ARPHRD: Record<number, string> = { 1: 'ether', 512: 'ppp', 768: 'ipip', 769: 'ipip6', 772: 'loopback', 776: 'sit', 778: 'ipgre' };
const PKT_TYPES: Record<number, string> = { 0: 'host', 1: 'broadcast', 2: 'multicast', 3: 'other' };
const CT_DIRS: Record<number, string> = { 0: 'original', 1: 'reply' };
const NFPROTOS: Record<number, string> = { 2: 'ipv4', 10: 'ipv6' };
const DSCP: Record<number, string> = {
  0: 'cs0', 8: 'cs1', 16: 'cs2', 24: 'cs3', 32: 'cs4', 40: 'cs5', 48: 'cs6', 56: 'cs7', 1: 'lephb', 10: 'af11', 12: 'af12',
  14: 'af13', 18: 'af21', 20: 'af22', 22: 'af23', 26: 'af31', 28: 'af32', 30: 'af33', 34: 'af41', 36: 'af42', 38: 'af43',
  44: 'va', 46: 'ef',
};
const ECN: Record<number, string> = { 0: 'not-ect', 1: 'ect1', 2: 'ect0', 3: 'ce' };
const FIB_ADDRTYPES: Record<number, string> = {
  0: 'unspec', 1: 'unicast', 2: 'local', 3: 'broadcast', 4: 'anycast', 5: 'multicast', 6: 'blackhole', 7: 'unreachable',
  8: 'prohibit',
};
const IGMP_TYPES: Record<number, string> = {
  0x11: 'membership-query', 0x12: 'membership-report-v1', 0x16: 'membership-report-v2', 0x22: 'membership-report-v3',
  0x17: 'leave-group',
};
const DCCP_PKTTYPES: Record<number, string> = {
  0: 'request', 1: 'response', 2: 'data', 3: 'ack', 4: 'dataack', 5: 'closereq', 6: 'close', 7: 'reset', 8: 'sync', 9: 'syncack',
};
const MH_TYPES: Record<number, string> = {
  0: 'binding-refresh-request', 1: 'home-test-init', 2: 'careof-test-init', 3: 'home-test', 4: 'careof-test',
  5: 'binding-update', 6: 'binding-acknowledgement', 7: 'binding-error', 8: 'fast-binding-update',
  9: 'fast-binding-acknowledgement', 10: 'fast-binding-advertisement', 11: 'experimental-mobility-header',
  12: 'home-agent-switch-message',
};
const DAYS: Record<number, string> = { 0: 'Sunday', 1: 'Monday', 2: 'Tuesday', 3: 'Wednesday', 4: 'Thursday', 5: 'Friday', 6: 'Saturday' };
const BOOLEANS: Record<number, string> = { 0: 'missing', 1: 'exists' };

const booleanType = intType(39, 'boolean', 1, 'invalid', { symbols: BOOLEANS, aliases: { false: 0, true: 1 } });

const serviceType = intType(13, 'inet_service', 16, 'big', { aliases: SERVICES });

const verdictType: Datatype = {
  id: 1, name: 'verdict', bits: 0, len: 0, byteorder: 'invalid',
  write(_v, _buf, _off, _len, field) {
    fail(field, 'a verdict is not a byte value; use it as map data');
  },
  format: () => '',
  decode: () => new Uint8Array(0),
};

const integerType = intType(4, 'integer', 0, 'host');
const integer: Datatype = {
  ...integerType,
  write(v, buf, off, l, field, order) {
    if (v instanceof Uint8Array) return copyRaw(v, buf, off, l, field, 'integer');
    const n = toUint(v, l * 8, field);
    if (n === undefined) fail(field, `${show(v)} is not an integer`);
    writeUint(n, buf, off, l, order === 'invalid' ? 'host' : order);
  },
  format: (buf, off, l, order) => readUint(buf, off, l, order === 'invalid' ? 'host' : order).toString(10),
  decode: (buf, off, l, order) => readUint(buf, off, l, order === 'invalid' ? 'host' : order),
};

const ALL: Datatype[] = [
  verdictType,
  intType(2, 'nf_proto', 8, 'invalid', { symbols: NFPROTOS }),
  intType(3, 'bitmask', 0, 'host', { print: 'hex' }),
  integer,
  stringType(5, 'string', 0),
  llType,
  ipv4Type,
  ipv6Type,
  etherType,
  intType(10, 'ether_type', 16, 'big', { symbols: ETHER_TYPES, aliases: { vlan: 0x8100 }, print: 'hex4' }),
  intType(11, 'arp_op', 16, 'big', { symbols: ARP_OPS }),
  intType(12, 'inet_proto', 8, 'invalid', { symbols: PROTOCOLS, aliases: PROTOCOL_ALIASES }),
  serviceType,
  intType(14, 'icmp_type', 8, 'big', { symbols: ICMP_TYPES }),
  intType(15, 'tcp_flag', 8, 'big', { symbols: TCP_FLAGS, bitmask: true }),
  intType(16, 'dccp_pkttype', 4, 'big', { symbols: DCCP_PKTTYPES }),
  intType(17, 'mh_type', 8, 'big', { symbols: MH_TYPES }),
  timeType,
  intType(19, 'mark', 32, 'host', { print: 'hex8' }),
  intType(20, 'iface_index', 32, 'host'),
  intType(21, 'iface_type', 16, 'host', { symbols: ARPHRD }),
  intType(22, 'realm', 32, 'host'),
  intType(23, 'classid', 32, 'host'),
  intType(24, 'uid', 32, 'host'),
  intType(25, 'gid', 32, 'host'),
  intType(26, 'ct_state', 32, 'host', { symbols: CT_STATES, bitmask: true }),
  intType(27, 'ct_dir', 8, 'host', { symbols: CT_DIRS }),
  intType(28, 'ct_status', 32, 'host', { symbols: CT_STATUS, bitmask: true }),
  intType(29, 'icmpv6_type', 8, 'big', { symbols: ICMPV6_TYPES, aliases: { 'mld-listener-reduction': 132 } }),
  intType(30, 'ct_label', 128, 'host', { print: 'hex' }),
  intType(31, 'pkt_type', 8, 'host', { symbols: PKT_TYPES }),
  intType(32, 'icmp_code', 8, 'big', { symbols: ICMP_CODES }),
  intType(33, 'icmpv6_code', 8, 'big', { symbols: ICMPV6_CODES }),
  intType(34, 'icmpx_code', 8, 'big', { symbols: ICMPX_CODES }),
  intType(35, 'devgroup', 32, 'host'),
  intType(36, 'dscp', 6, 'big', { symbols: DSCP, print: 'hex' }),
  intType(37, 'ecn', 2, 'big', { symbols: ECN, print: 'hex' }),
  intType(38, 'fib_addrtype', 32, 'host', { symbols: FIB_ADDRTYPES }),
  booleanType,
  intType(40, 'ct_event', 32, 'host', { symbols: CT_EVENTS, bitmask: true }),
  stringType(41, 'ifname', 128),
  intType(42, 'igmp_type', 8, 'big', { symbols: IGMP_TYPES }),
  intType(43, 'date', 64, 'host'),
  intType(44, 'hour', 32, 'host'),
  intType(45, 'day', 8, 'host', { symbols: DAYS, nocase: true }),
  intType(46, 'cgroupsv2', 64, 'host'),
];

const BY_ID: (Datatype | undefined)[] = [];
const BY_NAME = new Map<string, Datatype>();
for (const t of ALL) {
  BY_ID[t.id] = t;
  BY_NAME.set(t.name, t);
}
BY_NAME.set('icmpx_type', BY_ID[34]!);

export function datatypeById(id: number): Datatype | undefined {
  return BY_ID[id];
}

export function datatypeByName(name: string): Datatype | undefined {
  return BY_NAME.get(name);
}

export function datatypeNames(): string[] {
  return [...BY_NAME.keys()];
}

// --- key types: a datatype or a concatenation --------------------------------------------

/** One field of a key type. */
export interface KeyField {
  type: Datatype;
  /** Unpadded length in bytes (NFTA_SET_FIELD_LEN). */
  len: number;
  /** Byte order of this field's value. */
  byteorder: ByteOrder;
}

/** A resolved key or data type: one datatype, or a concatenation of several. */
export interface KeyType {
  /** nft's datatype id; for concatenations the composed id. */
  readonly id: number;
  /** 'ipv4_addr', or 'ipv4_addr . inet_proto . inet_service'. */
  readonly name: string;
  /** Length on the wire in bytes (fields padded to 4 bytes in a concatenation). */
  readonly len: number;
  /** What nft records as the key's byte order (concatenations: 'invalid'). */
  readonly byteorder: ByteOrder;
  readonly fields: readonly KeyField[];
  /** Offsets of each field in the wire value. */
  readonly offsets: readonly number[];
  readonly concat: boolean;
}

/**
 * How callers name a type: 'ipv4_addr'; a concatenation as an array of names
 * or as 'ipv4_addr . inet_service'; an integer with its size, { type: 'integer',
 * bits: 16, byteorder: 'big' }; or an already resolved KeyType.
 */
export type TypeSpec = string | number | readonly (string | FieldSpec)[] | FieldSpec | KeyType;

export interface FieldSpec {
  type: string | number;
  /** Size in bits, for types without a fixed size (integer, string …). */
  bits?: number;
  byteorder?: ByteOrder;
}

function isKeyType(s: unknown): s is KeyType {
  return typeof s === 'object' && s !== null && Array.isArray((s as KeyType).fields) && typeof (s as KeyType).len === 'number';
}

function resolveField(f: string | number | FieldSpec, field: string): KeyField {
  const spec: FieldSpec = typeof f === 'object' ? f : { type: f };
  const t = typeof spec.type === 'number' ? datatypeById(spec.type) : datatypeByName(spec.type);
  if (!t) {
    const known = datatypeNames().filter((n) => n !== 'verdict').join(', ');
    fail(field, `unknown datatype ${JSON.stringify(spec.type)} (known: ${known})`);
  }
  if (t.id === 1) fail(field, 'verdict is only a map data type');
  let bits = t.bits;
  if (spec.bits !== undefined) {
    if (!Number.isInteger(spec.bits) || spec.bits <= 0 || spec.bits > 512) fail(field, `bits must be 1..512, not ${show(spec.bits)}`);
    if (t.bits !== 0 && spec.bits !== t.bits) fail(field, `${t.name} has ${t.bits} bits, not ${spec.bits}`);
    bits = spec.bits;
  }
  if (bits === 0) fail(field, `${t.name} has no fixed size: give { type: '${t.name}', bits: N }`);
  return { type: t, len: Math.ceil(bits / 8), byteorder: spec.byteorder ?? t.byteorder };
}

function makeKeyType(fields: KeyField[], idOverride?: number): KeyType {
  const concat = fields.length > 1;
  const offsets: number[] = [];
  let len = 0;
  let id = 0;
  for (const f of fields) {
    offsets.push(len);
    len += concat ? (f.len + 3) & ~3 : f.len;
    id = concat ? id * (1 << TYPE_BITS) + f.type.id : f.type.id;
  }
  return {
    id: idOverride ?? id,
    name: fields.map((f) => f.type.name).join(' . '),
    len,
    byteorder: concat ? 'invalid' : fields[0]!.byteorder,
    fields,
    offsets,
    concat,
  };
}

/** Resolves a type as callers write it; throws a ValidationError naming `field`. */
export function resolveType(spec: TypeSpec, field = 'type'): KeyType {
  if (isKeyType(spec)) return spec;
  if (typeof spec === 'string' && spec.includes('.')) {
    return resolveType(spec.split('.').map((s) => s.trim()), field);
  }
  if (Array.isArray(spec)) {
    if (spec.length === 0) fail(field, 'a concatenation needs at least one field');
    // TYPE_BITS × fields must fit the 32-bit key type.
    if (spec.length > 5) fail(field, `a concatenation has at most 5 fields, not ${spec.length}`);
    const fields = spec.map((s, i) => resolveField(s as string | FieldSpec, `${field}[${i}]`));
    if (fields.length === 1) return makeKeyType(fields);
    return makeKeyType(fields);
  }
  return makeKeyType([resolveField(spec as string | number | FieldSpec, field)]);
}

/**
 * The key type as values travel in an interval set: the kernel orders ranges
 * by memcmp, so nft sends host-order integers (mark, ct state …) big-endian
 * there. Strings keep their bytes. The type's recorded byte order is unchanged.
 */
export function intervalKeyType(kt: KeyType): KeyType {
  if (!kt.fields.some((f) => f.byteorder === 'host' && !isStringType(f.type))) return kt;
  return {
    ...kt,
    fields: kt.fields.map((f) => (f.byteorder === 'host' && !isStringType(f.type) ? { ...f, byteorder: 'big' as ByteOrder } : f)),
  };
}

function isStringType(t: Datatype): boolean {
  return t.id === 5 || t.id === 41;
}

/** A concatenation of types, composed the way nft composes it. */
export function concatType(fields: readonly (string | FieldSpec)[]): KeyType {
  if (fields.length < 2) fail('type', 'a concatenation has at least two fields');
  return resolveType(fields);
}

/**
 * The key type of a set as the kernel reports it: nft's (composed) datatype
 * id, the key length, the byte order from userdata and, when the set has
 * one, NFTA_SET_DESC_CONCAT's field lengths. Returns undefined when the id
 * cannot be split into known fields that add up to `len`.
 */
export function keyTypeFromWire(id: number, len: number, byteorder: ByteOrder = 'invalid', fieldLens?: readonly number[]): KeyType | undefined {
  const ids: number[] = [];
  if (id === 0) return undefined;
  let rest = id >>> 0;
  while (rest > 0) {
    ids.unshift(rest & TYPE_MASK);
    rest = Math.floor(rest / (1 << TYPE_BITS));
  }
  if (ids.length === 1) {
    const t = datatypeById(ids[0]!);
    if (!t || t.id === 1) return undefined;
    if (t.len !== 0 && t.len !== len) return undefined;
    return makeKeyType([{ type: t, len, byteorder: byteorder === 'invalid' ? t.byteorder : byteorder }]);
  }
  if (fieldLens && fieldLens.length !== ids.length) return undefined;
  const fields: KeyField[] = [];
  for (let i = 0; i < ids.length; i++) {
    const t = datatypeById(ids[i]!);
    if (!t || t.id === 1) return undefined;
    const flen = fieldLens ? fieldLens[i]! : t.len;
    if (flen === 0 || (t.len !== 0 && t.len !== flen)) return undefined;
    fields.push({ type: t, len: flen, byteorder: t.byteorder });
  }
  const kt = makeKeyType(fields, id);
  return kt.len === len ? kt : undefined;
}

// --- values ---------------------------------------------------------------------------

function splitConcat(kt: KeyType, input: unknown, field: string): readonly unknown[] {
  if (Array.isArray(input)) {
    if (input.length !== kt.fields.length) {
      fail(field, `${kt.name} has ${kt.fields.length} fields; got ${input.length} values`);
    }
    return input;
  }
  if (typeof input === 'string' && input.includes(' . ')) {
    const parts = input.split(' . ').map((s) => s.trim());
    if (parts.length !== kt.fields.length) fail(field, `${kt.name} has ${kt.fields.length} fields; got ${parts.length} in ${show(input)}`);
    return parts;
  }
  return fail(field, `a ${kt.name} value is an array of ${kt.fields.length} values (or 'a . b' text), not ${show(input)}`);
}

/**
 * Writes a value of `kt` (a single value, no ranges) at buf[off .. off+kt.len).
 * Raw bytes of kt.len are always accepted, for the whole key or per field.
 */
export function writeValue(kt: KeyType, input: unknown, buf: Uint8Array, off: number, field = 'value'): void {
  if (!kt.concat) {
    const f = kt.fields[0]!;
    f.type.write(input, buf, off, f.len, field, f.byteorder);
    return;
  }
  if (input instanceof Uint8Array) {
    if (input.length !== kt.len) fail(field, `a raw ${kt.name} value has ${kt.len} bytes, not ${input.length}`);
    buf.set(input, off);
    return;
  }
  const parts = splitConcat(kt, input, field);
  // The padding between fields is zero (a loop: Buffer.fill costs more than it saves on 8-24 bytes).
  for (let k = off, e = off + kt.len; k < e; k++) buf[k] = 0;
  for (let i = 0; i < parts.length; i++) {
    const f = kt.fields[i]!;
    try {
      f.type.write(parts[i], buf, off + kt.offsets[i]!, f.len, field, f.byteorder);
    } catch (err) {
      throw relabel(err, `${field}[${i}]`);
    }
  }
}

/** The bytes nft sends for a value: '10.0.0.1', 80, 'tcp', ['10.0.0.1', 'tcp', 80] … Raw bytes pass through (length checked). */
export function parseValue(type: TypeSpec, input: unknown, field = 'value'): Uint8Array {
  const kt = resolveType(type, field === 'value' ? 'type' : `${field}.type`);
  const out = new Uint8Array(kt.len);
  writeValue(kt, input, out, 0, field);
  return out;
}

/** A verdict as callers write it: { verdict: 'goto', chain: 'x' }, or text 'accept', 'jump x'. */
export function parseVerdict(input: unknown, field = 'verdict'): Verdict {
  if (typeof input === 'string') {
    const m = /^\s*([a-z]+)(?:\s+(\S.*?))?\s*$/.exec(input);
    if (!m) fail(field, `${show(input)} is not a verdict`);
    const v: Verdict = { verdict: m[1] as VerdictCode };
    if (m[2] !== undefined) v.chain = m[2];
    return parseVerdict(v, field);
  }
  if (!isVerdict(input)) fail(field, `${show(input)} is not a verdict ({ verdict: 'accept' } or { verdict: 'jump', chain: 'x' })`);
  try {
    verdictCode(input);
  } catch {
    fail(field, `unknown verdict ${show(input.verdict)} (known: accept, drop, continue, break, return, jump, goto, queue, stolen, repeat, stop)`);
  }
  const needsChain = input.verdict === 'jump' || input.verdict === 'goto';
  if (needsChain && input.chain === undefined && input.chainId === undefined) fail(field, `${input.verdict} needs a chain`);
  if (!needsChain && (input.chain !== undefined || input.chainId !== undefined)) fail(field, `${input.verdict} takes no chain`);
  if (input.chain !== undefined && (typeof input.chain !== 'string' || input.chain.length === 0 || (input.chain.length > 85 && Buffer.byteLength(input.chain) > 255))) {
    fail(`${field}.chain`, 'must be a chain name of 1 to 255 bytes');
  }
  return input;
}

/** Map data: a verdict for verdict maps, else the bytes of a value of `type`. */
export function parseData(type: TypeSpec | 'verdict', input: unknown, field = 'data'): DataValue {
  if (type === 'verdict' || (isKeyType(type) && type.id === 1)) return parseVerdict(input, field);
  return parseValue(type, input, field);
}

export interface Range {
  /** First value of the range. */
  start: Uint8Array;
  /** Last value of the range (inclusive). */
  end: Uint8Array;
}

/**
 * Writes the inclusive range of one field: a prefix ('10.0.0.0/8'), a range
 * ('10.0.0.1-10.0.0.9', '1024-65535'), an interface wildcard ('eth*'), or a
 * single value (start = end).
 */
function writeFieldRange(f: KeyField, input: unknown, s: Uint8Array, so: number, e: Uint8Array, eo: number, field: string): void {
  const t = f.type;
  if (typeof input === 'string') {
    const str = input.trim();
    const slash = str.indexOf('/');
    if (slash > 0 && t.prefix) {
      const plen = str.slice(slash + 1);
      if (!/^\d{1,3}$/.test(plen) || Number(plen) > f.len * 8) fail(field, `bad prefix length in ${show(input)} (0 to ${f.len * 8})`);
      t.write(str.slice(0, slash), s, so, f.len, field, f.byteorder);
      const bits = Number(plen);
      for (let i = 0; i < f.len; i++) {
        const keep = Math.max(0, Math.min(8, bits - 8 * i));
        const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
        if ((s[so + i]! & ~mask & 0xff) !== 0) fail(field, `${show(input)} has bits set outside its /${bits} prefix`);
        e[eo + i] = s[so + i]! | (~mask & 0xff);
      }
      return;
    }
    if (t.id === 41 && str.endsWith('*')) {
      // An interface-name wildcard: every name that starts with the prefix.
      t.write(str, s, so, f.len, field, f.byteorder);
      let n = 0;
      while (n < f.len && s[so + n] !== 0) n++;
      e.set(s.subarray(so, so + n), eo);
      e.fill(0xff, eo + n, eo + f.len);
      return;
    }
    if (str.includes('-')) {
      // A name may itself contain '-' (echo-request): the whole string is tried first.
      let whole = true;
      try {
        t.write(str, s, so, f.len, field, f.byteorder);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        whole = false;
      }
      if (whole) {
        e.set(s.subarray(so, so + f.len), eo);
        return;
      }
      const seps = [...str.matchAll(/-/g)].map((m) => m.index!);
      for (const i of seps) {
        const a = str.slice(0, i).trim();
        const b = str.slice(i + 1).trim();
        if (!a || !b) continue;
        try {
          t.write(a, s, so, f.len, field, f.byteorder);
          t.write(b, e, eo, f.len, field, f.byteorder);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          continue;
        }
        if (compareBytes(s, so, e, eo, f.len, f.byteorder) > 0) fail(field, `${show(input)} is a range whose start is after its end`);
        return;
      }
      fail(field, `${show(input)} is neither a ${t.name} nor a range of them`);
    }
  }
  t.write(input, s, so, f.len, field, f.byteorder);
  for (let k = 0; k < f.len; k++) e[eo + k] = s[so + k]!;
}

/** Compares two values as the kernel orders them (memcmp of big-endian; host-endian integers by value). */
export function compareBytes(a: Uint8Array, ao: number, b: Uint8Array, bo: number, len: number, order: ByteOrder = 'big'): number {
  if (order === 'host' && HOST_LE) {
    for (let i = len - 1; i >= 0; i--) if (a[ao + i] !== b[bo + i]) return a[ao + i]! - b[bo + i]!;
    return 0;
  }
  for (let i = 0; i < len; i++) if (a[ao + i] !== b[bo + i]) return a[ao + i]! - b[bo + i]!;
  return 0;
}

/** Writes an inclusive range of `kt` into s and e (each kt.len bytes). */
export function writeRange(kt: KeyType, input: unknown, s: Uint8Array, so: number, e: Uint8Array, eo: number, field = 'value'): void {
  if (input instanceof Uint8Array) {
    if (input.length !== kt.len) fail(field, `a raw ${kt.name} value has ${kt.len} bytes, not ${input.length}`);
    s.set(input, so);
    e.set(input, eo);
    return;
  }
  if (!kt.concat) {
    writeFieldRange(kt.fields[0]!, input, s, so, e, eo, field);
    return;
  }
  const parts = splitConcat(kt, input, field);
  for (let k = 0; k < kt.len; k++) {
    s[so + k] = 0;
    e[eo + k] = 0;
  }
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const o = kt.offsets[i]!;
    const f = kt.fields[i]!;
    try {
      if (p instanceof Uint8Array) {
        f.type.write(p, s, so + o, f.len, field, f.byteorder);
        for (let k = 0; k < f.len; k++) e[eo + o + k] = s[so + o + k]!;
      } else {
        writeFieldRange(f, p, s, so + o, e, eo + o, field);
      }
    } catch (err) {
      throw relabel(err, `${field}[${i}]`);
    }
  }
}

/** The inclusive [start, end] of a prefix, range or single value of `type`. */
export function parseRange(type: TypeSpec, input: unknown, field = 'value'): Range {
  const kt = resolveType(type, field === 'value' ? 'type' : `${field}.type`);
  const start = new Uint8Array(kt.len);
  const end = new Uint8Array(kt.len);
  writeRange(kt, input, start, 0, end, 0, field);
  return { start, end };
}

// --- printing and decoding ----------------------------------------------------------------

/** nft's text for a value of `type`: '10.0.0.1', '80', 'tcp', '10.0.0.1 . tcp . 80'. */
export function formatValue(type: TypeSpec, bytes: Uint8Array): string {
  const kt = resolveType(type);
  if (bytes.length !== kt.len) return formatHex(bytes);
  return kt.fields.map((f, i) => f.type.format(bytes, kt.offsets[i]!, f.len, f.byteorder)).join(' . ');
}

/** The value as a caller would write it (what parseValue takes back): '10.0.0.1', 80, ['10.0.0.1', 'tcp', 80]. */
export function decodeValue(type: TypeSpec, bytes: Uint8Array): Value {
  const kt = resolveType(type);
  if (bytes.length !== kt.len) return bytes;
  if (!kt.concat) {
    const f = kt.fields[0]!;
    return f.type.decode(bytes, 0, f.len, f.byteorder);
  }
  return kt.fields.map((f, i) => f.type.decode(bytes, kt.offsets[i]!, f.len, f.byteorder));
}

function formatHex(b: Uint8Array): string {
  return '0x' + Buffer.from(b).toString('hex');
}

/** The prefix length when [s, e] is exactly one prefix of an address field, else -1. */
function prefixLength(s: Uint8Array, so: number, e: Uint8Array, eo: number, len: number): number {
  let bits = 0;
  let i = 0;
  for (; i < len; i++) {
    const x = s[so + i]!;
    const y = e[eo + i]!;
    if (x === y) {
      bits += 8;
      continue;
    }
    const diff = x ^ y;
    // The differing tail must be: start bits 0, end bits 1.
    let n = 0;
    while (n < 8 && ((diff << n) & 0x80) === 0) n++;
    const tail = (1 << (8 - n)) - 1;
    if ((x & tail) !== 0 || (y & tail) !== tail) return -1;
    bits += n;
    i++;
    break;
  }
  for (; i < len; i++) if (s[so + i] !== 0 || e[eo + i] !== 0xff) return -1;
  return bits;
}

function formatFieldRange(f: KeyField, s: Uint8Array, so: number, e: Uint8Array, eo: number): string {
  if (compareBytes(s, so, e, eo, f.len) === 0) return f.type.format(s, so, f.len, f.byteorder);
  if (f.type.prefix) {
    const p = prefixLength(s, so, e, eo, f.len);
    if (p >= 0) return `${f.type.format(s, so, f.len, f.byteorder)}/${p}`;
  }
  return `${f.type.format(s, so, f.len, f.byteorder)}-${f.type.format(e, eo, f.len, f.byteorder)}`;
}

/** nft's text for an inclusive range: '10.0.0.0/8', '10.0.0.1-10.0.0.9', '80', field by field for concatenations. */
export function formatRange(type: TypeSpec, start: Uint8Array, end: Uint8Array): string {
  const kt = resolveType(type);
  if (start.length !== kt.len || end.length !== kt.len) return `${formatHex(start)}-${formatHex(end)}`;
  return kt.fields.map((f, i) => formatFieldRange(f, start, kt.offsets[i]!, end, kt.offsets[i]!)).join(' . ');
}

/** A range as a caller would write it: '10.0.0.0/8', '1024-65535', a single value, per field for concatenations. */
export function decodeRange(type: TypeSpec, start: Uint8Array, end: Uint8Array): Value {
  const kt = resolveType(type);
  if (start.length !== kt.len || end.length !== kt.len) return start;
  const one = (i: number): ScalarValue => {
    const f = kt.fields[i]!;
    const o = kt.offsets[i]!;
    if (compareBytes(start, o, end, o, f.len) === 0) return f.type.decode(start, o, f.len, f.byteorder);
    return formatFieldRange(f, start, o, end, o);
  };
  if (!kt.concat) return one(0);
  return kt.fields.map((_f, i) => one(i));
}

/** nft's text for map data: a verdict ('accept', 'goto c0') or a value of `type`. */
export function formatData(type: TypeSpec | 'verdict', d: DataValue): string {
  if (!(d instanceof Uint8Array)) return d.chain !== undefined ? `${d.verdict} ${d.chain}` : d.verdict;
  return formatValue(type as TypeSpec, d);
}
