// lookup: is the register's value in a set? With dreg, the set is a map and
// the mapped value is loaded (register 0: a verdict map).

import { copyBytes, readCString } from '../../netlink/attr.js';
import { DecodeError, ValidationError } from '../../errors.js';
import { attrLen, attrType, attrU32, checkReg, checkString, checkU32 } from './common.js';
import { registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_LOOKUP_SET = 1;
export const NFTA_LOOKUP_SREG = 2;
export const NFTA_LOOKUP_DREG = 3;
export const NFTA_LOOKUP_SET_ID = 4;
export const NFTA_LOOKUP_FLAGS = 5;

/** Match when the value is NOT in the set. */
export const NFT_LOOKUP_F_INV = 0x1;

export interface LookupExpr extends ExprExtras {
  type: 'lookup';
  /** The set's name; for an anonymous set created in the same transaction, its template ('__set%d') with setId. */
  set?: string;
  /** In-batch id of a set created in the same transaction (NFTA_LOOKUP_SET_ID). */
  setId?: number;
  /** Register holding the key. */
  sreg: number;
  /** Maps: where the value goes (0 for a verdict map). */
  dreg?: number;
  /** NFT_LOOKUP_F_INV (0x1): match on absence. The kernel always dumps the flags. */
  flags?: number;
}

export const lookupCodec = registerExpr<LookupExpr>({
  name: 'lookup',
  type: 'lookup',
  schema: {
    1: { name: 'NFTA_LOOKUP_SET', kind: 'str' },
    2: { name: 'NFTA_LOOKUP_SREG', kind: 'u32' },
    3: { name: 'NFTA_LOOKUP_DREG', kind: 'u32' },
    4: { name: 'NFTA_LOOKUP_SET_ID', kind: 'u32' },
    5: { name: 'NFTA_LOOKUP_FLAGS', kind: 'u32' },
  },
  registers: ['sreg', 'dreg'],
  encode(w, e) {
    // libnftnl's order: sreg, dreg, set, set id, flags.
    w.u32(NFTA_LOOKUP_SREG, e.sreg);
    if (e.dreg !== undefined) w.u32(NFTA_LOOKUP_DREG, e.dreg);
    if (e.set !== undefined) w.str(NFTA_LOOKUP_SET, e.set);
    if (e.setId !== undefined) w.u32(NFTA_LOOKUP_SET_ID, e.setId);
    if (e.flags !== undefined) w.u32(NFTA_LOOKUP_FLAGS, e.flags);
  },
  decode(buf, start, end, path) {
    let set: string | undefined;
    let sreg = -1;
    let dreg = -1;
    let setId = -1;
    let flags = -1;
    let unknown: Uint8Array[] | undefined;
    let p = start;
    while (p < end) {
      const l = attrLen(buf, p, end, 'lookup', path);
      switch (attrType(buf, p)) {
        case NFTA_LOOKUP_SET: set = readCString(buf, p + 4, p + l); break;
        case NFTA_LOOKUP_SREG: sreg = attrU32(buf, p, l, 'NFTA_LOOKUP_SREG', path); break;
        case NFTA_LOOKUP_DREG: dreg = attrU32(buf, p, l, 'NFTA_LOOKUP_DREG', path); break;
        case NFTA_LOOKUP_SET_ID: setId = attrU32(buf, p, l, 'NFTA_LOOKUP_SET_ID', path); break;
        case NFTA_LOOKUP_FLAGS: flags = attrU32(buf, p, l, 'NFTA_LOOKUP_FLAGS', path); break;
        default: (unknown ??= []).push(copyBytes(buf, p, p + l));
      }
      p += (l + 3) & ~3;
    }
    if (sreg < 0) throw new DecodeError('lookup without NFTA_LOOKUP_SREG', start, path);
    const e: LookupExpr = set !== undefined ? { type: 'lookup', set, sreg } : { type: 'lookup', sreg };
    if (dreg >= 0) e.dreg = dreg;
    if (setId >= 0) e.setId = setId;
    if (flags >= 0) e.flags = flags;
    if (unknown) e.unknownAttrs = unknown;
    return e;
  },
  format(e) {
    let s = `reg ${e.sreg} set ${e.set ?? '(null)'} `;
    if (e.dreg !== undefined) s += `dreg ${e.dreg} `;
    if (e.flags !== undefined) s += `0x${(e.flags >>> 0).toString(16)} `;
    return s;
  },
  validate(e, field) {
    if (e.set === undefined && e.setId === undefined) throw new ValidationError(`${field}.set`, 'a lookup names its set (set, or setId for a set of the same transaction)');
    if (e.set !== undefined) checkString(`${field}.set`, e.set);
    if (e.setId !== undefined) checkU32(`${field}.setId`, e.setId);
    checkReg(`${field}.sreg`, e.sreg);
    if (e.dreg !== undefined) checkReg(`${field}.dreg`, e.dreg);
    if (e.flags !== undefined) checkU32(`${field}.flags`, e.flags);
  },
});
