// immediate: load a constant or a verdict into a register (register 0 is the verdict).

import { DecodeError, ValidationError } from '../../errors.js';
import { beU32, copyBytes, hostU16 } from '../../netlink/attr.js';
import { NLA_TYPE_MASK } from '../../netlink/constants.js';
import { decodeData, encodeData, isVerdict, type DataValue } from '../data.js';
import { formatDataValue, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_IMMEDIATE_DREG = 1;
export const NFTA_IMMEDIATE_DATA = 2;

export interface ImmediateExpr extends ExprExtras {
  type: 'immediate';
  /** 0 (NFT_REG_VERDICT) for verdicts. */
  dreg: number;
  /** A value, or a verdict: { verdict: 'accept' } or { verdict: 'jump', chain: 'x' }. */
  data: DataValue;
}

export const immediateCodec = registerExpr<ImmediateExpr>({
  name: 'immediate',
  type: 'immediate',
  schema: {
    1: { name: 'NFTA_IMMEDIATE_DREG', kind: 'u32' },
    2: { name: 'NFTA_IMMEDIATE_DATA', kind: { nest: 'data' } },
  },
  registers: ['dreg'],
  encode(w, e) {
    w.u32(NFTA_IMMEDIATE_DREG, e.dreg);
    encodeData(w, NFTA_IMMEDIATE_DATA, e.data);
  },
  decode(buf, start, end, path) {
    let dreg = -1;
    let data: DataValue | undefined;
    let unknown: Uint8Array[] | undefined;
    let p = start;
    while (p < end) {
      if (end - p < 4) throw new DecodeError('stray bytes in immediate', p, path);
      const l = hostU16(buf, p);
      if (l < 4 || p + l > end) throw new DecodeError(`immediate attribute length ${l} runs past its parent`, p, path);
      const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
      if (t === NFTA_IMMEDIATE_DREG) {
        if (l < 8) throw new DecodeError('NFTA_IMMEDIATE_DREG too short', p, path);
        dreg = beU32(buf, p + 4);
      } else if (t === NFTA_IMMEDIATE_DATA) {
        data = decodeData(buf, p + 4, p + l, path);
      } else {
        (unknown ??= []).push(copyBytes(buf, p, p + l));
      }
      p += (l + 3) & ~3;
    }
    if (dreg < 0 || data === undefined) throw new DecodeError('immediate without dreg or data', start, path);
    const e: ImmediateExpr = { type: 'immediate', dreg, data };
    if (unknown) e.unknownAttrs = unknown;
    return e;
  },
  format(e) {
    return `reg ${e.dreg} ${formatDataValue(e.data)}`;
  },
  validate(e, field) {
    if (!Number.isInteger(e.dreg) || e.dreg < 0 || e.dreg > 23) throw new ValidationError(`${field}.dreg`, 'must be a register number 0..23');
    if (isVerdict(e.data)) {
      if (e.dreg !== 0) throw new ValidationError(`${field}.dreg`, 'a verdict goes into register 0');
      if ((e.data.verdict === 'jump' || e.data.verdict === 'goto') && e.data.chain === undefined && e.data.chainId === undefined) {
        throw new ValidationError(`${field}.data.chain`, `${e.data.verdict} needs a chain`);
      }
    } else if (e.data instanceof Uint8Array) {
      if (e.dreg === 0) throw new ValidationError(`${field}.dreg`, 'register 0 only takes verdicts');
      if (e.data.length === 0 || e.data.length > 16) throw new ValidationError(`${field}.data`, `is ${e.data.length} bytes; an immediate value has 1 to 16`);
    } else {
      throw new ValidationError(`${field}.data`, 'must be a Uint8Array value or a verdict object');
    }
  },
});
