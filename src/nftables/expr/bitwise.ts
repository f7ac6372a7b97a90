// bitwise: dreg = (sreg & mask) ^ xor, or a shift of sreg, or (kernel 6.13+)
// sreg AND/OR/XOR a constant or a second register.

import { copyBytes, hostU16 } from '../../netlink/attr.js';
import { NLA_TYPE_MASK } from '../../netlink/constants.js';
import { DecodeError, ValidationError } from '../../errors.js';
import { decodeData, encodeData, NFTA_DATA_VALUE } from '../data.js';
import { attrLen, attrType, attrU32, checkBytes, copyValue, checkEnum, checkReg, checkU32, enumName, enumValue } from './common.js';
import { formatValueWords, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_BITWISE_SREG = 1;
export const NFTA_BITWISE_DREG = 2;
export const NFTA_BITWISE_LEN = 3;
export const NFTA_BITWISE_MASK = 4;
export const NFTA_BITWISE_XOR = 5;
export const NFTA_BITWISE_OP = 6;
export const NFTA_BITWISE_DATA = 7;
export const NFTA_BITWISE_SREG2 = 8;

/** NFT_BITWISE_*: MASK_XOR 0, LSHIFT 1, RSHIFT 2, AND 3, OR 4, XOR 5. */
export const BITWISE_OPS = ['mask-xor', 'lshift', 'rshift', 'and', 'or', 'xor'] as const;
export type BitwiseOp = (typeof BITWISE_OPS)[number];

export interface BitwiseExpr extends ExprExtras {
  type: 'bitwise';
  sreg: number;
  dreg: number;
  /** Bytes operated on. */
  len: number;
  /**
   * The operation; left out it means mask-xor (nft leaves NFTA_BITWISE_OP out
   * for some of its mask-xor expressions, the kernel always dumps it).
   */
  op?: BitwiseOp | number;
  /** mask-xor: the mask (len bytes). */
  mask?: Uint8Array;
  /** mask-xor: the value xor-ed after masking (len bytes). */
  xor?: Uint8Array;
  /** Shifts: the shift amount as a host-order u32; and/or/xor: the constant operand. */
  data?: Uint8Array;
  /** and/or/xor: the second operand's register, instead of data. */
  sreg2?: number;
}

/** Reads an NFTA_DATA nest that must hold a value. */
function valueOf(buf: Uint8Array, p: number, l: number, what: string, path: string[]): Uint8Array {
  // Fast path for the usual { NFTA_DATA_VALUE } nest.
  if (l >= 8) {
    const il = hostU16(buf, p + 4);
    if ((hostU16(buf, p + 6) & NLA_TYPE_MASK) === NFTA_DATA_VALUE && il >= 4 && 4 + il <= l) {
      return copyValue(buf, p + 8, p + 4 + il);
    }
  }
  const d = decodeData(buf, p + 4, p + l, path);
  if (!(d instanceof Uint8Array)) throw new DecodeError(`${what} is a verdict`, p, path);
  return d;
}

export const bitwiseCodec = registerExpr<BitwiseExpr>({
  name: 'bitwise',
  type: 'bitwise',
  schema: {
    1: { name: 'NFTA_BITWISE_SREG', kind: 'u32' },
    2: { name: 'NFTA_BITWISE_DREG', kind: 'u32' },
    3: { name: 'NFTA_BITWISE_LEN', kind: 'u32' },
    4: { name: 'NFTA_BITWISE_MASK', kind: { nest: 'data' } },
    5: { name: 'NFTA_BITWISE_XOR', kind: { nest: 'data' } },
    6: { name: 'NFTA_BITWISE_OP', kind: 'u32' },
    7: { name: 'NFTA_BITWISE_DATA', kind: { nest: 'data' } },
    8: { name: 'NFTA_BITWISE_SREG2', kind: 'u32' },
  },
  registers: ['sreg', 'dreg', 'sreg2'],
  encode(w, e) {
    // libnftnl's order: sreg, sreg2, dreg, op, len, mask, xor, data.
    w.u32(NFTA_BITWISE_SREG, e.sreg);
    if (e.sreg2 !== undefined) w.u32(NFTA_BITWISE_SREG2, e.sreg2);
    w.u32(NFTA_BITWISE_DREG, e.dreg);
    if (e.op !== undefined) w.u32(NFTA_BITWISE_OP, enumValue(BITWISE_OPS, e.op));
    w.u32(NFTA_BITWISE_LEN, e.len);
    if (e.mask !== undefined) encodeData(w, NFTA_BITWISE_MASK, e.mask);
    if (e.xor !== undefined) encodeData(w, NFTA_BITWISE_XOR, e.xor);
    if (e.data !== undefined) encodeData(w, NFTA_BITWISE_DATA, e.data);
  },
  decode(buf, start, end, path) {
    let sreg = -1;
    let dreg = -1;
    let len = -1;
    let op = -1;
    let sreg2 = -1;
    let mask: Uint8Array | undefined;
    let xor: Uint8Array | undefined;
    let data: Uint8Array | undefined;
    let unknown: Uint8Array[] | undefined;
    let p = start;
    while (p < end) {
      const l = attrLen(buf, p, end, 'bitwise', path);
      switch (attrType(buf, p)) {
        case NFTA_BITWISE_SREG: sreg = attrU32(buf, p, l, 'NFTA_BITWISE_SREG', path); break;
        case NFTA_BITWISE_DREG: dreg = attrU32(buf, p, l, 'NFTA_BITWISE_DREG', path); break;
        case NFTA_BITWISE_LEN: len = attrU32(buf, p, l, 'NFTA_BITWISE_LEN', path); break;
        case NFTA_BITWISE_OP: op = attrU32(buf, p, l, 'NFTA_BITWISE_OP', path); break;
        case NFTA_BITWISE_SREG2: sreg2 = attrU32(buf, p, l, 'NFTA_BITWISE_SREG2', path); break;
        case NFTA_BITWISE_MASK: mask = valueOf(buf, p, l, 'NFTA_BITWISE_MASK', path); break;
        case NFTA_BITWISE_XOR: xor = valueOf(buf, p, l, 'NFTA_BITWISE_XOR', path); break;
        case NFTA_BITWISE_DATA: data = valueOf(buf, p, l, 'NFTA_BITWISE_DATA', path); break;
        default: (unknown ??= []).push(copyBytes(buf, p, p + l));
      }
      p += (l + 3) & ~3;
    }
    if (sreg < 0 || dreg < 0 || len < 0) throw new DecodeError('bitwise without sreg, dreg or len', start, path);
    const e: BitwiseExpr = { type: 'bitwise', sreg, dreg, len };
    if (op >= 0) e.op = enumName(BITWISE_OPS, op);
    if (mask) e.mask = mask;
    if (xor) e.xor = xor;
    if (data) e.data = data;
    if (sreg2 >= 0) e.sreg2 = sreg2;
    if (unknown) e.unknownAttrs = unknown;
    return e;
  },
  format(e) {
    const op = e.op === undefined ? 0 : enumValue(BITWISE_OPS, e.op);
    const empty = new Uint8Array(0);
    switch (op) {
      case 0:
        return `reg ${e.dreg} = ( reg ${e.sreg} & ${formatValueWords(e.mask ?? empty)}) ^ ${formatValueWords(e.xor ?? empty)}`;
      case 1:
        return `reg ${e.dreg} = ( reg ${e.sreg} << ${formatValueWords(e.data ?? empty)}) `;
      case 2:
        return `reg ${e.dreg} = ( reg ${e.sreg} >> ${formatValueWords(e.data ?? empty)}) `;
      default:
        // libnftnl 1.2.x prints nothing for operations it does not know.
        return '';
    }
  },
  validate(e, field) {
    checkReg(`${field}.sreg`, e.sreg);
    checkReg(`${field}.dreg`, e.dreg);
    checkU32(`${field}.len`, e.len);
    if (e.len < 1 || e.len > 16) throw new ValidationError(`${field}.len`, 'a bitwise operand has 1 to 16 bytes');
    if (e.op !== undefined) checkEnum(`${field}.op`, e.op, BITWISE_OPS, 'bitwise operation');
    const op = e.op === undefined ? 0 : enumValue(BITWISE_OPS, e.op);
    if (op === 0) {
      if (e.mask === undefined || e.xor === undefined) throw new ValidationError(field, 'mask-xor needs mask and xor');
      checkBytes(`${field}.mask`, e.mask, 1, 16);
      checkBytes(`${field}.xor`, e.xor, 1, 16);
    } else if (op === 1 || op === 2) {
      if (e.data === undefined) throw new ValidationError(`${field}.data`, 'a shift needs its amount in data');
      checkBytes(`${field}.data`, e.data, 4, 4);
    } else if (op <= 5) {
      if ((e.data === undefined) === (e.sreg2 === undefined)) {
        throw new ValidationError(field, `${BITWISE_OPS[op]} takes either data or sreg2`);
      }
      if (e.data !== undefined) checkBytes(`${field}.data`, e.data, 1, 16);
      if (e.sreg2 !== undefined) checkReg(`${field}.sreg2`, e.sreg2);
    }
  },
});
