// Tables: NFTA_TABLE_* encode and decode.

import { DecodeError } from '../errors.js';
import { AttrTable, AttrWriter } from '../netlink/attr.js';
import { attrStart, readNfGen, type MessageView } from '../netlink/message.js';
import {
  familyName,
  NFT_TABLE_F_DORMANT,
  NFT_TABLE_F_OWNER,
  NFT_TABLE_F_PERSIST,
  NFTA_TABLE_FLAGS,
  NFTA_TABLE_HANDLE,
  NFTA_TABLE_MAX,
  NFTA_TABLE_NAME,
  NFTA_TABLE_OWNER,
  NFTA_TABLE_USE,
  NFTA_TABLE_USERDATA,
  type Family,
} from './constants.js';
import { commentFromUdata, udataForComment } from './udata.js';

export type TableFlag = 'dormant' | 'owner' | 'persist';

export interface Table {
  family: Family;
  name: string;
  /**
   * Table flags. A write always sends them, as nft does: adding an existing
   * table without 'dormant' wakes it (and an owned table cannot change its flags).
   */
  flags?: TableFlag[];
  /** Flag bits this library has no name for (kept so they round-trip). */
  unknownFlags?: number;
  /** Kernel handle (read only; a delete may use it instead of the name). */
  handle?: number;
  /** Number of chains (read only). */
  use?: number;
  /** Netlink port id of the owning socket (read only). */
  owner?: number;
  /** A comment, printed by `nft list`. */
  comment?: string;
  /** Raw userdata, when it holds more than a comment. */
  userdata?: Uint8Array;
}

/** A table addressed by name or handle, as deletes accept it. */
export interface TableRef {
  family: Family;
  name?: string;
  handle?: number;
}

export const TABLE_FLAG_BITS: Record<TableFlag, number> = {
  dormant: NFT_TABLE_F_DORMANT,
  owner: NFT_TABLE_F_OWNER,
  persist: NFT_TABLE_F_PERSIST,
};

export function tableFlagBits(flags: readonly TableFlag[], unknown = 0): number {
  let v = unknown;
  for (const f of flags) v |= TABLE_FLAG_BITS[f];
  return v >>> 0;
}

export function tableFlagNames(bits: number): { flags: TableFlag[]; unknown: number } {
  const flags: TableFlag[] = [];
  let rest = bits;
  for (const [name, bit] of Object.entries(TABLE_FLAG_BITS) as [TableFlag, number][]) {
    if (bits & bit) {
      flags.push(name);
      rest &= ~bit;
    }
  }
  return { flags, unknown: rest >>> 0 };
}

/** Attributes of NEWTABLE, as nft sends them (FLAGS always, 0 when none). */
export function encodeTable(w: AttrWriter, t: Table): void {
  w.str(NFTA_TABLE_NAME, t.name);
  w.u32(NFTA_TABLE_FLAGS, tableFlagBits(t.flags ?? [], t.unknownFlags));
  const ud = udataForComment(t.comment, t.userdata);
  if (ud) w.bytes(NFTA_TABLE_USERDATA, ud);
}

/** Attributes of DELTABLE / DESTROYTABLE / GETTABLE: the name, else the handle. */
export function encodeTableRef(w: AttrWriter, t: TableRef): void {
  if (t.name !== undefined) w.str(NFTA_TABLE_NAME, t.name);
  else if (t.handle !== undefined) w.u64(NFTA_TABLE_HANDLE, t.handle);
}

export function decodeTable(m: MessageView): Table {
  const path = ['table'];
  const { family } = readNfGen(m);
  const a = new AttrTable(m.buf, attrStart(m), m.end, NFTA_TABLE_MAX, path);
  const t: Table = { family: familyName(family), name: a.str(NFTA_TABLE_NAME, 'NFTA_TABLE_NAME') };
  const bits = a.has(NFTA_TABLE_FLAGS) ? a.u32(NFTA_TABLE_FLAGS, 'NFTA_TABLE_FLAGS') : 0;
  const { flags, unknown } = tableFlagNames(bits);
  t.flags = flags;
  if (unknown) t.unknownFlags = unknown;
  if (a.has(NFTA_TABLE_HANDLE)) t.handle = Number(a.u64(NFTA_TABLE_HANDLE, 'NFTA_TABLE_HANDLE'));
  if (a.has(NFTA_TABLE_USE)) t.use = a.u32(NFTA_TABLE_USE, 'NFTA_TABLE_USE');
  if (a.has(NFTA_TABLE_OWNER)) t.owner = a.u32(NFTA_TABLE_OWNER, 'NFTA_TABLE_OWNER');
  if (a.has(NFTA_TABLE_USERDATA)) Object.assign(t, commentFromUdata(a.bytes(NFTA_TABLE_USERDATA, 'NFTA_TABLE_USERDATA')));
  if (t.name === '') throw new DecodeError('empty table name', attrStart(m), path);
  return t;
}
