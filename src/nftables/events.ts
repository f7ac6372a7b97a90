// Change notifications (group NFNLGRP_NFTABLES): which NFT_MSG_* is which
// kind of change and how its object is decoded, in one table keyed by the
// message number. Every kind registers here; a message whose bytes do not
// decode comes back raw with the reason, never dropped.
//
// Deletions: on recent kernels (6.18) a delete notification carries only what
// identifies the object (table, name and handle; an object's type too), except
// DELRULE, which carries the whole rule.

import { DecodeError } from '../errors.js';
import { copyBytes } from '../netlink/attr.js';
import { readNfGen, type MessageView } from '../netlink/message.js';
import { decodeChain, type Chain } from './chain.js';
import {
  familyName,
  NFT_MSG_DELCHAIN,
  NFT_MSG_DELFLOWTABLE,
  NFT_MSG_DELOBJ,
  NFT_MSG_DELRULE,
  NFT_MSG_DELSET,
  NFT_MSG_DELSETELEM,
  NFT_MSG_DELTABLE,
  NFT_MSG_DESTROYCHAIN,
  NFT_MSG_DESTROYFLOWTABLE,
  NFT_MSG_DESTROYOBJ,
  NFT_MSG_DESTROYRULE,
  NFT_MSG_DESTROYSET,
  NFT_MSG_DESTROYSETELEM,
  NFT_MSG_DESTROYTABLE,
  NFT_MSG_NEWCHAIN,
  NFT_MSG_NEWFLOWTABLE,
  NFT_MSG_NEWOBJ,
  NFT_MSG_NEWRULE,
  NFT_MSG_NEWSET,
  NFT_MSG_NEWSETELEM,
  NFT_MSG_NEWTABLE,
  nftMsg,
  type Family,
} from './constants.js';
import { decodeElementList, type ElementList } from './element.js';
import { decodeFlowtable, type Flowtable } from './flowtable.js';
import { decodeObject, objectTypeName, type NftObject } from './object.js';
import { decodeRule, type Rule } from './rule.js';
import { decodeSet, type NftSet, type SetRef } from './set.js';
import { AttrTable } from '../netlink/attr.js';
import { attrStart } from '../netlink/message.js';
import { NFTA_SET_HANDLE, NFTA_SET_MAX, NFTA_SET_NAME, NFTA_SET_TABLE } from './constants.js';
import { decodeTable, type Table } from './table.js';

export type ChangeKind = 'table' | 'chain' | 'rule' | 'set' | 'element' | 'object' | 'flowtable';
export type ChangeOp = 'add' | 'delete';

export const CHANGE_KINDS: readonly ChangeKind[] = ['table', 'chain', 'rule', 'set', 'element', 'object', 'flowtable'];

/** A message of a kind this library cannot decode (yet), kept whole. */
export interface RawObject {
  family: Family;
  /** The whole netlink message, header included. */
  raw: Uint8Array;
  /** Why decoding failed, when a decoder exists but refused the bytes. */
  decodeError?: string;
}

/** The decoded object of each kind of change (RawObject when the bytes do not decode). */
export interface ChangeObjects {
  table: Table;
  chain: Chain;
  rule: Rule;
  /** A deletion names the set only (NFTA_SET_TABLE, NAME, HANDLE): a SetRef. */
  set: NftSet | SetRef;
  /** One NEWSETELEM/DELSETELEM: the set and the elements added or deleted. */
  element: ElementList;
  object: NftObject;
  flowtable: Flowtable;
}

/** One change notification, decoded; not yet tied to its transaction. */
export type DecodedChange = {
  [K in ChangeKind]: {
    op: ChangeOp;
    kind: K;
    family: Family;
    object: ChangeObjects[K] | RawObject;
    /** NFT_MSG_* of the message. */
    msg: number;
    /** nlmsg_flags: NLM_F_CREATE/EXCL/APPEND/REPLACE as the request had them. */
    flags: number;
    /** nlmsg_seq of the request that caused it (0 for set elements). */
    seq: number;
    /** nlmsg_pid: netlink port id of the socket that made the change. */
    portId: number;
    /** Low 16 bits of the generation (nfgenmsg res_id). */
    resId: number;
  };
}[ChangeKind];

interface Entry {
  kind: ChangeKind;
  op: ChangeOp;
  decode: ((m: MessageView) => unknown) | undefined;
}

const byMsg = new Map<number, Entry>();

/**
 * Registers a kind: the NEW message, the DEL messages (DESTROY* is reported
 * as DEL*, but a kernel may one day send it) and the decoder of the object.
 * A kind registered without a decoder reports raw messages.
 */
