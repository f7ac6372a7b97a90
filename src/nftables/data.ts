// NFTA_DATA_*: a value (raw bytes in the field's own byte order) or a verdict.
// Used by set keys and data, cmp/immediate/bitwise/range operands.

import { DecodeError } from '../errors.js';
import { AttrWriter, beU32, copyBytes, hostU16, readCString } from '../netlink/attr.js';
import { NLA_TYPE_MASK } from '../netlink/constants.js';

export const NFTA_DATA_VALUE = 1;
export const NFTA_DATA_VERDICT = 2;
export const NFTA_DATA_MAX = 2;

export const NFTA_VERDICT_CODE = 1;
export const NFTA_VERDICT_CHAIN = 2;
export const NFTA_VERDICT_CHAIN_ID = 3;
export const NFTA_VERDICT_MAX = 3;

export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NF_STOLEN = 2;
export const NF_QUEUE = 3;
export const NF_REPEAT = 4;
export const NF_STOP = 5;
export const NFT_CONTINUE = -1;
export const NFT_BREAK = -2;
export const NFT_JUMP = -3;
export const NFT_GOTO = -4;
export const NFT_RETURN = -5;

export type VerdictCode =
  | 'accept' | 'drop' | 'continue' | 'break' | 'return' | 'jump' | 'goto'
  | 'queue' | 'stolen' | 'repeat' | 'stop';

export interface Verdict {
  verdict: VerdictCode;
  /** Target of jump/goto, by name. */
  chain?: string;
  /** Target of jump/goto, by in-batch chain id (NFTA_VERDICT_CHAIN_ID). */
  chainId?: number;
  /**
   * The raw 32-bit code when it is not one of the names above (the kernel
   * packs drop-with-errno and queue numbers into the upper bits). Kept so it round-trips.
   */
  code?: number;
}

export type DataValue = Uint8Array | Verdict;

const VERDICT_CODES: Record<VerdictCode, number> = {
  drop: NF_DROP, accept: NF_ACCEPT, stolen: NF_STOLEN, queue: NF_QUEUE, repeat: NF_REPEAT, stop: NF_STOP,
  continue: NFT_CONTINUE, break: NFT_BREAK, jump: NFT_JUMP, goto: NFT_GOTO, return: NFT_RETURN,
};

const VERDICT_NAMES = new Map<number, VerdictCode>(
  Object.entries(VERDICT_CODES).map(([k, v]) => [v, k as VerdictCode]),
);

export function isVerdict(v: unknown): v is Verdict {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && typeof (v as Verdict).verdict === 'string';
}

export function verdictCode(v: Verdict): number {
  if (v.code !== undefined) return v.code | 0;
  const c = VERDICT_CODES[v.verdict];
  if (c === undefined) throw new RangeError(`unknown verdict ${JSON.stringify(v.verdict)}`);
  return c;
}

export function verdictName(code: number): VerdictCode | undefined {
  return VERDICT_NAMES.get(code | 0);
}

/** Writes the verdict nest (NFTA_DATA_VERDICT payload). */
export function encodeVerdictBody(w: AttrWriter, v: Verdict): void {
  w.u32(NFTA_VERDICT_CODE, verdictCode(v));
  if (v.chain !== undefined) w.str(NFTA_VERDICT_CHAIN, v.chain);
  if (v.chainId !== undefined) w.u32(NFTA_VERDICT_CHAIN_ID, v.chainId);
}

/** Writes attribute `type` as an NFTA_DATA_* nest holding `value`. */
export function encodeData(w: AttrWriter, type: number, value: DataValue): void {
  const n = w.beginNest(type);
  if (value instanceof Uint8Array) {
    w.bytes(NFTA_DATA_VALUE, value);
  } else {
    const v = w.beginNest(NFTA_DATA_VERDICT);
    encodeVerdictBody(w, value);
    w.endNest(v);
  }
  w.endNest(n);
}

export function decodeVerdict(buf: Uint8Array, start: number, end: number, path?: string[]): Verdict {
  // Hand-written (no attribute table): every rule with a verdict goes through here.
  let code: number | undefined;
  let chainStart = -1;
  let chainEnd = -1;
  let chainId = -1;
  let p = start;
  while (p < end) {
    const l = nestedLen(buf, p, end, path);
    const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
    if (t === NFTA_VERDICT_CODE) {
      if (l < 8) throw new DecodeError(`NFTA_VERDICT_CODE has ${l - 4} bytes, needs 4`, p + 4, path);
      code = beU32(buf, p + 4) | 0;
    } else if (t === NFTA_VERDICT_CHAIN) {
      chainStart = p + 4;
      chainEnd = p + l;
    } else if (t === NFTA_VERDICT_CHAIN_ID) {
      if (l < 8) throw new DecodeError(`NFTA_VERDICT_CHAIN_ID has ${l - 4} bytes, needs 4`, p + 4, path);
      chainId = beU32(buf, p + 4);
    }
    p += (l + 3) & ~3;
  }
  if (code === undefined) throw new DecodeError('missing NFTA_VERDICT_CODE', 0, path);
  const name = verdictName(code);
  const v: Verdict = name ? { verdict: name } : { verdict: code >= 0 ? 'drop' : 'continue', code };
  // The kernel packs extra bits into NF_DROP/NF_QUEUE codes; keep those raw.
  if (name === undefined && (code & 0xff) === NF_QUEUE) v.verdict = 'queue';
  if (chainStart >= 0) v.chain = readCString(buf, chainStart, chainEnd);
  if (chainId >= 0) v.chainId = chainId;
  return v;
}

/** Length of the attribute at p, checked against its parent's end. */
function nestedLen(buf: Uint8Array, p: number, end: number, path?: string[]): number {
  if (end - p < 4) throw new DecodeError(`${end - p} stray bytes where an attribute header was expected`, p, path);
  const l = hostU16(buf, p);
  if (l < 4 || p + l > end) throw new DecodeError(`attribute length ${l} runs past its parent (${end - p} bytes left)`, p, path);
  return l;
}

/** Decodes the payload of an NFTA_DATA_* nest. */
export function decodeData(buf: Uint8Array, start: number, end: number, path?: string[]): DataValue {
  let value = -1;
  let valueEnd = -1;
  let verdict = -1;
  let verdictEnd = -1;
  let p = start;
  while (p < end) {
    const l = nestedLen(buf, p, end, path);
    const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
    if (t === NFTA_DATA_VALUE) {
      value = p + 4;
      valueEnd = p + l;
    } else if (t === NFTA_DATA_VERDICT) {
      verdict = p + 4;
      verdictEnd = p + l;
    }
    p += (l + 3) & ~3;
  }
  if (value >= 0) return copyBytes(buf, value, valueEnd);
  if (verdict >= 0) return decodeVerdict(buf, verdict, verdictEnd, path);
  throw new DecodeError('data holds neither NFTA_DATA_VALUE nor NFTA_DATA_VERDICT', start, path);
}
