// Userdata blobs written by nft (libnftnl udata.h): a stream of TLVs with a
// 1-byte type and a 1-byte length, no alignment. u32 values are host order.

import { DecodeError } from '../errors.js';
import { hostU32, readCString } from '../netlink/attr.js';

export interface UdataTlv {
  type: number;
  value: Uint8Array;
}

/** The comment TLV type for tables, chains, rules, objects and set elements. */
export const NFTNL_UDATA_COMMENT = 0;

export function parseUdata(buf: Uint8Array): UdataTlv[] {
  const out: UdataTlv[] = [];
  let p = 0;
  while (p < buf.length) {
    if (buf.length - p < 2) throw new DecodeError('truncated userdata TLV header', p, ['userdata']);
    const type = buf[p]!;
    const len = buf[p + 1]!;
    if (p + 2 + len > buf.length) throw new DecodeError(`userdata TLV ${type} of ${len} bytes runs past the blob`, p, ['userdata']);
    out.push({ type, value: buf.subarray(p + 2, p + 2 + len) });
    p += 2 + len;
  }
  return out;
}

export function buildUdata(tlvs: UdataTlv[]): Uint8Array {
  let n = 0;
  for (const t of tlvs) n += 2 + t.value.length;
  const out = Buffer.allocUnsafe(n);
  let p = 0;
  for (const t of tlvs) {
    if (t.value.length > 255) throw new RangeError(`userdata TLV ${t.type} is ${t.value.length} bytes; at most 255 fit`);
    out[p] = t.type;
    out[p + 1] = t.value.length;
    out.set(t.value, p + 2);
    p += 2 + t.value.length;
  }
  return out;
}

export function udataString(s: string): Uint8Array {
  return Buffer.from(s + '\0', 'utf8');
}

export function udataU32(v: number): Uint8Array {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
}

export function readUdataString(v: Uint8Array): string {
  return readCString(v, 0, v.length);
}

export function readUdataU32(v: Uint8Array): number {
  if (v.length < 4) throw new DecodeError(`userdata u32 of ${v.length} bytes`, 0, ['userdata']);
  return hostU32(v, 0);
}

/**
 * Splits a userdata blob that holds only a comment into the comment; anything
 * else stays raw so it round-trips untouched.
 */
export function commentFromUdata(buf: Uint8Array): { comment?: string; userdata?: Uint8Array } {
  try {
    const tlvs = parseUdata(buf);
    if (tlvs.length === 1 && tlvs[0]!.type === NFTNL_UDATA_COMMENT) {
      const v = tlvs[0]!.value;
      // Only a NUL-terminated string is a comment nft would have written.
      if (v.length > 0 && v[v.length - 1] === 0 && v.indexOf(0) === v.length - 1) {
        return { comment: readUdataString(v) };
      }
    }
    if (tlvs.length > 0 && tlvs[0]!.type === NFTNL_UDATA_COMMENT) {
      return { comment: readUdataString(tlvs[0]!.value), userdata: Buffer.from(buf) };
    }
  } catch {
    // Not TLVs: keep the bytes.
  }
  return { userdata: Buffer.from(buf) };
}

/** The userdata to send for an object with a comment and/or raw userdata (raw wins). */
export function udataForComment(comment: string | undefined, userdata: Uint8Array | undefined): Uint8Array | undefined {
  if (userdata) return userdata;
  if (comment === undefined) return undefined;
  return buildUdata([{ type: NFTNL_UDATA_COMMENT, value: udataString(comment) }]);
}
