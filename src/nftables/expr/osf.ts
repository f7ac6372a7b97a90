// osf: passive OS fingerprinting of TCP SYNs; loads the OS name (or name and
// version) into a register.

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

/** NFT_OSF_F_VERSION: load "name:version" instead of the name. */
export const NFT_OSF_F_VERSION = 0x1;

export interface OsfExpr extends ExprExtras {
  type: 'osf';
  dreg: number;
  /** TTL check: 0 true TTL, 1 loose, 2 skip (NF_OSF_TTL_*). */
  ttl?: number;
  /** NFT_OSF_F_VERSION. */
  flags?: number;
}

export const osfCodec = registerExpr(defineExpr<OsfExpr>('osf', [
  { attr: 1, name: 'NFTA_OSF_DREG', key: 'dreg', kind: 'reg', required: true },
  { attr: 2, name: 'NFTA_OSF_TTL', key: 'ttl', kind: 'u8' },
  { attr: 3, name: 'NFTA_OSF_FLAGS', key: 'flags', kind: 'u32' },
], (e) => (e.dreg !== undefined ? `dreg ${e.dreg} ` : '')));
