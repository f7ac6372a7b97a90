// xfrm: load an IPsec state field (addresses, reqid, spi) of the packet's
// security path, in or out, at a given state index.

import { copyBytes } from '../../netlink/attr.js';
import { DecodeError } from '../../errors.js';
import { attrLen, attrType, attrU32, attrU8, checkEnum, checkReg, checkU32, checkU8, enumName, enumValue, printName } from './common.js';
import { registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_XFRM_DREG = 1;
export const NFTA_XFRM_KEY = 2;
export const NFTA_XFRM_DIR = 3;
export const NFTA_XFRM_SPNUM = 4;

/** NFT_XFRM_KEY_* (0 is unspecified). */
export const XFRM_KEYS = ['', 'daddr4', 'daddr6', 'saddr4', 'saddr6', 'reqid', 'spi'] as const;
export type XfrmKey = Exclude<(typeof XFRM_KEYS)[number], ''>;
/** XFRM_POLICY_IN 0, XFRM_POLICY_OUT 1. */
export const XFRM_DIRS = ['in', 'out'] as const;
export type XfrmDir = (typeof XFRM_DIRS)[number];
const KEY_PRINT = [undefined, 'daddr4', 'daddr6', 'saddr4', 'saddr6', 'reqid', 'spi'];

export interface XfrmExpr extends ExprExtras {
  type: 'xfrm';
  key: XfrmKey | number;
  dir: XfrmDir | number;
  /** Index in the security path (0 = the first state). */
  spnum: number;
  dreg: number;
}

export const xfrmCodec = registerExpr<XfrmExpr>({
  name: 'xfrm',
  type: 'xfrm',
  schema: {
    1: { name: 'NFTA_XFRM_DREG', kind: 'u32' },
    2: { name: 'NFTA_XFRM_KEY', kind: 'u32' },
    3: { name: 'NFTA_XFRM_DIR', kind: 'u8' },
    4: { name: 'NFTA_XFRM_SPNUM', kind: 'u32' },
  },
  registers: ['dreg'],
  encode(w, e) {
    // libnftnl's order: key, dir, spnum, dreg.
    w.u32(NFTA_XFRM_KEY, enumValue(XFRM_KEYS, e.key));
    w.u8(NFTA_XFRM_DIR, enumValue(XFRM_DIRS, e.dir));
    w.u32(NFTA_XFRM_SPNUM, e.spnum);
    w.u32(NFTA_XFRM_DREG, e.dreg);
  },
  decode(buf, start, end, path) {
    let key = -1;
    let dir = -1;
    let spnum = -1;
    let dreg = -1;
    let unknown: Uint8Array[] | undefined;
    let p = start;
    while (p < end) {
      const l = attrLen(buf, p, end, 'xfrm', path);
      switch (attrType(buf, p)) {
        case NFTA_XFRM_DREG: dreg = attrU32(buf, p, l, 'NFTA_XFRM_DREG', path); break;
        case NFTA_XFRM_KEY: key = attrU32(buf, p, l, 'NFTA_XFRM_KEY', path); break;
        case NFTA_XFRM_DIR: dir = attrU8(buf, p, l, 'NFTA_XFRM_DIR', path); break;
        case NFTA_XFRM_SPNUM: spnum = attrU32(buf, p, l, 'NFTA_XFRM_SPNUM', path); break;
        default: (unknown ??= []).push(copyBytes(buf, p, p + l));
      }
      p += (l + 3) & ~3;
    }
    if (key < 0 || dir < 0 || spnum < 0 || dreg < 0) throw new DecodeError('xfrm without key, dir, spnum or dreg', start, path);
    const k = enumName(XFRM_KEYS, key);
    const e: XfrmExpr = { type: 'xfrm', key: k === '' ? 0 : k, dir: enumName(XFRM_DIRS, dir), spnum, dreg };
    if (unknown) e.unknownAttrs = unknown;
    return e;
  },
  format(e) {
    const dir = printName(XFRM_DIRS, enumValue(XFRM_DIRS, e.dir) & 0xff);
    return `load ${dir} ${e.spnum >>> 0} ${printName(KEY_PRINT, enumValue(XFRM_KEYS, e.key))} => reg ${e.dreg} `;
  },
  validate(e, field) {
    checkEnum(`${field}.key`, e.key, XFRM_KEYS.slice(1), 'xfrm key');
    checkEnum(`${field}.dir`, e.dir, XFRM_DIRS, 'xfrm direction');
    if (typeof e.dir === 'number') checkU8(`${field}.dir`, e.dir);
    checkU32(`${field}.spnum`, e.spnum);
    checkReg(`${field}.dreg`, e.dreg);
  },
});
