// inner: run one expression (payload or meta) against the packet inside a
// tunnel (VXLAN, Geneve) instead of the outer packet. Kernel 6.2+; nft 1.0.7+
// writes it (`vxlan ip saddr …`), libnftnl 1.2.5+ prints it.

import { ValidationError } from '../../errors.js';
import { n0 } from './nfproto.js';
import { defineExpr, formatExpr, registerExpr } from './registry.js';
import type { Expr, ExprExtras } from './types.js';

export const NFTA_INNER_NUM = 1;
export const NFTA_INNER_TYPE = 2;
export const NFTA_INNER_FLAGS = 3;
export const NFTA_INNER_HDRSIZE = 4;
export const NFTA_INNER_EXPR = 5;

/** NFT_INNER_* flags: which inner headers the expression needs parsed. */
export const NFT_INNER_HDRSIZE = 0x1;
export const NFT_INNER_LL = 0x2;
export const NFT_INNER_NH = 0x4;
export const NFT_INNER_TH = 0x8;

export type InnerTunnel = 'vxlan' | 'geneve';

export interface InnerExpr extends ExprExtras {
  type: 'inner';
  /** NFTA_INNER_NUM: tunnel nesting level; only 0 exists. Sent as 0 when left out, as libnftnl does. */
  num?: number;
  /** NFTA_INNER_TYPE: NFT_INNER_VXLAN 1, NFT_INNER_GENEVE 2; unknown values stay numbers. */
  tunnel: InnerTunnel | number;
  /** NFTA_INNER_FLAGS: NFT_INNER_HDRSIZE | LL | NH | TH. */
  flags: number;
  /** NFTA_INNER_HDRSIZE: size of the tunnel header (8 for VXLAN). */
  hdrsize: number;
  /** NFTA_INNER_EXPR: the expression evaluated on the inner packet (the kernel takes payload and meta). */
  expr: Expr;
}

const base = defineExpr<InnerExpr>('inner', [
  { attr: NFTA_INNER_NUM, name: 'NFTA_INNER_NUM', key: 'num', kind: 'u32' },
  { attr: NFTA_INNER_TYPE, name: 'NFTA_INNER_TYPE', key: 'tunnel', kind: { enum: { 1: 'vxlan', 2: 'geneve' } }, required: true },
  { attr: NFTA_INNER_FLAGS, name: 'NFTA_INNER_FLAGS', key: 'flags', kind: 'u32', required: true },
  { attr: NFTA_INNER_HDRSIZE, name: 'NFTA_INNER_HDRSIZE', key: 'hdrsize', kind: 'u32', required: true },
  { attr: NFTA_INNER_EXPR, name: 'NFTA_INNER_EXPR', key: 'expr', kind: 'expr', required: true },
], (e) => {
  const type = typeof e.tunnel === 'number' ? e.tunnel : e.tunnel === 'vxlan' ? 1 : e.tunnel === 'geneve' ? 2 : 0;
  // libnftnl ≥ 1.2.5: `type 1 hdrsize 8 flags f [ meta load protocol => reg 1 ] `
  const inner = e.expr ? formatExpr(e.expr) : '[ ]';
  return `type ${type} hdrsize ${n0(e.hdrsize)} flags ${n0(e.flags).toString(16)} ${inner} `;
}, {
  validate(e, field) {
    if (e.expr?.type === 'inner') throw new ValidationError(`${field}.expr`, 'inner expressions do not nest');
  },
});

export const innerCodec = registerExpr<InnerExpr>({
  ...base,
  encode(w, e) {
    base.encode(w, e.num === undefined ? { ...e, num: 0 } : e);
  },
});
