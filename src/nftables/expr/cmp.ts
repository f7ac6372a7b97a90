// cmp: compare a register with a constant.

import { DecodeError, ValidationError } from '../../errors.js';
import { beU32, copyBytes, hostU16 } from '../../netlink/attr.js';
import { NLA_TYPE_MASK } from '../../netlink/constants.js';
import { decodeData, encodeData, NFTA_DATA_VALUE } from '../data.js';
import { copyValue } from './common.js';
import { formatValueWords, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_CMP_SREG = 1;
export const NFTA_CMP_OP = 2;
export const NFTA_CMP_DATA = 3;

export type CmpOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte';
export const CMP_OPS: CmpOp[] = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte'];

export interface CmpExpr extends ExprExtras {
  type: 'cmp';
  op: CmpOp | number;
  sreg: number;
  /** The constant, in the byte order of the loaded field (at most 16 bytes). */
  data: Uint8Array;
}

export const cmpCodec = registerExpr<CmpExpr>({
  name: 'cmp',
  type: 'cmp',
  schema: {
    1: { name: 'NFTA_CMP_SREG', kind: 'u32' },
    2: { name: 'NFTA_CMP_OP', kind: 'u32' },
    3: { name: 'NFTA_CMP_DATA', kind: { nest: 'data' } },
  },
  registers: ['sreg'],
  encode(w, e) {
    w.u32(NFTA_CMP_SREG, e.sreg);
    w.u32(NFTA_CMP_OP, typeof e.op === 'number' ? e.op : CMP_OPS.indexOf(e.op));
    encodeData(w, NFTA_CMP_DATA, e.data);
  },
  decode(buf, start, end, path) {
    let sreg = -1;
    let op = -1;
    let data: Uint8Array | undefined;
    let unknown: Uint8Array[] | undefined;
    let p = start;
    while (p < end) {
      if (end - p < 4) throw new DecodeError('stray bytes in cmp', p, path);
      const l = hostU16(buf, p);
      if (l < 4 || p + l > end) throw new DecodeError(`cmp attribute length ${l} runs past its parent`, p, path);
      const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
      if (t === NFTA_CMP_SREG || t === NFTA_CMP_OP) {
        if (l < 8) throw new DecodeError(`cmp attribute ${t} too short`, p, path);
        if (t === NFTA_CMP_SREG) sreg = beU32(buf, p + 4);
        else op = beU32(buf, p + 4);
      } else if (t === NFTA_CMP_DATA) {
        // Fast path for the usual { NFTA_DATA_VALUE } nest.
        const il = l >= 8 ? hostU16(buf, p + 4) : 0;
        if (l >= 8 && (hostU16(buf, p + 6) & NLA_TYPE_MASK) === NFTA_DATA_VALUE && il >= 4 && 4 + il <= l) {
          data = copyValue(buf, p + 8, p + 4 + il);
        } else {
          const d = decodeData(buf, p + 4, p + l, path);
          if (!(d instanceof Uint8Array)) throw new DecodeError('cmp data is a verdict', p, path);
          data = d;
        }
      } else {
        (unknown ??= []).push(copyBytes(buf, p, p + l));
      }
      p += (l + 3) & ~3;
    }
    if (sreg < 0 || op < 0 || !data) throw new DecodeError('cmp without sreg, op or data', start, path);
    const e: CmpExpr = { type: 'cmp', op: CMP_OPS[op] ?? op, sreg, data };
    if (unknown) e.unknownAttrs = unknown;
    return e;
  },
  format(e) {
    const op = typeof e.op === 'number' ? CMP_OPS[e.op] ?? 'unknown' : e.op;
    return `${op} reg ${e.sreg} ${formatValueWords(e.data)}`;
  },
  validate(e, field) {
    if (typeof e.op !== 'number' && !CMP_OPS.includes(e.op)) {
      throw new ValidationError(`${field}.op`, `unknown cmp operator ${JSON.stringify(e.op)} (known: ${CMP_OPS.join(', ')})`);
    }
    if (!Number.isInteger(e.sreg) || e.sreg < 0 || e.sreg > 23) throw new ValidationError(`${field}.sreg`, 'must be a register number 0..23');
    if (!(e.data instanceof Uint8Array)) throw new ValidationError(`${field}.data`, 'must be a Uint8Array');
    if (e.data.length === 0 || e.data.length > 16) throw new ValidationError(`${field}.data`, `is ${e.data.length} bytes; a cmp operand has 1 to 16`);
  },
});
