// target: an xtables target run through nft_compat, as iptables-nft writes
// it. The extension's private struct (`info`) is kept as raw bytes.

import { xtName } from './match.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_TARGET_NAME = 1;
export const NFTA_TARGET_REV = 2;
export const NFTA_TARGET_INFO = 3;

export interface TargetExpr extends ExprExtras {
  type: 'target';
  /** NFTA_TARGET_NAME: the xtables target, e.g. 'MASQUERADE', 'LOG'. */
  name: string;
  /** NFTA_TARGET_REV: its revision. */
  rev: number;
  /** NFTA_TARGET_INFO: the target's struct, in the kernel's layout. */
  info: Uint8Array;
}

export const targetCodec = registerExpr(defineExpr<TargetExpr>('target', [
  { attr: NFTA_TARGET_NAME, name: 'NFTA_TARGET_NAME', key: 'name', kind: 'str', required: true },
  { attr: NFTA_TARGET_REV, name: 'NFTA_TARGET_REV', key: 'rev', kind: 'u32', required: true },
  { attr: NFTA_TARGET_INFO, name: 'NFTA_TARGET_INFO', key: 'info', kind: 'bin', required: true },
], (e) => `name ${xtName(e.name)} rev ${e.rev ?? 0} `));
