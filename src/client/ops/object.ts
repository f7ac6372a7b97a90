// Stateful object operations: add, create, delete, destroy.

import { ValidationError } from '../../errors.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../netlink/constants.js';
import { NFT_MSG_DELOBJ, NFT_MSG_DESTROYOBJ, NFT_MSG_NEWOBJ } from '../../nftables/constants.js';
import {
  encodeObject,
  encodeObjectRef,
  isObjectType,
  OBJECT_TYPES,
  validateObjectData,
  type NftObject,
  type ObjectRef,
} from '../../nftables/object.js';
import type { BatchBuilder } from '../batch.js';
import { checkComment, checkFamily, checkHandle, checkName, checkUserdata, echoFlag, labelOf, Op } from '../operation.js';

function checkType(t: unknown, op: string, allowUnknown: boolean): void {
  if (isObjectType(t)) return;
  if (allowUnknown && t === 'unknown') return;
  if (typeof t === 'number' && Number.isInteger(t) && t > 0 && t <= 0xffffffff) return;
  throw new ValidationError('type', `unknown object type ${JSON.stringify(t)} (known: ${OBJECT_TYPES.join(', ')})`, op);
}

export function validateObject(o: NftObject, op: string): void {
  checkFamily(o?.family, op);
  checkName('table', o.table, op);
  checkName('name', o.name, op);
  checkType(o.type, op, true);
  checkComment(o.comment, op);
  checkUserdata(o.userdata, op);
  validateObjectData(o, op);
}

export function validateObjectRef(r: ObjectRef, op: string): void {
  checkFamily(r?.family, op);
  checkName('table', r.table, op);
  checkType(r.type, op, false);
  if (r.name !== undefined) checkName('name', r.name, op);
  else if (r.handle !== undefined) checkHandle('handle', r.handle, op);
  else throw new ValidationError('name', 'an object is named by name or handle', op);
}

/** 'ct-helper' → 'ct helper', as nft names the kinds in its commands. */
function typeWords(t: string | number): string {
  return typeof t === 'number' ? `object type ${t}` : t.replace('-', ' ');
}

export class AddObjectOp extends Op<NftObject> {
  constructor(o: NftObject, private readonly create: boolean) {
    const kind = create ? 'createObject' : 'addObject';
    const t = o?.type === 'unknown' ? o.typeId : o?.type;
    const label = labelOf(kind, o?.family, o?.table, o?.name) + (t !== undefined ? ` (${typeWords(t)})` : '');
    validateObject(o, label);
    super(kind, o, label);
  }
  encode(b: BatchBuilder, echo: boolean): void {
    const o = this.object;
    const rec = b.message(NFT_MSG_NEWOBJ, NLM_F_CREATE | (this.create ? NLM_F_EXCL : 0) | echoFlag(echo), o.family);
    encodeObject(b.w, o);
    b.close(rec);
  }
}

export class DelObjectOp extends Op<ObjectRef> {
  constructor(r: ObjectRef, private readonly destroy: boolean) {
    const kind = destroy ? 'destroyObject' : 'deleteObject';
    const label = labelOf(kind, r?.family, r?.table, r?.name ?? r?.handle) + (r?.type !== undefined ? ` (${typeWords(r.type)})` : '');
    validateObjectRef(r, label);
    super(kind, r, label);
  }
  override echoes(): number {
    return 0;
  }
  encode(b: BatchBuilder): void {
    const rec = b.message(this.destroy ? NFT_MSG_DESTROYOBJ : NFT_MSG_DELOBJ, 0, this.object.family);
    encodeObjectRef(b.w, this.object);
    b.close(rec);
  }
}
