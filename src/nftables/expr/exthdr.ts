// exthdr: IPv6 extension headers, TCP options, IPv4 options, SCTP chunks and
// DCCP options. Loads bytes of the header (or whether it is present) into a
// register, writes a register into a TCP option, or resets (NOPs out) a TCP option.

import { ValidationError } from '../../errors.js';
import { n0 } from './nfproto.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_EXTHDR_DREG = 1;
export const NFTA_EXTHDR_TYPE = 2;
export const NFTA_EXTHDR_OFFSET = 3;
export const NFTA_EXTHDR_LEN = 4;
export const NFTA_EXTHDR_FLAGS = 5;
export const NFTA_EXTHDR_OP = 6;
export const NFTA_EXTHDR_SREG = 7;

/** NFT_EXTHDR_F_PRESENT: load 1 when the header/option exists, 0 when not, instead of its bytes. */
export const NFT_EXTHDR_F_PRESENT = 1;

/** NFT_EXTHDR_OP_*: which kind of header `headerType` names. */
export type ExthdrOp = 'ipv6' | 'tcpopt' | 'ipv4' | 'sctp' | 'dccp';
const OPS: ExthdrOp[] = ['ipv6', 'tcpopt', 'ipv4', 'sctp', 'dccp'];

export interface ExthdrExpr extends ExprExtras {
  type: 'exthdr';
  /** NFTA_EXTHDR_OP; the kernel reads an absent op as ipv6. Unknown values stay numbers. */
  op?: ExthdrOp | number;
  /**
   * NFTA_EXTHDR_TYPE (u8): the IPv6 next-header number (0 hop-by-hop, 43 routing,
   * 44 fragment, 60 destination options, 135 mobility), the TCP option kind,
   * the IPv4 option type, the SCTP chunk type or the DCCP option type.
   */
  headerType: number;
  /** NFTA_EXTHDR_OFFSET: byte offset inside the header or option. */
  offset?: number;
  /** NFTA_EXTHDR_LEN: bytes to load or write (0 with neither register: reset the TCP option). */
  len?: number;
  /** NFTA_EXTHDR_DREG: load into this register. */
  dreg?: number;
  /** NFTA_EXTHDR_SREG: write this register into the packet (TCP options only). */
  sreg?: number;
  /** NFTA_EXTHDR_FLAGS: NFT_EXTHDR_F_PRESENT (1). nft sends 0 on plain loads. */
  flags?: number;
}

function opNumber(op: ExthdrOp | number | undefined): number {
  if (op === undefined) return 0;
  return typeof op === 'number' ? op : OPS.indexOf(op);
}

// libnftnl 1.2.4 names ipv6, tcpopt and ipv4 only; SCTP and DCCP print nothing.
function opText(op: ExthdrOp | number | undefined): string {
  switch (opNumber(op) & 0xff) {
    case 0: return ' ipv6';
    case 1: return ' tcpopt';
    case 2: return ' ipv4';
    default: return '';
  }
}

const base = defineExpr<ExthdrExpr>('exthdr', [
  // Declaration order is libnftnl's send order (the kernel dumps FLAGS before OP).
  { attr: NFTA_EXTHDR_DREG, name: 'NFTA_EXTHDR_DREG', key: 'dreg', kind: 'reg' },
  { attr: NFTA_EXTHDR_SREG, name: 'NFTA_EXTHDR_SREG', key: 'sreg', kind: 'reg' },
  { attr: NFTA_EXTHDR_TYPE, name: 'NFTA_EXTHDR_TYPE', key: 'headerType', kind: 'u8', required: true },
  { attr: NFTA_EXTHDR_OFFSET, name: 'NFTA_EXTHDR_OFFSET', key: 'offset', kind: 'u32' },
  { attr: NFTA_EXTHDR_LEN, name: 'NFTA_EXTHDR_LEN', key: 'len', kind: 'u32' },
  { attr: NFTA_EXTHDR_OP, name: 'NFTA_EXTHDR_OP', key: 'op', kind: { enum: { 0: 'ipv6', 1: 'tcpopt', 2: 'ipv4', 3: 'sctp', 4: 'dccp' } } },
  { attr: NFTA_EXTHDR_FLAGS, name: 'NFTA_EXTHDR_FLAGS', key: 'flags', kind: 'u32' },
], (e) => {
  const len = n0(e.len);
  const type = n0(e.headerType);
  const offset = n0(e.offset);
  if (e.dreg !== undefined) {
    const present = n0(e.flags) & NFT_EXTHDR_F_PRESENT ? ' present' : '';
    return `load${opText(e.op)} ${len}b @ ${type} + ${offset}${present} => reg ${e.dreg} `;
  }
  if (e.sreg !== undefined) return `write${opText(e.op)} reg ${e.sreg} => ${len}b @ ${type} + ${offset} `;
  if (opNumber(e.op) === 1 && len === 0) return `reset tcpopt ${type} `;
  return `op ${opNumber(e.op)} len ${len} type ${type} offset ${offset} `;
}, {
  validate(e, field) {
    if (e.dreg !== undefined && e.sreg !== undefined) {
      throw new ValidationError(field, 'an exthdr expression either loads (dreg) or writes (sreg), not both');
    }
    if ((e.dreg !== undefined || e.sreg !== undefined) && (e.len === undefined || e.offset === undefined)) {
      throw new ValidationError(`${field}.len`, 'a load or write needs offset and len');
    }
  },
});

export const exthdrCodec = registerExpr<ExthdrExpr>({
  ...base,
  encode(w, e) {
    // The kernel dumps FLAGS 0 for a write, and OFFSET, LEN and FLAGS 0 for a
    // TCP option reset, yet refuses those attributes on input (EINVAL): a
    // listed rule goes back without them.
    if (e.dreg === undefined && (e.flags === 0 || (e.sreg === undefined && (e.offset === 0 || e.len === 0)))) {
      const out: ExthdrExpr = { ...e };
      if (out.flags === 0) delete out.flags;
      if (out.sreg === undefined) {
        if (out.offset === 0) delete out.offset;
        if (out.len === 0) delete out.len;
      }
      base.encode(w, out);
      return;
    }
    base.encode(w, e);
  },
});
