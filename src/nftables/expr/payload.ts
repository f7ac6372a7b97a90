// payload: load bytes of a packet header into a register, or write a register
// into the packet (with checksum fix-up).

import { ValidationError } from '../../errors.js';
import { beU32, copyBytes, hostU16 } from '../../netlink/attr.js';
import { DecodeError } from '../../errors.js';
import { NLA_TYPE_MASK } from '../../netlink/constants.js';
import { registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_PAYLOAD_DREG = 1;
export const NFTA_PAYLOAD_BASE = 2;
export const NFTA_PAYLOAD_OFFSET = 3;
export const NFTA_PAYLOAD_LEN = 4;
export const NFTA_PAYLOAD_SREG = 5;
export const NFTA_PAYLOAD_CSUM_TYPE = 6;
export const NFTA_PAYLOAD_CSUM_OFFSET = 7;
export const NFTA_PAYLOAD_CSUM_FLAGS = 8;

export type PayloadBase = 'll' | 'network' | 'transport' | 'inner' | 'tunnel';
const BASES: PayloadBase[] = ['ll', 'network', 'transport', 'inner', 'tunnel'];
// libnftnl's words for the bases.
const BASE_TEXT = ['link', 'network', 'transport', 'inner', 'tunnel'];

export interface PayloadExpr extends ExprExtras {
  type: 'payload';
  /** Header the offset counts from (NFT_PAYLOAD_*_HEADER); an unknown base stays a number. */
  base: PayloadBase | number;
  /** Byte offset inside that header. */
  offset: number;
  /** Bytes to load or write. */
  len: number;
  /** Load: the destination register. */
  dreg?: number;
  /** Write: the source register. */
  sreg?: number;
  /** Write: checksum to fix (NFT_PAYLOAD_CSUM_NONE 0, INET 1, SCTP 2). */
  csumType?: number;
  /** Write: offset of the checksum field in the header. */
  csumOffset?: number;
  /** Write: NFT_PAYLOAD_L4CSUM_PSEUDOHDR 0x1 also updates the layer 4 checksum. */
  csumFlags?: number;
}

function baseNumber(b: PayloadBase | number): number {
  return typeof b === 'number' ? b : BASES.indexOf(b);
}

export const payloadCodec = registerExpr<PayloadExpr>({
  name: 'payload',
  type: 'payload',
  schema: {
    1: { name: 'NFTA_PAYLOAD_DREG', kind: 'u32' },
    2: { name: 'NFTA_PAYLOAD_BASE', kind: 'u32' },
    3: { name: 'NFTA_PAYLOAD_OFFSET', kind: 'u32' },
    4: { name: 'NFTA_PAYLOAD_LEN', kind: 'u32' },
    5: { name: 'NFTA_PAYLOAD_SREG', kind: 'u32' },
    6: { name: 'NFTA_PAYLOAD_CSUM_TYPE', kind: 'u32' },
    7: { name: 'NFTA_PAYLOAD_CSUM_OFFSET', kind: 'u32' },
    8: { name: 'NFTA_PAYLOAD_CSUM_FLAGS', kind: 'u32' },
  },
  registers: ['dreg', 'sreg'],
  encode(w, e) {
    // libnftnl's order: dreg or sreg, base, offset, len, checksum fields.
    if (e.dreg !== undefined) w.u32(NFTA_PAYLOAD_DREG, e.dreg);
    if (e.sreg !== undefined) w.u32(NFTA_PAYLOAD_SREG, e.sreg);
    w.u32(NFTA_PAYLOAD_BASE, baseNumber(e.base));
    w.u32(NFTA_PAYLOAD_OFFSET, e.offset);
    w.u32(NFTA_PAYLOAD_LEN, e.len);
    if (e.csumType !== undefined) w.u32(NFTA_PAYLOAD_CSUM_TYPE, e.csumType);
    if (e.csumOffset !== undefined) w.u32(NFTA_PAYLOAD_CSUM_OFFSET, e.csumOffset);
    if (e.csumFlags !== undefined) w.u32(NFTA_PAYLOAD_CSUM_FLAGS, e.csumFlags);
  },
  decode(buf, start, end, path) {
    // Hand-written: this is the most common expression in any dump.
    let dreg: number | undefined;
    let sreg: number | undefined;
    let base = -1;
    let offset = -1;
    let len = -1;
    let csumType: number | undefined;
    let csumOffset: number | undefined;
    let csumFlags: number | undefined;
    let unknown: Uint8Array[] | undefined;
    let p = start;
    while (p < end) {
      if (end - p < 4) throw new DecodeError('stray bytes in payload', p, path);
      const l = hostU16(buf, p);
      if (l < 4 || p + l > end) throw new DecodeError(`payload attribute length ${l} runs past its parent`, p, path);
      const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
      if (t >= 1 && t <= 8) {
        if (l < 8) throw new DecodeError(`payload attribute ${t} has ${l - 4} bytes, needs 4`, p, path);
        const v = beU32(buf, p + 4);
        switch (t) {
          case NFTA_PAYLOAD_DREG: dreg = v; break;
          case NFTA_PAYLOAD_BASE: base = v; break;
          case NFTA_PAYLOAD_OFFSET: offset = v; break;
          case NFTA_PAYLOAD_LEN: len = v; break;
          case NFTA_PAYLOAD_SREG: sreg = v; break;
          case NFTA_PAYLOAD_CSUM_TYPE: csumType = v; break;
          case NFTA_PAYLOAD_CSUM_OFFSET: csumOffset = v; break;
          case NFTA_PAYLOAD_CSUM_FLAGS: csumFlags = v; break;
        }
      } else {
        (unknown ??= []).push(copyBytes(buf, p, p + l));
      }
      p += (l + 3) & ~3;
    }
    if (base < 0 || offset < 0 || len < 0) throw new DecodeError('payload without base, offset or len', start, path);
    const e: PayloadExpr = { type: 'payload', base: BASES[base] ?? base, offset, len };
    if (dreg !== undefined) e.dreg = dreg;
    if (sreg !== undefined) e.sreg = sreg;
    if (csumType !== undefined) e.csumType = csumType;
    if (csumOffset !== undefined) e.csumOffset = csumOffset;
    if (csumFlags !== undefined) e.csumFlags = csumFlags;
    if (unknown) e.unknownAttrs = unknown;
    return e;
  },
  format(e) {
    const b = baseNumber(e.base);
    const where = `${e.len}b @ ${BASE_TEXT[b] ?? 'unknown'} header + ${e.offset}`;
    if (e.sreg !== undefined && e.dreg === undefined) {
      return `write reg ${e.sreg} => ${where} csum_type ${e.csumType ?? 0} csum_off ${e.csumOffset ?? 0} csum_flags 0x${(e.csumFlags ?? 0).toString(16)} `;
    }
    return `load ${where} => reg ${e.dreg ?? 0} `;
  },
  validate(e, field) {
    if (typeof e.base !== 'number' && !BASES.includes(e.base)) {
      throw new ValidationError(`${field}.base`, `unknown payload base ${JSON.stringify(e.base)} (known: ${BASES.join(', ')})`);
    }
    for (const k of ['offset', 'len'] as const) {
      if (!Number.isInteger(e[k]) || e[k] < 0 || e[k] > 0xffffffff) throw new ValidationError(`${field}.${k}`, `must be a non-negative integer`);
    }
    if ((e.dreg === undefined) === (e.sreg === undefined)) {
      throw new ValidationError(field, 'a payload expression either loads (dreg) or writes (sreg)');
    }
  },
});
