// Rules: NFTA_RULE_* with the expression list.

import { DecodeError } from '../errors.js';
import { AttrWriter, beU32, beU64, copyBytes, hostU16, readCString } from '../netlink/attr.js';
import { NLA_TYPE_MASK } from '../netlink/constants.js';
import { attrStart, readNfGen, type MessageView } from '../netlink/message.js';
import { familyName, type Family } from './constants.js';
import { decodeExprList, encodeExprList, formatExpr, type Expr } from './expr/index.js';
import { registerSchema } from './schema.js';
import { commentFromUdata, udataForComment } from './udata.js';

export const NFTA_RULE_TABLE = 1;
export const NFTA_RULE_CHAIN = 2;
export const NFTA_RULE_HANDLE = 3;
export const NFTA_RULE_EXPRESSIONS = 4;
export const NFTA_RULE_COMPAT = 5;
export const NFTA_RULE_POSITION = 6;
export const NFTA_RULE_USERDATA = 7;
export const NFTA_RULE_PAD = 8;
export const NFTA_RULE_ID = 9;
export const NFTA_RULE_POSITION_ID = 10;
export const NFTA_RULE_CHAIN_ID = 11;

export const NFTA_RULE_COMPAT_PROTO = 1;
export const NFTA_RULE_COMPAT_FLAGS = 2;

export interface Rule {
  family: Family;
  table: string;
  chain: string;
  /** Kernel handle (dumps; replace and delete by handle). */
  handle?: number;
  /** Dumps: handle of the rule before this one. Writes: the reference rule's handle (see the transaction's placement options). */
  position?: number;
  exprs: Expr[];
  /** A comment, printed by `nft list`. */
  comment?: string;
  /** Raw userdata when it holds more than a comment. */
  userdata?: Uint8Array;
  /** iptables-nft compat info (NFTA_RULE_COMPAT). */
  compat?: { proto: number; flags: number };
  /** In-batch id (NFTA_RULE_ID). */
  id?: number;
  /** In-batch id of the reference rule (NFTA_RULE_POSITION_ID). */
  positionId?: number;
  /** In-batch id of the chain (NFTA_RULE_CHAIN_ID), instead of its name. */
  chainId?: number;
}

registerSchema('rule', {
  1: { name: 'NFTA_RULE_TABLE', kind: 'str' },
  2: { name: 'NFTA_RULE_CHAIN', kind: 'str' },
  3: { name: 'NFTA_RULE_HANDLE', kind: 'u64' },
  4: { name: 'NFTA_RULE_EXPRESSIONS', kind: { list: 'expr' } },
  5: { name: 'NFTA_RULE_COMPAT', kind: { nest: 'rule_compat' } },
  6: { name: 'NFTA_RULE_POSITION', kind: 'u64' },
  7: { name: 'NFTA_RULE_USERDATA', kind: 'bin' },
  8: { name: 'NFTA_RULE_PAD', kind: 'bin' },
  9: { name: 'NFTA_RULE_ID', kind: 'u32' },
  10: { name: 'NFTA_RULE_POSITION_ID', kind: 'u32' },
  11: { name: 'NFTA_RULE_CHAIN_ID', kind: 'u32' },
});
registerSchema('rule_compat', {
  1: { name: 'NFTA_RULE_COMPAT_PROTO', kind: 'u32' },
  2: { name: 'NFTA_RULE_COMPAT_FLAGS', kind: 'u32' },
});

/**
 * Attributes of NEWRULE (and of DELRULE by handle), in libnftnl's order.
 * Returns the offsets (in the writer) of each expression element, so an
 * error's ext-ack offset can be mapped to the expression it names.
 */
export function encodeRule(w: AttrWriter, r: Rule): number[] {
  if (r.chainId !== undefined && r.chain === undefined) {
    w.str(NFTA_RULE_TABLE, r.table);
  } else {
    w.str(NFTA_RULE_TABLE, r.table);
    w.str(NFTA_RULE_CHAIN, r.chain);
  }
  if (r.chainId !== undefined) w.u32(NFTA_RULE_CHAIN_ID, r.chainId);
  if (r.handle !== undefined) w.u64(NFTA_RULE_HANDLE, r.handle);
  let offsets: number[] = [];
  if (r.exprs.length > 0) {
    const n = w.beginNest(NFTA_RULE_EXPRESSIONS);
    offsets = encodeExprList(w, r.exprs);
    w.endNest(n);
  }
  if (r.compat) {
    const n = w.beginNest(NFTA_RULE_COMPAT);
    w.u32(NFTA_RULE_COMPAT_PROTO, r.compat.proto);
    w.u32(NFTA_RULE_COMPAT_FLAGS, r.compat.flags);
    w.endNest(n);
  }
  if (r.position !== undefined) w.u64(NFTA_RULE_POSITION, r.position);
  const ud = udataForComment(r.comment, r.userdata);
  if (ud) w.bytes(NFTA_RULE_USERDATA, ud);
  if (r.id !== undefined) w.u32(NFTA_RULE_ID, r.id);
  if (r.positionId !== undefined) w.u32(NFTA_RULE_POSITION_ID, r.positionId);
  return offsets;
}

