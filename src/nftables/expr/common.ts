// Helpers shared by the hand-written expression codecs: name tables for enum
// fields, libnftnl's way of printing out-of-table values, and field checks.

import { DecodeError, ValidationError } from '../../errors.js';
import { beU32, hostU16 } from '../../netlink/attr.js';
import { NLA_TYPE_MASK } from '../../netlink/constants.js';

/**
 * A copy of buf[start, end) as a plain Uint8Array. Operands of a dump are a
 * few bytes each and there are several per rule: a byte loop into a fresh
 * array costs about half of going through Buffer.from.
 */
export function copyValue(buf: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = buf[start + i]!;
  return out;
}

/** A name for each value of a kernel enum; values without a name stay numbers. */
export function enumName<N extends string>(names: readonly N[], n: number): N | number {
  return n < names.length ? names[n]! : n;
}

/** The kernel value of a name or number; -1 for an unknown name. */
export function enumValue(names: readonly string[], v: string | number): number {
  return typeof v === 'number' ? v : names.indexOf(v);
}

/**
 * libnftnl's lookup of a print name: values past its table print as
 * `unknown`, holes in its table as glibc prints a NULL string.
 */
export function printName(table: readonly (string | undefined)[], n: number): string {
  if (n < 0 || n >= table.length) return 'unknown';
  return table[n] ?? '(null)';
}

export function checkReg(field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 23) {
    throw new ValidationError(field, `must be a register number 0..23, not ${JSON.stringify(v)}`);
  }
}

export function checkU32(field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new ValidationError(field, `must be an integer in [0, 4294967295], not ${JSON.stringify(v)}`);
  }
}

export function checkU8(field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xff) {
    throw new ValidationError(field, `must be an integer in [0, 255], not ${JSON.stringify(v)}`);
  }
}

export function checkU64(field: string, v: unknown): void {
  if (typeof v === 'bigint') {
    if (v < 0n || v >= 1n << 64n) throw new ValidationError(field, 'must fit in 64 bits');
    return;
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ValidationError(field, `must be a non-negative integer (or a bigint), not ${JSON.stringify(v)}`);
  }
}

export function checkEnum(field: string, v: unknown, names: readonly string[], what: string): void {
  if (typeof v === 'number') return checkU32(field, v);
  if (typeof v !== 'string' || !names.includes(v)) {
    throw new ValidationError(field, `unknown ${what} ${JSON.stringify(v)} (known: ${names.filter((n) => n).join(', ')})`);
  }
}

export function checkString(field: string, v: unknown): void {
  if (typeof v !== 'string' || v.length === 0) throw new ValidationError(field, `must be a non-empty string, not ${JSON.stringify(v)}`);
  if (Buffer.byteLength(v) > 255) throw new ValidationError(field, 'is longer than 255 bytes');
  if (v.includes('\0')) throw new ValidationError(field, 'must not contain NUL');
}

export function checkBytes(field: string, v: unknown, min: number, max: number): void {
  if (!(v instanceof Uint8Array)) throw new ValidationError(field, 'must be a Uint8Array');
  if (v.length < min || v.length > max) throw new ValidationError(field, `is ${v.length} bytes; ${min} to ${max} are allowed`);
}

/**
 * Reads the header of the attribute at p inside [.., end): returns its total
 * length; throws a DecodeError when it is short or runs past end.
 */
export function attrLen(buf: Uint8Array, p: number, end: number, what: string, path: string[]): number {
  if (end - p < 4) throw new DecodeError(`stray bytes in ${what}`, p, path);
  const l = hostU16(buf, p);
  if (l < 4 || p + l > end) throw new DecodeError(`${what} attribute length ${l} runs past its parent`, p, path);
  return l;
}

export function attrType(buf: Uint8Array, p: number): number {
  return hostU16(buf, p + 2) & NLA_TYPE_MASK;
}

/** The be32 payload of the attribute at p (total length l). */
export function attrU32(buf: Uint8Array, p: number, l: number, what: string, path: string[]): number {
  if (l < 8) throw new DecodeError(`${what} has ${l - 4} bytes, needs 4`, p, path);
  return beU32(buf, p + 4);
}

export function attrU8(buf: Uint8Array, p: number, l: number, what: string, path: string[]): number {
  if (l < 5) throw new DecodeError(`${what} has no payload byte`, p, path);
  return buf[p + 4]!;
}
