// Table operations: add, create, delete, destroy, flush.

import { ValidationError } from '../../errors.js';
import { NLM_F_EXCL } from '../../netlink/constants.js';
import {
  NFT_MSG_DELRULE,
  NFT_MSG_DELTABLE,
  NFT_MSG_DESTROYTABLE,
  NFT_MSG_NEWTABLE,
  NFTA_RULE_TABLE,
} from '../../nftables/constants.js';
import { encodeTable, encodeTableRef, TABLE_FLAG_BITS, type Table, type TableRef } from '../../nftables/table.js';
import type { BatchBuilder } from '../batch.js';
import { checkComment, checkFamily, checkHandle, checkName, checkUserdata, echoFlag, labelOf, Op } from '../operation.js';

export function validateTable(t: Table, op: string): void {
  checkFamily(t?.family, op);
  checkName('name', t.name, op);
  if (t.flags !== undefined) {
    if (!Array.isArray(t.flags)) throw new ValidationError('flags', 'must be an array', op);
    for (const f of t.flags) {
      if (!Object.prototype.hasOwnProperty.call(TABLE_FLAG_BITS, f)) {
        throw new ValidationError('flags', `unknown table flag ${JSON.stringify(f)} (known: dormant, owner, persist)`, op);
      }
    }
  }
  checkComment(t.comment, op);
  checkUserdata(t.userdata, op);
}

export function validateTableRef(t: TableRef, op: string): void {
  checkFamily(t?.family, op);
  if (t.name !== undefined) checkName('name', t.name, op);
  else if (t.handle !== undefined) checkHandle('handle', t.handle, op);
  else throw new ValidationError('name', 'a table is named by name or handle', op);
}

export class AddTableOp extends Op<Table> {
  constructor(t: Table, private readonly create: boolean) {
    const kind = create ? 'createTable' : 'addTable';
    const label = labelOf(kind, t?.family, t?.name);
    validateTable(t, label);
    super(kind, t, label);
  }
  encode(b: BatchBuilder, echo: boolean): void {
    const t = this.object;
    const rec = b.message(NFT_MSG_NEWTABLE, (this.create ? NLM_F_EXCL : 0) | echoFlag(echo), t.family);
    encodeTable(b.w, t);
    b.close(rec);
  }
}

export class DelTableOp extends Op<TableRef> {
  constructor(t: TableRef, private readonly destroy: boolean) {
    const kind = destroy ? 'destroyTable' : 'deleteTable';
    const label = labelOf(kind, t?.family, t?.name ?? t?.handle);
    validateTableRef(t, label);
    super(kind, t, label);
  }
  override echoes(): number {
    return 0;
  }
  encode(b: BatchBuilder): void {
    const rec = b.message(this.destroy ? NFT_MSG_DESTROYTABLE : NFT_MSG_DELTABLE, 0, this.object.family);
    encodeTableRef(b.w, this.object);
    b.close(rec);
  }
}

/** Deletes every rule of every chain of the table (what `nft flush table` does). */
export class FlushTableOp extends Op<{ family: Table['family']; name: string }> {
  constructor(t: { family: Table['family']; name: string }) {
    const label = labelOf('flushTable', t?.family, t?.name);
    checkFamily(t?.family, label);
    checkName('name', t.name, label);
    super('flushTable', t, label);
  }
  override echoes(): number {
    return 0;
  }
  encode(b: BatchBuilder): void {
    const rec = b.message(NFT_MSG_DELRULE, 0, this.object.family);
    b.w.str(NFTA_RULE_TABLE, this.object.name);
    b.close(rec);
  }
}