export function registerChangeKind<K extends ChangeKind>(
  kind: K,
  msgs: { add: number[]; delete: number[] },
  decode?: (m: MessageView) => ChangeObjects[K],
): void {
  for (const m of msgs.add) byMsg.set(m, { kind, op: 'add', decode });
  for (const m of msgs.delete) byMsg.set(m, { kind, op: 'delete', decode });
}

/** Whether a message is a change notification (a NEW or DEL message of an object). */
export function isChangeMessage(m: MessageView): boolean {
  return byMsg.has(nftMsg(m.type));
}

/**
 * Decodes a change notification. Returns undefined for messages that are not
 * changes (NEWGEN, TRACE, other subsystems). Never throws for bad bytes: the
 * object then comes back raw with the reason.
 */
export function decodeChange(m: MessageView): DecodedChange | undefined {
  const msg = nftMsg(m.type);
  const e = byMsg.get(msg);
  if (!e) return undefined;
  let family: Family = familyName(0);
  let resId = 0;
  try {
    const h = readNfGen(m);
    family = familyName(h.family);
    resId = h.resId;
  } catch {
    // A message too short for nfgenmsg: reported raw below.
  }
  let object: unknown;
  if (e.decode) {
    try {
      object = e.decode(m);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      object = { family, raw: copyBytes(m.buf, m.start, m.end), decodeError: err.message } satisfies RawObject;
    }
  } else {
    object = { family, raw: copyBytes(m.buf, m.start, m.end) } satisfies RawObject;
  }
  return {
    op: e.op, kind: e.kind, family, object, msg, flags: m.flags, seq: m.seq, portId: m.pid, resId,
  } as DecodedChange;
}

/** True when the object of a change could not be decoded and is kept raw. */
export function isRawObject(o: unknown): o is RawObject {
  return typeof o === 'object' && o !== null && (o as RawObject).raw instanceof Uint8Array;
}

registerChangeKind('table', { add: [NFT_MSG_NEWTABLE], delete: [NFT_MSG_DELTABLE, NFT_MSG_DESTROYTABLE] }, decodeTable);
registerChangeKind('chain', { add: [NFT_MSG_NEWCHAIN], delete: [NFT_MSG_DELCHAIN, NFT_MSG_DESTROYCHAIN] }, decodeChain);
registerChangeKind('rule', { add: [NFT_MSG_NEWRULE], delete: [NFT_MSG_DELRULE, NFT_MSG_DESTROYRULE] }, decodeRule);
registerChangeKind('set', { add: [NFT_MSG_NEWSET], delete: [NFT_MSG_DELSET, NFT_MSG_DESTROYSET] }, (m) => {
  if (nftMsg(m.type) === NFT_MSG_NEWSET) return decodeSet(m);
  // Recent kernels (6.18) send only what identifies the deleted set; older ones send it whole.
  try {
    return decodeSet(m);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const a = new AttrTable(m.buf, attrStart(m), m.end, NFTA_SET_MAX, ['set']);
    const ref: SetRef = { family: familyName(readNfGen(m).family), table: a.str(NFTA_SET_TABLE, 'NFTA_SET_TABLE') };
    if (a.has(NFTA_SET_NAME)) ref.name = a.str(NFTA_SET_NAME, 'NFTA_SET_NAME');
    if (a.has(NFTA_SET_HANDLE)) ref.handle = Number(a.u64(NFTA_SET_HANDLE, 'NFTA_SET_HANDLE'));
    return ref;
  }
});
registerChangeKind('element', { add: [NFT_MSG_NEWSETELEM], delete: [NFT_MSG_DELSETELEM, NFT_MSG_DESTROYSETELEM] }, (m) => decodeElementList(m));
registerChangeKind('object', { add: [NFT_MSG_NEWOBJ], delete: [NFT_MSG_DELOBJ, NFT_MSG_DESTROYOBJ] }, (m) => {
  const o = decodeObject(m);
  // A deletion carries the type but no data: name the type all the same.
  if (o.type === 'unknown' && o.data === undefined && nftMsg(m.type) !== NFT_MSG_NEWOBJ) {
    const name = objectTypeName(o.typeId);
    if (name !== undefined) {
      const { typeId: _t, ...common } = o;
      return { ...common, type: name } as NftObject;
    }
  }
  return o;
});
registerChangeKind('flowtable', { add: [NFT_MSG_NEWFLOWTABLE], delete: [NFT_MSG_DELFLOWTABLE, NFT_MSG_DESTROYFLOWTABLE] }, decodeFlowtable);
