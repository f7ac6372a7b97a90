// meta: load packet metadata (mark, interface, length …) into a register, or
// set a writable one (mark, priority, nftrace …) from a register.

import { copyBytes } from '../../netlink/attr.js';
import { DecodeError, ValidationError } from '../../errors.js';
import { attrLen, attrType, attrU32, checkEnum, checkReg, enumName, enumValue, printName } from './common.js';
import { registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_META_DREG = 1;
export const NFTA_META_KEY = 2;
export const NFTA_META_SREG = 3;

/** NFT_META_* in kernel order (the index is the key's number). */
export const META_KEYS = [
  'len', 'protocol', 'priority', 'mark', 'iif', 'oif', 'iifname', 'oifname', 'iiftype', 'oiftype',
  'skuid', 'skgid', 'nftrace', 'rtclassid', 'secmark', 'nfproto', 'l4proto', 'bri_iifname', 'bri_oifname',
  'pkttype', 'cpu', 'iifgroup', 'oifgroup', 'cgroup', 'prandom', 'secpath', 'iifkind', 'oifkind',
  'bri_iifpvid', 'bri_iifvproto', 'time', 'day', 'hour', 'sdif', 'sdifname', 'broute', 'bri_iifhwaddr',
] as const;
export type MetaKey = (typeof META_KEYS)[number];

// libnftnl 1.2.x knows the keys up to sdifname; later ones print as "unknown".
const META_PRINT: readonly string[] = META_KEYS.slice(0, 35);

export interface MetaExpr extends ExprExtras {
  type: 'meta';
  /** What to load or set (NFT_META_*); a key this library does not name stays a number. */
  key: MetaKey | number;
  /** Load: the destination register. */
  dreg?: number;
  /** Set: the source register. */
  sreg?: number;
}

export const metaCodec = registerExpr<MetaExpr>({
  name: 'meta',
  type: 'meta',
  schema: {
    1: { name: 'NFTA_META_DREG', kind: 'u32' },
    2: { name: 'NFTA_META_KEY', kind: 'u32' },
    3: { name: 'NFTA_META_SREG', kind: 'u32' },
  },
  registers: ['dreg', 'sreg'],
  encode(w, e) {
    // libnftnl's order: key, then the register.
    w.u32(NFTA_META_KEY, enumValue(META_KEYS, e.key));
    if (e.dreg !== undefined) w.u32(NFTA_META_DREG, e.dreg);
    if (e.sreg !== undefined) w.u32(NFTA_META_SREG, e.sreg);
  },
  decode(buf, start, end, path) {
    let key = -1;
    let dreg = -1;
    let sreg = -1;
    let unknown: Uint8Array[] | undefined;
    let p = start;
    while (p < end) {
      const l = attrLen(buf, p, end, 'meta', path);
      const t = attrType(buf, p);
      if (t === NFTA_META_KEY) key = attrU32(buf, p, l, 'NFTA_META_KEY', path);
      else if (t === NFTA_META_DREG) dreg = attrU32(buf, p, l, 'NFTA_META_DREG', path);
      else if (t === NFTA_META_SREG) sreg = attrU32(buf, p, l, 'NFTA_META_SREG', path);
      else (unknown ??= []).push(copyBytes(buf, p, p + l));
      p += (l + 3) & ~3;
    }
    if (key < 0) throw new DecodeError('meta without NFTA_META_KEY', start, path);
    const e: MetaExpr = dreg >= 0
      ? { type: 'meta', key: enumName(META_KEYS, key), dreg }
      : { type: 'meta', key: enumName(META_KEYS, key) };
    if (sreg >= 0) e.sreg = sreg;
    if (unknown) e.unknownAttrs = unknown;
    return e;
  },
  format(e) {
    // libnftnl passes the key as a uint8_t.
    const key = printName(META_PRINT, enumValue(META_KEYS, e.key) & 0xff);
    if (e.sreg !== undefined) return `set ${key} with reg ${e.sreg} `;
    if (e.dreg !== undefined) return `load ${key} => reg ${e.dreg} `;
    return '';
  },
  validate(e, field) {
    checkEnum(`${field}.key`, e.key, META_KEYS, 'meta key');
    if ((e.dreg === undefined) === (e.sreg === undefined)) {
      throw new ValidationError(field, 'a meta expression either loads (dreg) or sets (sreg)');
    }
    if (e.dreg !== undefined) checkReg(`${field}.dreg`, e.dreg);
    if (e.sreg !== undefined) checkReg(`${field}.sreg`, e.sreg);
  },
});
