// Flowtable operations: add, create, delete, destroy.

import { ValidationError } from '../../errors.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../netlink/constants.js';
import { NFT_MSG_DELFLOWTABLE, NFT_MSG_DESTROYFLOWTABLE, NFT_MSG_NEWFLOWTABLE } from '../../nftables/constants.js';
import {
  encodeFlowtable,
  encodeFlowtableRef,
  validateFlowtableFields,
  type Flowtable,
  type FlowtableRef,
} from '../../nftables/flowtable.js';
import type { BatchBuilder } from '../batch.js';
import { checkFamily, checkHandle, checkName, echoFlag, labelOf, Op } from '../operation.js';

export function validateFlowtable(f: Flowtable, op: string): void {
  checkFamily(f?.family, op);
  checkName('table', f.table, op);
  checkName('name', f.name, op);
  validateFlowtableFields(f, op);
}

export function validateFlowtableRef(f: FlowtableRef, op: string): void {
  checkFamily(f?.family, op);
  checkName('table', f.table, op);
  if (f.name !== undefined) checkName('name', f.name, op);
  else if (f.handle !== undefined) checkHandle('handle', f.handle, op);
  else throw new ValidationError('name', 'a flowtable is named by name or handle', op);
}

export class AddFlowtableOp extends Op<Flowtable> {
  constructor(f: Flowtable, private readonly create: boolean) {
    const kind = create ? 'createFlowtable' : 'addFlowtable';
    const label = labelOf(kind, f?.family, f?.table, f?.name);
    validateFlowtable(f, label);
    super(kind, f, label);
  }
  encode(b: BatchBuilder, echo: boolean): void {
    const f = this.object;
    const rec = b.message(NFT_MSG_NEWFLOWTABLE, NLM_F_CREATE | (this.create ? NLM_F_EXCL : 0) | echoFlag(echo), f.family);
    encodeFlowtable(b.w, f);
    b.close(rec);
  }
}

export class DelFlowtableOp extends Op<FlowtableRef> {
  constructor(f: FlowtableRef, private readonly destroy: boolean) {
    const kind = destroy ? 'destroyFlowtable' : 'deleteFlowtable';
    const label = labelOf(kind, f?.family, f?.table, f?.name ?? f?.handle);
    validateFlowtableRef(f, label);
    super(kind, f, label);
  }
  override echoes(): number {
    return 0;
  }
  encode(b: BatchBuilder): void {
    const rec = b.message(this.destroy ? NFT_MSG_DESTROYFLOWTABLE : NFT_MSG_DELFLOWTABLE, 0, this.object.family);
    encodeFlowtableRef(b.w, this.object);
    b.close(rec);
  }
}
