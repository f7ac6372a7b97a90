// Set operations: add, create, delete, destroy, flush.

import { ValidationError } from '../../errors.js';
import { AttrTable } from '../../netlink/attr.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../netlink/constants.js';
import { attrStart, type MessageView } from '../../netlink/message.js';
import {
  NFT_MSG_DELSET,
  NFT_MSG_DELSETELEM,
  NFT_MSG_DESTROYSET,
  NFT_MSG_NEWSET,
  NFT_MSG_NEWSETELEM,
  NFT_SET_ANONYMOUS,
  NFT_SET_MAP,
  NFTA_SET_HANDLE,
  NFTA_SET_MAX,
  NFTA_SET_NAME,
  nftMsg,
} from '../../nftables/constants.js';
import { encodeElementListHeader, mergeIntervals, prepareElements } from '../../nftables/element.js';
import { encodeSet, encodeSetRef, setShape, validateSetFields, type NftSet, type SetRef, type SetShape } from '../../nftables/set.js';
import { validateExprs } from '../../nftables/expr/index.js';
import type { BatchBuilder, MessageRecord } from '../batch.js';
import { checkFamily, checkHandle, checkName, echoFlag, labelOf, Op } from '../operation.js';
import { describeElement, ElementMessages } from './element.js';

/** Anonymous set names are templates the kernel fills in; at most 16 bytes. */
const ANON_NAME_MAX = 16;

export function validateSetRef(s: SetRef, op: string): void {
  checkFamily(s?.family, op);
  checkName('table', s.table, op);
  if (s.name !== undefined) checkName('name', s.name, op);
  else if (s.handle !== undefined) checkHandle('handle', s.handle, op);
  else throw new ValidationError('name', 'a set is named by name or handle', op);
}

export class AddSetOp extends Op<NftSet> {
  /** The in-transaction id (NFTA_SET_ID) other messages of the batch refer to the set by. */
  readonly setId: number;
  readonly shape: SetShape;
  /** The set's name: the kernel's choice for an anonymous set once committed. */
  name: string;
  private readonly elements: ElementMessages | undefined;

  constructor(s: NftSet, private readonly create: boolean, setId: number) {
    const kind = create ? 'createSet' : 'addSet';
    const anonymous = s?.flags?.includes('anonymous') ?? false;
    const label = labelOf(kind, s?.family, s?.table, s?.name);
    checkFamily(s?.family, label);
    checkName('table', s.table, label);
    checkName('name', s.name, label);
    if (anonymous && Buffer.byteLength(s.name) > ANON_NAME_MAX) {
      throw new ValidationError('name', `an anonymous set's name template is at most ${ANON_NAME_MAX} bytes ('__set%d')`, label);
    }
    const shape = setShape(s, label);
    validateSetFields(s, label);
    if (s.exprs !== undefined) validateExprs(s.exprs, 'exprs', label);
    if (s.elements !== undefined && !Array.isArray(s.elements)) throw new ValidationError('elements', 'must be an array of elements', label);
    super(kind, s, label);
    this.setId = s.id ?? setId;
    this.shape = shape;
    this.name = s.name;
    if (s.elements && s.elements.length > 0) {
      let wire = prepareElements(shape, s.elements, { op: label });
      // nft joins overlapping and adjacent ranges of an auto-merge set, and always of an anonymous one.
      if ((s.autoMerge || (shape.flags & NFT_SET_ANONYMOUS) !== 0) && shape.interval && !shape.concat) wire = mergeIntervals(wire);
      this.elements = new ElementMessages(wire);
      // nft sizes an anonymous set to its elements.
      if (this.anonymous && s.size === undefined) this.size = this.elements.wire.count;
    }
  }

  /** NFTA_SET_DESC_SIZE when the caller left it out and it follows from the elements. */
  private size: number | undefined;

  override messageCount(): number {
    return 1 + (this.elements?.messages ?? 0);
  }

  encode(b: BatchBuilder, echo: boolean): void {
    const s = this.object;
    const rec = b.message(NFT_MSG_NEWSET, NLM_F_CREATE | (this.create ? NLM_F_EXCL : 0) | echoFlag(echo), s.family);
    // What the kernel reports back is never sent: handle, backend, count.
    const { handle: _h, backend: _b, count: _c, elements: _e, ...def } = s;
    encodeSet(b.w, { ...def, id: this.setId, ...(this.size !== undefined ? { size: this.size } : {}) }, this.shape);
    b.close(rec);
    // An anonymous set's elements go with it, addressed by template name and id.
    this.elements?.encode(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE, s.family, s.table, s.name, this.setId);
  }

  override onEcho(m: MessageView): void {
    if (nftMsg(m.type) !== NFT_MSG_NEWSET) return;
    const a = new AttrTable(m.buf, attrStart(m), m.end, NFTA_SET_MAX);
    if (a.has(NFTA_SET_HANDLE)) this.handle = Number(a.u64(NFTA_SET_HANDLE, 'NFTA_SET_HANDLE'));
    if (a.has(NFTA_SET_NAME)) this.name = a.str(NFTA_SET_NAME, 'NFTA_SET_NAME');
  }

  override detail(rec: MessageRecord, offset: number): string | undefined {
    const p = this.elements;
    if (!p || !rec.marks) return undefined;
    const j = p.elementAt(rec, offset);
    if (j < 0) return undefined;
    const i = p.wire.source[j]!;
    const what = describeElement({ object: this.object, shape: this.shape }, this.object.elements?.[i], p.wire, j);
    return `element #${i}${what ? ` (${what})` : ''}`;
  }

  /** Whether this is an anonymous set (bound by a rule of the same transaction). */
  get anonymous(): boolean {
    return (this.shape.flags & NFT_SET_ANONYMOUS) !== 0;
  }

  get isMap(): boolean {
    return (this.shape.flags & NFT_SET_MAP) !== 0;
  }
}

export class DelSetOp extends Op<SetRef> {
  constructor(s: SetRef, private readonly destroy: boolean) {
    const kind = destroy ? 'destroySet' : 'deleteSet';
    const label = labelOf(kind, s?.family, s?.table, s?.name ?? s?.handle);
    validateSetRef(s, label);
    super(kind, s, label);
  }
  override echoes(): number {
    return 0;
  }
  encode(b: BatchBuilder): void {
    const rec = b.message(this.destroy ? NFT_MSG_DESTROYSET : NFT_MSG_DELSET, 0, this.object.family);
    encodeSetRef(b.w, this.object);
    b.close(rec);
  }
}

/** Deletes every element of a set (what `nft flush set` sends: DELSETELEM without elements). */
export class FlushSetOp extends Op<{ family: NftSet['family']; table: string; name: string }> {
  constructor(s: { family: NftSet['family']; table: string; name: string }) {
    const label = labelOf('flushSet', s?.family, s?.table, s?.name);
    checkFamily(s?.family, label);
    checkName('table', s.table, label);
    checkName('name', s.name, label);
    super('flushSet', s, label);
  }
  override echoes(): number {
    return 0;
  }
  encode(b: BatchBuilder): void {
    const rec = b.message(NFT_MSG_DELSETELEM, 0, this.object.family);
    encodeElementListHeader(b.w, this.object.table, this.object.name);
    b.close(rec);
  }
}
