// ct: load a conntrack field (state, mark, addresses …) into a register, or
// set a writable one (mark, label, zone, event mask …) from a register.

import { copyBytes } from '../../netlink/attr.js';
import { DecodeError, ValidationError } from '../../errors.js';
import { attrLen, attrType, attrU32, attrU8, checkEnum, checkReg, enumName, enumValue, printName } from './common.js';
import { registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_CT_DREG = 1;
export const NFTA_CT_KEY = 2;
export const NFTA_CT_DIRECTION = 3;
export const NFTA_CT_SREG = 4;

/** NFT_CT_* in kernel order. */
export const CT_KEYS = [
  'state', 'direction', 'status', 'mark', 'secmark', 'expiration', 'helper', 'l3protocol', 'src', 'dst',
  'protocol', 'proto_src', 'proto_dst', 'labels', 'packets', 'bytes', 'avgpkt', 'zone', 'eventmask',
  'src_ip', 'dst_ip', 'src_ip6', 'dst_ip6', 'id',
] as const;
export type CtKey = (typeof CT_KEYS)[number];

// libnftnl 1.2.x's words; keys after dst_ip6 print as "unknown".
const CT_PRINT: readonly string[] = [
  'state', 'direction', 'status', 'mark', 'secmark', 'expiration', 'helper', 'l3protocol', 'src', 'dst',
  'protocol', 'proto_src', 'proto_dst', 'label', 'packets', 'bytes', 'avgpkt', 'zone', 'event',
  'src_ip', 'dst_ip', 'src_ip6', 'dst_ip6',
];

/** IP_CT_DIR_ORIGINAL 0, IP_CT_DIR_REPLY 1. */
export const CT_DIRECTIONS = ['original', 'reply'] as const;
export type CtDirection = (typeof CT_DIRECTIONS)[number];

export interface CtExpr extends ExprExtras {
  type: 'ct';
  /** The conntrack field (NFT_CT_*); an unnamed key stays a number. */
  key: CtKey | number;
  /** Load: the destination register. */
  dreg?: number;
  /** Set: the source register. */
  sreg?: number;
  /** Which tuple, for per-direction keys (addresses, ports, counters, zone). */
  direction?: CtDirection | number;
}

export const ctCodec = registerExpr<CtExpr>({
  name: 'ct',
  type: 'ct',
  schema: {
    1: { name: 'NFTA_CT_DREG', kind: 'u32' },
    2: { name: 'NFTA_CT_KEY', kind: 'u32' },
    3: { name: 'NFTA_CT_DIRECTION', kind: 'u8' },
    4: { name: 'NFTA_CT_SREG', kind: 'u32' },
  },
  registers: ['dreg', 'sreg'],
  encode(w, e) {
    // libnftnl's order: key, dreg, direction, sreg.
    w.u32(NFTA_CT_KEY, enumValue(CT_KEYS, e.key));
    if (e.dreg !== undefined) w.u32(NFTA_CT_DREG, e.dreg);
    if (e.direction !== undefined) w.u8(NFTA_CT_DIRECTION, enumValue(CT_DIRECTIONS, e.direction));
    if (e.sreg !== undefined) w.u32(NFTA_CT_SREG, e.sreg);
  },
  decode(buf, start, end, path) {
    let key = -1;
    let dreg = -1;
    let sreg = -1;
    let dir = -1;
    let unknown: Uint8Array[] | undefined;
    let p = start;
    while (p < end) {
      const l = attrLen(buf, p, end, 'ct', path);
      const t = attrType(buf, p);
      if (t === NFTA_CT_KEY) key = attrU32(buf, p, l, 'NFTA_CT_KEY', path);
      else if (t === NFTA_CT_DREG) dreg = attrU32(buf, p, l, 'NFTA_CT_DREG', path);
      else if (t === NFTA_CT_SREG) sreg = attrU32(buf, p, l, 'NFTA_CT_SREG', path);
      else if (t === NFTA_CT_DIRECTION) dir = attrU8(buf, p, l, 'NFTA_CT_DIRECTION', path);
      else (unknown ??= []).push(copyBytes(buf, p, p + l));
      p += (l + 3) & ~3;
    }
    if (key < 0) throw new DecodeError('ct without NFTA_CT_KEY', start, path);
    const e: CtExpr = { type: 'ct', key: enumName(CT_KEYS, key) };
    if (dreg >= 0) e.dreg = dreg;
    if (sreg >= 0) e.sreg = sreg;
    if (dir >= 0) e.direction = enumName(CT_DIRECTIONS, dir);
    if (unknown) e.unknownAttrs = unknown;
    return e;
  },
  format(e) {
    const key = printName(CT_PRINT, enumValue(CT_KEYS, e.key));
    let s = '';
    // libnftnl writes the load text over the set text when both registers are present.
    if (e.dreg !== undefined) s = `load ${key} => reg ${e.dreg} `;
    else if (e.sreg !== undefined) s = `set ${key} with reg ${e.sreg} `;
    if (e.direction !== undefined) s += `, dir ${printName(CT_DIRECTIONS, enumValue(CT_DIRECTIONS, e.direction) & 0xff)} `;
    return s;
  },
  validate(e, field) {
    checkEnum(`${field}.key`, e.key, CT_KEYS, 'ct key');
    if ((e.dreg === undefined) === (e.sreg === undefined)) {
      throw new ValidationError(field, 'a ct expression either loads (dreg) or sets (sreg)');
    }
    if (e.dreg !== undefined) checkReg(`${field}.dreg`, e.dreg);
    if (e.sreg !== undefined) checkReg(`${field}.sreg`, e.sreg);
    if (e.direction !== undefined) {
      checkEnum(`${field}.direction`, e.direction, CT_DIRECTIONS, 'ct direction');
      if (typeof e.direction === 'number' && e.direction > 0xff) throw new ValidationError(`${field}.direction`, 'is one byte');
    }
  },
});
