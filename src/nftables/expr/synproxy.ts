// synproxy: answer TCP SYNs on the backend's behalf (SYN cookies) and only
// hand over connections that complete the handshake.

import { n0 } from './nfproto.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_SYNPROXY_MSS = 1;
export const NFTA_SYNPROXY_WSCALE = 2;
export const NFTA_SYNPROXY_FLAGS = 3;

/** NF_SYNPROXY_OPT_* flags: which TCP options the cookie carries. */
export const NF_SYNPROXY_OPT_MSS = 0x01;
export const NF_SYNPROXY_OPT_WSCALE = 0x02;
export const NF_SYNPROXY_OPT_SACK_PERM = 0x04;
export const NF_SYNPROXY_OPT_TIMESTAMP = 0x08;
export const NF_SYNPROXY_OPT_ECN = 0x10;

export interface SynproxyExpr extends ExprExtras {
  type: 'synproxy';
  /** NFTA_SYNPROXY_MSS (be16): MSS announced to the client. */
  mss?: number;
  /** NFTA_SYNPROXY_WSCALE (u8): window scale announced to the client. */
  wscale?: number;
  /** NFTA_SYNPROXY_FLAGS: NF_SYNPROXY_OPT_* bits. */
  flags?: number;
}

export const synproxyCodec = registerExpr(defineExpr<SynproxyExpr>('synproxy', [
  { attr: NFTA_SYNPROXY_MSS, name: 'NFTA_SYNPROXY_MSS', key: 'mss', kind: 'u16' },
  { attr: NFTA_SYNPROXY_WSCALE, name: 'NFTA_SYNPROXY_WSCALE', key: 'wscale', kind: 'u8' },
  { attr: NFTA_SYNPROXY_FLAGS, name: 'NFTA_SYNPROXY_FLAGS', key: 'flags', kind: 'u32' },
], (e) => (e.mss !== undefined && e.wscale !== undefined ? `mss ${n0(e.mss)} wscale ${n0(e.wscale)} ` : '')));
