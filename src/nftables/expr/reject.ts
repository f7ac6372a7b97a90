// reject: drop the packet and answer with an ICMP error or a TCP reset.

import { n0 } from './nfproto.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_REJECT_TYPE = 1;
export const NFTA_REJECT_ICMP_CODE = 2;

/** NFT_REJECT_ICMPX_* codes, which the kernel maps to ICMP or ICMPv6 codes per packet. */
export const NFT_REJECT_ICMPX_NO_ROUTE = 0;
export const NFT_REJECT_ICMPX_PORT_UNREACH = 1;
export const NFT_REJECT_ICMPX_HOST_UNREACH = 2;
export const NFT_REJECT_ICMPX_ADMIN_PROHIBITED = 3;

/** NFT_REJECT_*: ICMP_UNREACH 0 (family's own ICMP codes), TCP_RST 1, ICMPX_UNREACH 2 (family-independent codes). */
export type RejectType = 'icmp-unreach' | 'tcp-rst' | 'icmpx-unreach';

export interface RejectExpr extends ExprExtras {
  type: 'reject';
  /** NFTA_REJECT_TYPE; unknown values stay numbers. */
  rejectType: RejectType | number;
  /** NFTA_REJECT_ICMP_CODE (u8): ICMP/ICMPv6 code, or an NFT_REJECT_ICMPX_* code. nft sends 0 with tcp-rst. */
  icmpCode?: number;
}

const TYPES = ['icmp-unreach', 'tcp-rst', 'icmpx-unreach'];

export const rejectCodec = registerExpr(defineExpr<RejectExpr>('reject', [
  { attr: NFTA_REJECT_TYPE, name: 'NFTA_REJECT_TYPE', key: 'rejectType', kind: { enum: { 0: 'icmp-unreach', 1: 'tcp-rst', 2: 'icmpx-unreach' } }, required: true },
  { attr: NFTA_REJECT_ICMP_CODE, name: 'NFTA_REJECT_ICMP_CODE', key: 'icmpCode', kind: 'u8' },
], (e) => {
  const t = typeof e.rejectType === 'number' ? e.rejectType : TYPES.indexOf(e.rejectType);
  return `type ${t} code ${n0(e.icmpCode)} `;
}));
