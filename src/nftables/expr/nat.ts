// nat: source or destination NAT to the address and port ranges held in registers.

import { nftnlFamily, NFPROTO_ENUM } from './nfproto.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';
import type { Family } from '../constants.js';

export const NFTA_NAT_TYPE = 1;
export const NFTA_NAT_FAMILY = 2;
export const NFTA_NAT_REG_ADDR_MIN = 3;
export const NFTA_NAT_REG_ADDR_MAX = 4;
export const NFTA_NAT_REG_PROTO_MIN = 5;
export const NFTA_NAT_REG_PROTO_MAX = 6;
export const NFTA_NAT_FLAGS = 7;

/** NF_NAT_RANGE_* flags (linux/netfilter/nf_nat.h), shared by nat, masq and redir. */
export const NF_NAT_RANGE_MAP_IPS = 0x01;
export const NF_NAT_RANGE_PROTO_SPECIFIED = 0x02;
export const NF_NAT_RANGE_PROTO_RANDOM = 0x04;
export const NF_NAT_RANGE_PERSISTENT = 0x08;
export const NF_NAT_RANGE_PROTO_RANDOM_FULLY = 0x10;
export const NF_NAT_RANGE_PROTO_OFFSET = 0x20;
export const NF_NAT_RANGE_NETMAP = 0x40;

export interface NatExpr extends ExprExtras {
  type: 'nat';
  /** NFTA_NAT_TYPE: NFT_NAT_SNAT 0 or NFT_NAT_DNAT 1; unknown values stay numbers. */
  natType: 'snat' | 'dnat' | number;
  /** NFTA_NAT_FAMILY: family of the addresses (ip or ip6; inet when only ports are mapped). */
  family: Family | number;
  /** NFTA_NAT_REG_ADDR_MIN: register holding the first address. */
  sregAddrMin?: number;
  /** NFTA_NAT_REG_ADDR_MAX: register holding the last address (the kernel dumps it = min when not sent). */
  sregAddrMax?: number;
  /** NFTA_NAT_REG_PROTO_MIN: register holding the first port. */
  sregProtoMin?: number;
  /** NFTA_NAT_REG_PROTO_MAX: register holding the last port. */
  sregProtoMax?: number;
  /** NFTA_NAT_FLAGS: NF_NAT_RANGE_* bits. */
  flags?: number;
}

export const natCodec = registerExpr(defineExpr<NatExpr>('nat', [
  { attr: NFTA_NAT_TYPE, name: 'NFTA_NAT_TYPE', key: 'natType', kind: { enum: { 0: 'snat', 1: 'dnat' } }, required: true },
  { attr: NFTA_NAT_FAMILY, name: 'NFTA_NAT_FAMILY', key: 'family', kind: { enum: NFPROTO_ENUM }, required: true },
  { attr: NFTA_NAT_REG_ADDR_MIN, name: 'NFTA_NAT_REG_ADDR_MIN', key: 'sregAddrMin', kind: 'reg' },
  { attr: NFTA_NAT_REG_ADDR_MAX, name: 'NFTA_NAT_REG_ADDR_MAX', key: 'sregAddrMax', kind: 'reg' },
  { attr: NFTA_NAT_REG_PROTO_MIN, name: 'NFTA_NAT_REG_PROTO_MIN', key: 'sregProtoMin', kind: 'reg' },
  { attr: NFTA_NAT_REG_PROTO_MAX, name: 'NFTA_NAT_REG_PROTO_MAX', key: 'sregProtoMax', kind: 'reg' },
  { attr: NFTA_NAT_FLAGS, name: 'NFTA_NAT_FLAGS', key: 'flags', kind: 'u32' },
], (e) => {
  const t = e.natType === 'snat' || e.natType === 0 ? 'snat' : e.natType === 'dnat' || e.natType === 1 ? 'dnat' : 'unknown';
  let s = `${t} ${nftnlFamily(e.family)} `;
  s += natRegs(e.sregAddrMin, e.sregAddrMax, e.sregProtoMin, e.sregProtoMax);
  if (e.flags !== undefined) s += `flags 0x${e.flags.toString(16)} `;
  return s;
}));

/** libnftnl's register list of nat, masq and redir: present registers in this order. */
export function natRegs(addrMin?: number, addrMax?: number, protoMin?: number, protoMax?: number): string {
  let s = '';
  if (addrMin !== undefined) s += `addr_min reg ${addrMin} `;
  if (addrMax !== undefined) s += `addr_max reg ${addrMax} `;
  if (protoMin !== undefined) s += `proto_min reg ${protoMin} `;
  if (protoMax !== undefined) s += `proto_max reg ${protoMax} `;
  return s;
}
