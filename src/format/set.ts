// libnftnl 1.2.4's debug print of sets and set elements, as `nft
// --debug=netlink` shows them:
//
//   set header      `NAME TABLE FLAGS[ timeout Nms][ gc_interval Nms][ policy N][ size N]`
//   element         `element KEYWORDS [ - KEYENDWORDS] : DATA FLAGS [end][  userdata = { … }]`
//   listing         `FAMILY TABLE @NAME` then one `\telement …` line per element
//
// Words are the value's 32-bit words in host order, `%.8x ` each.

import { AttrTable } from '../netlink/attr.js';
import { attrStart, type MessageView } from '../netlink/message.js';
import {
  NFT_MSG_DELSET,
  NFT_MSG_DELSETELEM,
  NFT_MSG_DESTROYSET,
  NFT_MSG_DESTROYSETELEM,
  NFT_MSG_NEWSET,
  NFT_MSG_NEWSETELEM,
  NFTA_SET_HANDLE,
  NFTA_SET_MAX,
  NFTA_SET_NAME,
  NFTA_SET_TABLE,
} from '../nftables/constants.js';
import { decodeElementList, type SetElement } from '../nftables/element.js';
import { decodeSet, SET_FLAG_BITS, setShape, type NftSet } from '../nftables/set.js';
import type { Verdict } from '../nftables/data.js';
import { registerPrinter } from './message.js';

/** libnftnl's `%.8x ` words of a value (host order, missing bytes 0). */
export function formatWords(v: Uint8Array): string {
  let s = '';
  for (let i = 0; i < v.length; i += 4) {
    let word = 0;
    for (let j = 3; j >= 0; j--) word = word * 256 + (i + j < v.length ? v[i + j]! : 0);
    s += word.toString(16).padStart(8, '0') + ' ';
  }
  return s;
}

function verdictText(v: Verdict): string {
  const name = v.code !== undefined ? VERDICT_BY_CODE[v.code | 0] ?? 'unknown' : v.verdict;
  return v.chain !== undefined ? `${name} -> ${v.chain} ` : `${name} `;
}

const VERDICT_BY_CODE: Record<number, string> = {
  0: 'drop', 1: 'accept', 2: 'stolen', 3: 'queue', 4: 'repeat', 5: 'stop', [-1]: 'continue', [-2]: 'break', [-3]: 'jump',
  [-4]: 'goto', [-5]: 'return',
};

function userdataText(u: Uint8Array): string {
  let s = '';
  for (const b of u) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return s;
}

function bytesOf(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

/** The element flags word: INTERVAL_END, CATCHALL and unknown bits. */
export function elementFlagBits(e: SetElement): number {
  return ((e.intervalEnd ? 1 : 0) | (e.catchAll ? 2 : 0) | (e.unknownFlags ?? 0)) >>> 0;
}

/**
 * One element as libnftnl prints it (without the leading tab). Keys and data
 * must be wire bytes (a listed element); the userdata printed is what the
 * element carries, as the kernel keeps it.
 */
export function formatElement(e: SetElement, userdata?: Uint8Array): string {
  let s = 'element ' + formatWords(bytesOf(e.key));
  if (e.keyEnd !== undefined) s += ' - ' + formatWords(bytesOf(e.keyEnd));
  s += ' : ';
  const d = e.data;
  if (d instanceof Uint8Array) s += formatWords(d);
  else if (d !== undefined && typeof d === 'object' && !Array.isArray(d)) s += verdictText(d as Verdict);
  s += `${elementFlagBits(e)} [end]`;
  const ud = userdata ?? e.userdata ?? rebuildUdata(e);
  if (ud && ud.length) s += `  userdata = { ${userdataText(ud)} }`;
  return s;
}

function rebuildUdata(e: SetElement): Uint8Array | undefined {
  const parts: number[] = [];
  if (e.comment !== undefined) {
    const c = Buffer.from(e.comment + '\0', 'utf8');
    parts.push(0, c.length, ...c);
  }
  if (e.intervalOpen) parts.push(1, 4, 1, 0, 0, 0);
  return parts.length ? Uint8Array.from(parts) : undefined;
}

/** The set flag bits of a set as the kernel holds them. */
export function setFlagBits(s: NftSet): number {
  try {
    return setShape(s).flags;
  } catch {
    let v = s.unknownFlags ?? 0;
    for (const f of s.flags ?? []) v |= SET_FLAG_BITS[f] ?? 0;
    return v >>> 0;
  }
}

/** libnftnl's set line: `NAME TABLE FLAGS[ timeout …]`; with `elements`, followed by its elements. */
export function formatSet(s: NftSet, opts: { elements?: boolean } = {}): string {
  let out = `${s.name} ${s.table} ${setFlagBits(s).toString(16)}`;
  if (s.timeout !== undefined) out += ` timeout ${s.timeout}ms`;
  if (s.gcInterval !== undefined) out += ` gc_interval ${s.gcInterval}ms`;
  if (s.policy !== undefined) out += ` policy ${s.policy === 'memory' ? 1 : 0}`;
  if (s.size !== undefined) out += ` size ${s.size}`;
  if (opts.elements && s.elements && s.elements.length > 0) {
    out += '\n';
    for (const e of s.elements) out += '\t' + formatElement(e);
  }
  return out;
}

/**
 * A set's elements the way `nft --debug=netlink list …` prints a set it
 * listed: the line `FAMILY TABLE @NAME`, then one tab-indented line per
 * element in the order the kernel dumped them.
 */
export function formatSetElements(set: { family: string; table: string; name: string }, elements: readonly SetElement[]): string[] {
  const lines = [`${set.family} ${set.table} @${set.name}`];
  for (const e of elements) lines.push('\t' + formatElement(e));
  return lines;
}

registerPrinter([NFT_MSG_NEWSET], (m: MessageView) => formatSet(decodeSet(m)));
registerPrinter([NFT_MSG_DELSET, NFT_MSG_DESTROYSET], (m: MessageView) => {
  // A delete names the set only.
  const a = new AttrTable(m.buf, attrStart(m), m.end, NFTA_SET_MAX);
  const name = a.has(NFTA_SET_NAME) ? a.str(NFTA_SET_NAME, 'NFTA_SET_NAME') : a.has(NFTA_SET_HANDLE) ? String(a.u64(NFTA_SET_HANDLE, 'NFTA_SET_HANDLE')) : '';
  const table = a.has(NFTA_SET_TABLE) ? a.str(NFTA_SET_TABLE, 'NFTA_SET_TABLE') : '';
  return `${name} ${table} 0`;
});
registerPrinter([NFT_MSG_NEWSETELEM, NFT_MSG_DELSETELEM, NFT_MSG_DESTROYSETELEM], (m: MessageView) => {
  const l = decodeElementList(m);
  // libnftnl prints an element list as a set built from it: name, table, flags 0, then the elements.
  let s = `${l.set} ${l.table} 0`;
  if (l.elements.length) s += '\n' + l.elements.map((e) => '\t' + formatElement(e)).join('');
  return s;
});
