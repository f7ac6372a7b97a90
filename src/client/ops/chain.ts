// Chain operations: add, create, delete, destroy, flush, rename.

import { ValidationError } from '../../errors.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../netlink/constants.js';
import {
  NFT_MSG_DELCHAIN,
  NFT_MSG_DELRULE,
  NFT_MSG_DESTROYCHAIN,
  NFT_MSG_NEWCHAIN,
  NFTA_CHAIN_HANDLE,
  NFTA_CHAIN_NAME,
  NFTA_CHAIN_TABLE,
  NFTA_RULE_CHAIN,
  NFTA_RULE_TABLE,
} from '../../nftables/constants.js';
import { encodeChain, encodeChainRef, validateChainHook, type Chain, type ChainRef } from '../../nftables/chain.js';
import type { BatchBuilder } from '../batch.js';
import { checkComment, checkFamily, checkHandle, checkName, checkUserdata, echoFlag, labelOf, Op } from '../operation.js';

const CHAIN_FLAGS = ['base', 'hw-offload', 'binding'];

export function validateChain(c: Chain, op: string): void {
  checkFamily(c?.family, op);
  checkName('table', c.table, op);
  checkName('name', c.name, op);
  if (c.hook !== undefined && (typeof c.hook !== 'object' || c.hook === null)) {
    throw new ValidationError('hook', 'must be an object { type?, hook, priority, device? }', op);
  }
  validateChainHook(c, op);
  if (c.flags !== undefined) {
    if (!Array.isArray(c.flags)) throw new ValidationError('flags', 'must be an array', op);
    for (const f of c.flags) {
      if (!CHAIN_FLAGS.includes(f)) throw new ValidationError('flags', `unknown chain flag ${JSON.stringify(f)} (known: ${CHAIN_FLAGS.join(', ')})`, op);
    }
  }
  if (c.counters !== undefined && !c.hook) throw new ValidationError('counters', 'only base chains have counters', op);
  checkComment(c.comment, op);
  checkUserdata(c.userdata, op);
}

export function validateChainRef(c: ChainRef, op: string): void {
  checkFamily(c?.family, op);
  checkName('table', c.table, op);
  if (c.name !== undefined) checkName('name', c.name, op);
  else if (c.handle !== undefined) checkHandle('handle', c.handle, op);
  else throw new ValidationError('name', 'a chain is named by name or handle', op);
}

export class AddChainOp extends Op<Chain> {
  /** NFTA_CHAIN_ID to send, once another operation of the batch refers to this chain by id. */
  batchId: number | undefined;
  constructor(c: Chain, private readonly create: boolean) {
    const kind = create ? 'createChain' : 'addChain';
    const label = labelOf(kind, c?.family, c?.table, c?.name);
    validateChain(c, label);
    super(kind, c, label);
  }
  encode(b: BatchBuilder, echo: boolean): void {
    const c = this.object;
    const rec = b.message(NFT_MSG_NEWCHAIN, NLM_F_CREATE | (this.create ? NLM_F_EXCL : 0) | echoFlag(echo), c.family);
    // What the kernel reports back is never sent: use and handle.
    let sent = c.handle !== undefined || c.use !== undefined ? { ...c, handle: undefined, use: undefined } : c;
    if (this.batchId !== undefined && c.id === undefined) sent = { ...sent, id: this.batchId };
    encodeChain(b.w, sent);
    b.close(rec);
  }
}

export class DelChainOp extends Op<ChainRef> {
  constructor(c: ChainRef, private readonly destroy: boolean) {
    const kind = destroy ? 'destroyChain' : 'deleteChain';
    const label = labelOf(kind, c?.family, c?.table, c?.name ?? c?.handle);
    validateChainRef(c, label);
    super(kind, c, label);
  }
  override echoes(): number {
    return 0;
  }
  encode(b: BatchBuilder): void {
    const rec = b.message(this.destroy ? NFT_MSG_DESTROYCHAIN : NFT_MSG_DELCHAIN, 0, this.object.family);
    encodeChainRef(b.w, this.object);
    b.close(rec);
  }
}

/** Deletes every rule of the chain. */
export class FlushChainOp extends Op<{ family: Chain['family']; table: string; name: string }> {
  constructor(c: { family: Chain['family']; table: string; name: string }) {
    const label = labelOf('flushChain', c?.family, c?.table, c?.name);
    checkFamily(c?.family, label);
    checkName('table', c.table, label);
    checkName('name', c.name, label);
    super('flushChain', c, label);
  }
  override echoes(): number {
    return 0;
  }
  encode(b: BatchBuilder): void {
    const rec = b.message(NFT_MSG_DELRULE, 0, this.object.family);
    b.w.str(NFTA_RULE_TABLE, this.object.table);
    b.w.str(NFTA_RULE_CHAIN, this.object.name);
    b.close(rec);
  }
}

export interface RenameChain {
  family: Chain['family'];
  table: string;
  /** The current name (looked up to its handle before the commit), or give `handle`. */
  name?: string;
  handle?: number;
  newName: string;
}

/** Renames a chain: NEWCHAIN with the chain's handle and the new name, as nft does. */
export class RenameChainOp extends Op<RenameChain> {
  /** Filled before encoding when only the name was given. */
  resolvedHandle: number | undefined;
  constructor(c: RenameChain) {
    const label = labelOf('renameChain', c?.family, c?.table, c?.name ?? c?.handle) + ` to ${c?.newName}`;
    validateChainRef(c, label);
    checkName('newName', c.newName, label);
    super('renameChain', c, label);
    this.resolvedHandle = c.handle;
  }
  encode(b: BatchBuilder, echo: boolean): void {
    const c = this.object;
    if (this.resolvedHandle === undefined) throw new ValidationError('handle', 'the chain to rename was not resolved to a handle', this.label);
    const rec = b.message(NFT_MSG_NEWCHAIN, echoFlag(echo), c.family);
    b.w.str(NFTA_CHAIN_TABLE, c.table);
    b.w.str(NFTA_CHAIN_NAME, c.newName);
    b.w.u64(NFTA_CHAIN_HANDLE, this.resolvedHandle);
    b.close(rec);
  }
}
