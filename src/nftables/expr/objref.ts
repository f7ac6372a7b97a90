// objref: apply a named stateful object (counter, quota, limit, ct helper …),
// given by name, or looked up in an object map by the register's key.

import { copyBytes, readCString } from '../../netlink/attr.js';
import { DecodeError, ValidationError } from '../../errors.js';
import { attrLen, attrType, attrU32, checkEnum, checkReg, checkString, checkU32, enumName, enumValue } from './common.js';
import { registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';
import { OBJECT_TYPE_IDS, type ObjectType } from '../object.js';

export const NFTA_OBJREF_IMM_TYPE = 1;
export const NFTA_OBJREF_IMM_NAME = 2;
export const NFTA_OBJREF_SET_SREG = 3;
export const NFTA_OBJREF_SET_NAME = 4;
export const NFTA_OBJREF_SET_ID = 5;

/** Object type names indexed by NFT_OBJECT_* (0 is unspecified), the same names objects use. */
const OBJECT_TYPES: readonly string[] = (() => {
  const names: string[] = [''];
  for (const [name, id] of Object.entries(OBJECT_TYPE_IDS)) names[id] = name;
  return names;
})();

export interface ObjrefExpr extends ExprExtras {
  type: 'objref';
  /** By name: the object's type (NFT_OBJECT_*). */
  objType?: ObjectType | number;
  /** By name: the object's name. */
  name?: string;
  /** Through an object map: the register holding the key. */
  setSreg?: number;
  /** Through an object map: the map's name. */
  set?: string;
  /** Through an object map created in the same transaction: its in-batch id. */
  setId?: number;
}

export const objrefCodec = registerExpr<ObjrefExpr>({
  name: 'objref',
  type: 'objref',
  schema: {
    1: { name: 'NFTA_OBJREF_IMM_TYPE', kind: 'u32' },
    2: { name: 'NFTA_OBJREF_IMM_NAME', kind: 'str' },
    3: { name: 'NFTA_OBJREF_SET_SREG', kind: 'u32' },
    4: { name: 'NFTA_OBJREF_SET_NAME', kind: 'str' },
    5: { name: 'NFTA_OBJREF_SET_ID', kind: 'u32' },
  },
  registers: ['setSreg'],
  encode(w, e) {
    if (e.objType !== undefined) w.u32(NFTA_OBJREF_IMM_TYPE, enumValue(OBJECT_TYPES, e.objType));
    // libnftnl sends both names without their NUL (the kernel accepts either).
    if (e.name !== undefined) w.bytes(NFTA_OBJREF_IMM_NAME, Buffer.from(e.name, 'utf8'));
    if (e.setSreg !== undefined) w.u32(NFTA_OBJREF_SET_SREG, e.setSreg);
    if (e.set !== undefined) w.bytes(NFTA_OBJREF_SET_NAME, Buffer.from(e.set, 'utf8'));
    if (e.setId !== undefined) w.u32(NFTA_OBJREF_SET_ID, e.setId);
  },
  decode(buf, start, end, path) {
    const e: ObjrefExpr = { type: 'objref' };
    let unknown: Uint8Array[] | undefined;
    let p = start;
    while (p < end) {
      const l = attrLen(buf, p, end, 'objref', path);
      switch (attrType(buf, p)) {
        case NFTA_OBJREF_IMM_TYPE: {
          const t = enumName(OBJECT_TYPES, attrU32(buf, p, l, 'NFTA_OBJREF_IMM_TYPE', path));
          e.objType = t === '' ? 0 : (t as ObjectType | number);
          break;
        }
        case NFTA_OBJREF_IMM_NAME: e.name = readCString(buf, p + 4, p + l); break;
        case NFTA_OBJREF_SET_SREG: e.setSreg = attrU32(buf, p, l, 'NFTA_OBJREF_SET_SREG', path); break;
        case NFTA_OBJREF_SET_NAME: e.set = readCString(buf, p + 4, p + l); break;
        case NFTA_OBJREF_SET_ID: e.setId = attrU32(buf, p, l, 'NFTA_OBJREF_SET_ID', path); break;
        default: (unknown ??= []).push(copyBytes(buf, p, p + l));
      }
      p += (l + 3) & ~3;
    }
    if (e.name === undefined && e.set === undefined && e.setId === undefined) {
      throw new DecodeError('objref names neither an object nor a map', start, path);
    }
    if (unknown) e.unknownAttrs = unknown;
    return e;
  },
  format(e) {
    if (e.setSreg !== undefined) return `sreg ${e.setSreg} set ${e.set ?? '(null)'} `;
    const t = e.objType === undefined ? 0 : enumValue(OBJECT_TYPES, e.objType);
    return `type ${t >>> 0} name ${e.name ?? '(null)'} `;
  },
  validate(e, field) {
    const byName = e.name !== undefined || e.objType !== undefined;
    const byMap = e.setSreg !== undefined || e.set !== undefined || e.setId !== undefined;
    if (byName === byMap) throw new ValidationError(field, 'an objref names an object (objType and name) or an object map (setSreg and set or setId)');
    if (byName) {
      if (e.objType === undefined || e.name === undefined) throw new ValidationError(field, 'objType and name go together');
      checkEnum(`${field}.objType`, e.objType, OBJECT_TYPES.slice(1), 'object type');
      checkString(`${field}.name`, e.name);
    } else {
      if (e.setSreg === undefined) throw new ValidationError(`${field}.setSreg`, 'an object map lookup needs the key register');
      checkReg(`${field}.setSreg`, e.setSreg);
      if (e.set === undefined && e.setId === undefined) throw new ValidationError(`${field}.set`, 'an object map lookup names its map');
      if (e.set !== undefined) checkString(`${field}.set`, e.set);
      if (e.setId !== undefined) checkU32(`${field}.setId`, e.setId);
    }
  },
});
