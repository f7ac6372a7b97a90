// match: an xtables match run through nft_compat, as iptables-nft writes it.
// The extension's private struct (`info`) is kept as raw bytes: its layout
// belongs to each extension and revision.

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_MATCH_NAME = 1;
export const NFTA_MATCH_REV = 2;
export const NFTA_MATCH_INFO = 3;

/** XT_EXTENSION_MAXNAMELEN: extension names are at most 28 characters. */
export const XT_EXTENSION_MAXNAMELEN = 29;

export interface MatchExpr extends ExprExtras {
  type: 'match';
  /** NFTA_MATCH_NAME: the xtables match, e.g. 'comment', 'conntrack'. */
  name: string;
  /** NFTA_MATCH_REV: its revision. */
  rev: number;
  /** NFTA_MATCH_INFO: the match's struct, in the kernel's layout (the kernel checks its size). */
  info: Uint8Array;
}

// libnftnl copies the name into a XT_EXTENSION_MAXNAMELEN buffer before printing it.
export const xtName = (n: string | undefined): string => (n ?? '').slice(0, XT_EXTENSION_MAXNAMELEN - 1);

export const matchCodec = registerExpr(defineExpr<MatchExpr>('match', [
  { attr: NFTA_MATCH_NAME, name: 'NFTA_MATCH_NAME', key: 'name', kind: 'str', required: true },
  { attr: NFTA_MATCH_REV, name: 'NFTA_MATCH_REV', key: 'rev', kind: 'u32', required: true },
  { attr: NFTA_MATCH_INFO, name: 'NFTA_MATCH_INFO', key: 'info', kind: 'bin', required: true },
], (e) => `name ${xtName(e.name)} rev ${e.rev ?? 0} `));