/** Decodes a NEWRULE message (dump, echo or event). Hand-written: this is the hot path of a dump. */
export function decodeRule(m: MessageView): Rule {
  const path = ['rule'];
  const buf = m.buf;
  const { family } = readNfGen(m);
  let table: string | undefined;
  let chain: string | undefined;
  let handle: number | undefined;
  let position: number | undefined;
  let exprs: Expr[] | undefined;
  let udata: Uint8Array | undefined;
  let compat: { proto: number; flags: number } | undefined;
  let id: number | undefined;
  let positionId: number | undefined;
  let chainId: number | undefined;
  let p = attrStart(m);
  const end = m.end;
  while (p < end) {
    if (end - p < 4) throw new DecodeError('stray bytes in rule', p, path);
    const l = hostU16(buf, p);
    if (l < 4 || p + l > end) throw new DecodeError(`rule attribute length ${l} runs past the message`, p, path);
    const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
    const s = p + 4;
    const e = p + l;
    switch (t) {
      case NFTA_RULE_TABLE: table = readCString(buf, s, e); break;
      case NFTA_RULE_CHAIN: chain = readCString(buf, s, e); break;
      case NFTA_RULE_HANDLE:
        if (l < 12) throw new DecodeError('NFTA_RULE_HANDLE too short', p, path);
        handle = Number(beU64(buf, s));
        break;
      case NFTA_RULE_POSITION:
        if (l < 12) throw new DecodeError('NFTA_RULE_POSITION too short', p, path);
        position = Number(beU64(buf, s));
        break;
      case NFTA_RULE_EXPRESSIONS: exprs = decodeExprList(buf, s, e, path); break;
      case NFTA_RULE_USERDATA: udata = copyBytes(buf, s, e); break;
      case NFTA_RULE_COMPAT: {
        let proto = 0;
        let flags = 0;
        let q = s;
        while (q + 8 <= e) {
          const ql = hostU16(buf, q);
          if (ql < 4 || q + ql > e) break;
          const qt = hostU16(buf, q + 2) & NLA_TYPE_MASK;
          if (ql >= 8 && qt === NFTA_RULE_COMPAT_PROTO) proto = beU32(buf, q + 4);
          if (ql >= 8 && qt === NFTA_RULE_COMPAT_FLAGS) flags = beU32(buf, q + 4);
          q += (ql + 3) & ~3;
        }
        compat = { proto, flags };
        break;
      }
      case NFTA_RULE_ID: if (l >= 8) id = beU32(buf, s); break;
      case NFTA_RULE_POSITION_ID: if (l >= 8) positionId = beU32(buf, s); break;
      case NFTA_RULE_CHAIN_ID: if (l >= 8) chainId = beU32(buf, s); break;
    }
    p += (l + 3) & ~3;
  }
  if (table === undefined) throw new DecodeError('rule without NFTA_RULE_TABLE', attrStart(m), path);
  const r: Rule = { family: familyName(family), table, chain: chain ?? '', exprs: exprs ?? [] };
  if (handle !== undefined) r.handle = handle;
  if (position !== undefined) r.position = position;
  if (udata) Object.assign(r, commentFromUdata(udata));
  if (compat) r.compat = compat;
  if (id !== undefined) r.id = id;
  if (positionId !== undefined) r.positionId = positionId;
  if (chainId !== undefined) r.chainId = chainId;
  return r;
}

/**
 * libnftnl's debug print of a rule, as `nft --debug=netlink` shows it: a
 * header line `FAMILY TABLE CHAIN[ HANDLE[ POSITION]]` then one `  [ … ]` line per
 * expression (and a userdata line when there is userdata).
 */
export function formatRule(r: Rule, opts: { handle?: boolean } = {}): string {
  let s = `${r.family} ${r.table} ${r.chain}`;
  if (opts.handle ?? true) {
    if (r.handle !== undefined) s += ` ${r.handle}`;
    // Dumps carry the previous rule's handle here.
    if (r.position !== undefined) s += ` ${r.position}`;
  }
  if (r.id !== undefined) s += ` ${r.id}`;
  if (r.positionId !== undefined) s += ` ${r.positionId}`;
  for (const e of r.exprs) s += `\n  ${formatExpr(e)}`;
  const ud = udataForComment(r.comment, r.userdata);
  if (ud) s += `\n  userdata = { ${formatUserdata(ud)} }`;
  return s;
}

function formatUserdata(u: Uint8Array): string {
  let s = '';
  for (const b of u) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return s;
}
