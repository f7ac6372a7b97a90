// log: log the packet to the kernel log (syslog level) or to an nflog group.

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_LOG_GROUP = 1;
export const NFTA_LOG_PREFIX = 2;
export const NFTA_LOG_SNAPLEN = 3;
export const NFTA_LOG_QTHRESHOLD = 4;
export const NFTA_LOG_LEVEL = 5;
export const NFTA_LOG_FLAGS = 6;

/** NF_LOG_* flags (linux/netfilter/nf_log.h): what the kernel log line includes. */
export const NF_LOG_TCPSEQ = 0x01;
export const NF_LOG_TCPOPT = 0x02;
export const NF_LOG_IPOPT = 0x04;
export const NF_LOG_UID = 0x08;
export const NF_LOG_MACDECODE = 0x20;

/** Syslog levels as NFTA_LOG_LEVEL numbers; nft's `audit` is 8 (NFT_LOGLEVEL_AUDIT). */
export const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug', 'audit'] as const;

export interface LogExpr extends ExprExtras {
  type: 'log';
  /** NFTA_LOG_PREFIX: text put before the log line (nft allows up to 127 bytes). */
  prefix?: string;
  /** NFTA_LOG_GROUP (be16): nflog group; logs to userspace instead of the kernel log. */
  group?: number;
  /** NFTA_LOG_SNAPLEN: bytes of the packet copied to the nflog group. */
  snaplen?: number;
  /** NFTA_LOG_QTHRESHOLD (be16): packets to batch before the nflog group is woken. */
  qthreshold?: number;
  /** NFTA_LOG_LEVEL: syslog level 0..7, or 8 for audit (the kernel dumps 4 when neither level nor group was sent). */
  level?: number;
  /** NFTA_LOG_FLAGS: NF_LOG_* bits. */
  flags?: number;
}

export const logCodec = registerExpr(defineExpr<LogExpr>('log', [
  // libnftnl's send order.
  { attr: NFTA_LOG_PREFIX, name: 'NFTA_LOG_PREFIX', key: 'prefix', kind: 'str' },
  { attr: NFTA_LOG_GROUP, name: 'NFTA_LOG_GROUP', key: 'group', kind: 'u16' },
  { attr: NFTA_LOG_SNAPLEN, name: 'NFTA_LOG_SNAPLEN', key: 'snaplen', kind: 'u32' },
  { attr: NFTA_LOG_QTHRESHOLD, name: 'NFTA_LOG_QTHRESHOLD', key: 'qthreshold', kind: 'u16' },
  { attr: NFTA_LOG_LEVEL, name: 'NFTA_LOG_LEVEL', key: 'level', kind: 'u32' },
  { attr: NFTA_LOG_FLAGS, name: 'NFTA_LOG_FLAGS', key: 'flags', kind: 'u32' },
], (e) => {
  let s = e.prefix !== undefined ? `prefix ${e.prefix} ` : '';
  // libnftnl prints the nflog fields when a group is set, the syslog ones otherwise.
  if (e.group !== undefined) return s + `group ${e.group} snaplen ${e.snaplen ?? 0} qthreshold ${e.qthreshold ?? 0} `;
  if (e.level !== undefined) s += `level ${e.level} `;
  if (e.flags !== undefined) {
    if (e.flags & NF_LOG_TCPSEQ) s += 'tcpseq ';
    if (e.flags & NF_LOG_TCPOPT) s += 'tcpopt ';
    if (e.flags & NF_LOG_IPOPT) s += 'ipopt ';
    if (e.flags & NF_LOG_UID) s += 'uid ';
    if (e.flags & NF_LOG_MACDECODE) s += 'macdecode ';
  }
  return s;
}));
