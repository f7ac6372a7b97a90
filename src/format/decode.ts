// Netlink bytes → an annotated tree: every message's header fields, every
// attribute with its kernel name, type number, length and value (names from
// the schemas in src/nftables/schema.ts), every expression in libnftnl's
// words, and the libnftnl print of the whole object where there is one.
//
// Input comes as plain hex, as the dump `nft --debug=mnl` prints, or as a
// capture file of netlink traffic (pcap or pcapng, link type NETLINK 253, as
// nlmon produces).

import { DecodeError, NftlinkError } from '../errors.js';
import { beU16, beU32, beU64, hostU16, hostU32, readCString } from '../netlink/attr.js';
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_NOOP, NLMSG_OVERRUN } from '../netlink/constants.js';
import { decodeError, errnoName, parseMessages, type MessageView } from '../netlink/message.js';
import { familyName, NFT_MSG_NAMES, nftMsg, NFT_MSG_TRACE } from '../nftables/constants.js';
import { decodeExpr, formatExpr } from '../nftables/expr/index.js';
import { attributePath, formatPath, getExprSchema, getSchema, schemaForMessage, siblingValue, type AttrKind, type Schema } from '../nftables/schema.js';
import { decodePacket, decodeTrace } from '../nftables/trace.js';
import { formatMessageBody } from './message.js';
// Kinds register their printers on import.
import './set.js';
import { describePacket } from './events.js';
import { toHex } from './json.js';

export const NETLINK_NETFILTER = 12;
export const LINKTYPE_NETLINK = 253;
const ARPHRD_NETLINK = 824;

/** One datagram of input. */
export interface Datagram {
  bytes: Uint8Array;
  /** From a capture: 'to kernel' or 'to user'. */
  direction?: 'to kernel' | 'to user';
  /** Netlink protocol from a capture's cooked header (12 = NETLINK_NETFILTER). */
  protocol?: number;
  /** Capture time, seconds since the epoch. */
  time?: number;
  /** Where it came from, for messages: 'packet 3'. */
  label?: string;
  /** A remark on how faithful the input is. */
  note?: string;
}

export type InputFormat = 'hex' | 'mnl' | 'pcap' | 'pcapng';

/** Input that cannot be read as netlink messages: not hex, a truncated message, a capture of something else. */
export class InputError extends NftlinkError {
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  constructor(message: string, offset = 0) {
    super('ERR_NFTLINK_INPUT', message);
    this.offset = offset;
  }
}

function fail(msg: string, offset = 0): never {
  throw new InputError(msg, offset);
}

// --- input ------------------------------------------------------------------------------

/** Which form the input is in: capture files by their magic number, text by its look. */
export function detectFormat(data: Uint8Array): InputFormat {
  if (data.length >= 4) {
    const m = (data[0]! << 24 | data[1]! << 16 | data[2]! << 8 | data[3]!) >>> 0;
    if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'pcap';
    if (m === 0x0a0d0d0a) return 'pcapng';
  }
  const text = Buffer.from(data.subarray(0, 65536)).toString('latin1');
  if (/\|\s*message length\s*\|/.test(text)) return 'mnl';
  return 'hex';
}

/** Parses input of any supported form into datagrams. */
export function parseInput(data: Uint8Array, format: InputFormat = detectFormat(data)): Datagram[] {
  switch (format) {
    case 'pcap': return parsePcap(data);
    case 'pcapng': return parsePcapng(data);
    case 'mnl': return parseMnlDump(Buffer.from(data).toString('utf8'));
    case 'hex': return [{ bytes: parseHex(Buffer.from(data).toString('latin1')) }];
  }
}

/**
 * Plain hex: whitespace, colons, commas and `0x` prefixes are ignored; the
 * digits must come in pairs.
 */
export function parseHex(text: string): Uint8Array {
  const cleaned = text.replace(/0x/gi, '').replace(/[\s:,]/g, '');
  if (cleaned.length === 0) fail('no input: expected hex digits, an `nft --debug=mnl` dump or a pcap file');
  const bad = /[^0-9a-fA-F]/.exec(cleaned);
  if (bad) {
    const c = bad[0].charCodeAt(0);
    const shown = c >= 0x20 && c < 0x7f ? `'${bad[0]}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    fail(`not hex: ${shown} at position ${bad.index} of the digits (expected hex digits, an \`nft --debug=mnl\` dump or a pcap file)`);
  }
  if (cleaned.length % 2) fail(`odd number of hex digits (${cleaned.length}): the last byte is incomplete`);
  return Buffer.from(cleaned, 'hex');
}

const MNL_FLAGS: Record<string, number> = { R: 0x1, M: 0x2, A: 0x4, E: 0x8 };

/**
 * The dump libmnl prints for `nft --debug=mnl`: header fields in decimal,
 * then 4-byte lines of hex (attribute headers as len|flags|type). Other
 * lines (nft's own output) are skipped. libmnl only shows the R/M/A/E flags,
 * so the others (CREATE, APPEND …) cannot be recovered.
 */
export function parseMnlDump(text: string): Datagram[] {
  const msgs: { len: number; chunks: number[]; line: number }[] = [];
  let cur: { len: number; chunks: number[]; line: number } | undefined;
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const u32le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^\|\s*(\d+)\s*\|\s*\|\s*message length\s*\|/.exec(line))) {
      cur = { len: Number(m[1]), chunks: u32le(Number(m[1])), line: i + 1 };
      msgs.push(cur);
    } else if (!cur) {
      // Not in a message yet: nft's own output.
    } else if ((m = /^\|\s*(\d+)\s*\|\s*([RMAE-]{4})\s*\|\s*\|\s*type\s*\|\s*flags\s*\|/.exec(line))) {
      let flags = 0;
      for (const ch of m[2]!) flags |= MNL_FLAGS[ch] ?? 0;
      const t = Number(m[1]);
      cur.chunks.push(t & 0xff, (t >> 8) & 0xff, flags & 0xff, (flags >> 8) & 0xff);
    } else if ((m = /^\|\s*(\d+)\s*\|\s*\|\s*(sequence number|port ID)\s*\|/.exec(line))) {
      cur.chunks.push(...u32le(Number(m[1])));
    } else if ((m = /^\|\s*([0-9a-f]{2}) ([0-9a-f]{2}) ([0-9a-f]{2}) ([0-9a-f]{2})\s*\|\s*\|\s*(extra header|data)\s*\|/i.exec(line))) {
      for (let k = 1; k <= 4; k++) cur.chunks.push(parseInt(m[k]!, 16));
    } else if ((m = /^\|(\d+)\|([N-])([B-])\|(\d+)\|\s*\|len\s*\|flags\|\s*type\|/.exec(line))) {
      const len = Number(m[1]);
      const type = Number(m[4]) | (m[2] === 'N' ? NLA_F_NESTED : 0) | (m[3] === 'B' ? NLA_F_NET_BYTEORDER : 0);
      cur.chunks.push(len & 0xff, (len >> 8) & 0xff, type & 0xff, (type >> 8) & 0xff);
    }
  });
  if (msgs.length === 0) fail('no netlink message found in the `nft --debug=mnl` dump');
  const out: Datagram[] = [];
  for (const [i, m] of msgs.entries()) {
    const want = (m.len + 3) & ~3;
    if (m.chunks.length < m.len) {
      fail(`mnl dump: message ${i + 1} (line ${m.line}) says ${m.len} bytes but the dump holds ${m.chunks.length}: truncated`);
    }
    out.push({
      bytes: Uint8Array.from(m.chunks.slice(0, Math.max(m.len, Math.min(want, m.chunks.length)))),
      label: `line ${m.line}`,
      note: 'from an mnl dump: only the R/M/A/E message flags are recorded',
    });
  }
  return out;
}

function cooked(data: Uint8Array, p: number, len: number): Pick<Datagram, 'bytes' | 'direction' | 'protocol'> {
  // LINKTYPE_NETLINK: 2 bytes packet type, 2 bytes ARPHRD_NETLINK, 10 unused, 2 bytes protocol (big-endian).
  if (len >= 16 && beU16(data, p + 2) === ARPHRD_NETLINK) {
    const pkttype = beU16(data, p);
    const out: Pick<Datagram, 'bytes' | 'direction' | 'protocol'> = {
      bytes: data.subarray(p + 16, p + len),
      protocol: beU16(data, p + 14),
    };
    // nlmon marks what goes to the kernel PACKET_KERNEL (7) and what goes to a socket PACKET_USER (6).
    if (pkttype === 7 || pkttype === 4) out.direction = 'to kernel';
    else if (pkttype === 6 || pkttype === 0) out.direction = 'to user';
    return out;
  }
  return { bytes: data.subarray(p, p + len) };
}

export function parsePcap(data: Uint8Array): Datagram[] {
  if (data.length < 24) fail(`pcap file too short for its header (${data.length} bytes)`);
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linktype = u32(20) & 0x0fffffff;
  if (linktype !== LINKTYPE_NETLINK) fail(`pcap link type ${linktype} is not NETLINK (${LINKTYPE_NETLINK}): capture on an nlmon device`);
  const out: Datagram[] = [];
  let p = 24;
  let n = 0;
  while (p < b.length) {
    n++;
    if (b.length - p < 16) fail(`pcap packet ${n}: record header truncated`, p);
    const sec = u32(p);
    const frac = u32(p + 4);
    const incl = u32(p + 8);
    const orig = u32(p + 12);
    p += 16;
    if (p + incl > b.length) fail(`pcap packet ${n}: ${incl} bytes announced, ${b.length - p} present: truncated file`, p);
    const d: Datagram = { ...cooked(data, p, incl), time: sec + frac / (nano ? 1e9 : 1e6), label: `packet ${n}` };
    if (incl < orig) d.note = `captured ${incl} of ${orig} bytes (snaplen)`;
    out.push(d);
    p += incl;
  }
  return out;
}

export function parsePcapng(data: Uint8Array): Datagram[] {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let le = true;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const linktypes: number[] = [];
  const out: Datagram[] = [];
  let p = 0;
  let n = 0;
  while (p < b.length) {
    if (b.length - p < 12) fail('pcapng block header truncated', p);
    const type = b.readUInt32LE(p);
    if (type === 0x0a0d0d0a) {
      const bom = b.readUInt32LE(p + 8);
      le = bom === 0x1a2b3c4d;
      linktypes.length = 0;
    }
    const len = u32(p + 4);
    if (len < 12 || p + len > b.length) fail(`pcapng block of ${len} bytes runs past the file`, p);
    const body = p + 8;
    if (type === 1) {
      linktypes.push(u16(body));
    } else if (type === 6 || type === 3) {
      n++;
      const iface = type === 6 ? u32(body) : 0;
      const lt = linktypes[iface];
      if (lt !== LINKTYPE_NETLINK) fail(`pcapng packet ${n}: link type ${lt ?? 'unknown'} is not NETLINK (${LINKTYPE_NETLINK})`, p);
      const caplen = type === 6 ? u32(body + 12) : Math.min(u32(body), len - 16);
      const start = type === 6 ? body + 20 : body + 4;
      if (start + caplen > p + len) fail(`pcapng packet ${n}: captured length runs past its block`, p);
      const d: Datagram = { ...cooked(data, start, caplen), label: `packet ${n}` };
      if (type === 6) {
        const ts = u32(body + 4) * 2 ** 32 + u32(body + 8);
        d.time = ts / 1e6;
      }
      out.push(d);
    }
    p += len;
  }
  return out;
}

// --- the tree --------------------------------------------------------------------------

const BASE_FLAGS: [number, string][] = [[0x1, 'REQUEST'], [0x2, 'MULTI'], [0x4, 'ACK'], [0x8, 'ECHO'], [0x10, 'DUMP_INTR'], [0x20, 'DUMP_FILTERED']];
const NEW_FLAGS: [number, string][] = [[0x100, 'REPLACE'], [0x200, 'EXCL'], [0x400, 'CREATE'], [0x800, 'APPEND']];
const GET_FLAGS: [number, string][] = [[0x100, 'ROOT'], [0x200, 'MATCH']];
const DEL_FLAGS: [number, string][] = [[0x100, 'NONREC']];
const ERR_FLAGS: [number, string][] = [[0x100, 'CAPPED'], [0x200, 'ACK_TLVS']];

export function flagNames(type: number, flags: number): string {
  const msg = nftMsg(type);
  const name = msg >= 0 ? NFT_MSG_NAMES[msg] ?? '' : '';
  let extra: [number, string][] = [];
  if (type === NLMSG_ERROR) extra = ERR_FLAGS;
  else if (name.startsWith('NEW')) extra = NEW_FLAGS;
  else if (name.startsWith('GET')) extra = GET_FLAGS;
  else if (name.startsWith('DEL') || name.startsWith('DESTROY')) extra = DEL_FLAGS;
  const out: string[] = [];
  let rest = flags;
  for (const [bit, n] of [...BASE_FLAGS, ...extra]) {
    if (flags & bit) {
      out.push(n);
      rest &= ~bit;
    }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out.join('|') || '0';
}

export function messageName(type: number, protocol = NETLINK_NETFILTER): string {
  if (type === NLMSG_NOOP) return 'NLMSG_NOOP';
  if (type === NLMSG_ERROR) return 'NLMSG_ERROR';
  if (type === NLMSG_DONE) return 'NLMSG_DONE';
  if (type === NLMSG_OVERRUN) return 'NLMSG_OVERRUN';
  if (protocol !== NETLINK_NETFILTER) return `type ${type}`;
  if (type === 0x10) return 'NFNL_MSG_BATCH_BEGIN';
  if (type === 0x11) return 'NFNL_MSG_BATCH_END';
  const msg = nftMsg(type);
  if (msg >= 0) return `NFT_MSG_${NFT_MSG_NAMES[msg] ?? msg}`;
  return `subsystem ${type >> 8} message ${type & 0xff}`;
}

function hex16(v: number): string {
  return `0x${v.toString(16).padStart(4, '0')}`;
}

function printable(b: Uint8Array): string | undefined {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  if (end === 0) return undefined;
  for (let i = 0; i < end; i++) if (b[i]! < 0x20 || b[i]! >= 0x7f) return undefined;
  return Buffer.from(b.subarray(0, end)).toString('latin1');
}

function scalar(kind: AttrKind, buf: Uint8Array, s: number, len: number): string {
  const bytes = buf.subarray(s, s + len);
  const wrong = (n: number): string => `${toHex(bytes)} (expected ${n} bytes)`;
  switch (kind) {
    case 'str': return JSON.stringify(readCString(buf, s, s + len));
    case 'u8': return len >= 1 ? `${buf[s]}` : wrong(1);
    case 'u16': return len >= 2 ? `${beU16(buf, s)}` : wrong(2);
    case 'u32': {
      if (len < 4) return wrong(4);
      const v = beU32(buf, s);
      return v > 9 ? `${v} (0x${v.toString(16)})` : `${v}`;
    }
    case 'i32': return len >= 4 ? `${beU32(buf, s) | 0}` : wrong(4);
    case 'u32host': return len >= 4 ? `${hostU32(buf, s)} (host order)` : wrong(4);
    case 'u64': return len >= 8 ? `${beU64(buf, s)}` : wrong(8);
    case 'flag': return len ? toHex(bytes) : '(flag)';
    default: {
      if (len === 0) return '(empty)';
      const text = printable(bytes);
      return `${toHex(bytes)}${text !== undefined ? `  ${JSON.stringify(text)}` : ''}`;
    }
  }
}

interface Walk {
  lines: string[];
  errors: string[];
}

/**
 * The attribute header at p, or undefined when it does not fit in [p, end)
 * (the damage is then reported in the walk and the caller stops there).
 */
function attrHeader(w: Walk, buf: Uint8Array, p: number, end: number, indent: string, where: string): { len: number; type: number; flagText: string } | undefined {
  if (end - p < 4) {
    w.lines.push(`${indent}!! ${end - p} stray bytes: ${toHex(buf.subarray(p, end))}`);
    w.errors.push(`${where}: ${end - p} stray bytes at offset ${p}`);
    return undefined;
  }
  const len = hostU16(buf, p);
  const rawType = hostU16(buf, p + 2);
  const type = rawType & NLA_TYPE_MASK;
  if (len < 4 || p + len > end) {
    w.lines.push(`${indent}!! attribute type ${type} with length ${len} runs past its parent (${end - p} bytes left)`);
    w.errors.push(`${where}: attribute type ${type} at offset ${p} has length ${len}, but only ${end - p} bytes are left`);
    return undefined;
  }
  return { len, type, flagText: `${rawType & NLA_F_NESTED ? ' N' : ''}${rawType & NLA_F_NET_BYTEORDER ? ' B' : ''}` };
}

function attrs(w: Walk, buf: Uint8Array, start: number, end: number, schema: Schema | undefined, indent: string, where: string, parent?: string): void {
  let p = start;
  while (p < end) {
    const h = attrHeader(w, buf, p, end, indent, where);
    if (!h) return;
    const { len, type, flagText } = h;
    const spec = schema?.[type];
    let name = spec?.name;
    let kind: AttrKind | undefined = spec?.kind;
    if (!spec && parent && /_DEVS$/.test(parent) && type === 1) {
      name = 'NFTA_DEVICE_NAME';
      kind = 'str';
    }
    const head = `${indent}${name ?? `attribute ${type} (not in the schema)`} (${type}${flagText}) len ${len}`;
    const s = p + 4;
    const e = p + len;
    if (kind === undefined) {
      w.lines.push(`${head}: ${scalar('bin', buf, s, len - 4)}`);
    } else if (typeof kind === 'string') {
      w.lines.push(`${head}: ${scalar(kind, buf, s, len - 4)}`);
    } else if ('nest' in kind) {
      if (kind.nest === 'expr') {
        w.lines.push(`${head}${exprSummary(buf, s, e)}`);
        expr(w, buf, s, e, `${indent}  `, `${where} > ${name}`);
      } else {
        w.lines.push(head);
        attrs(w, buf, s, e, getSchema(kind.nest), `${indent}  `, `${where} > ${name}`, name);
      }
    } else if ('list' in kind) {
      w.lines.push(head);
      list(w, buf, s, e, kind.list, `${indent}  `, `${where} > ${name}`);
    } else if ('nestBy' in kind) {
      // The nest's schema depends on a sibling (an object's type picks its data's attributes).
      const sel = siblingValue(buf, start, end, kind.nestBy.attr);
      const sub = sel === undefined ? undefined : kind.nestBy.schemas[sel];
      w.lines.push(head);
      attrs(w, buf, s, e, sub ? getSchema(sub) : undefined, `${indent}  `, `${where} > ${name}`, name);
    } else {
      w.lines.push(head);
      const inner = kind.repeat;
      let q = s;
      let i = 0;
      while (q + 4 <= e) {
        const l = hostU16(buf, q);
        if (l < 4 || q + l > e) break;
        const t = hostU16(buf, q + 2) & NLA_TYPE_MASK;
        const n = /_DEVS$/.test(name ?? '') && t === 1 ? 'NFTA_DEVICE_NAME' : 'NFTA_LIST_ELEM';
        w.lines.push(`${indent}  [${i++}] ${n} (${t}) len ${l}: ${typeof inner === 'string' ? scalar(inner as AttrKind, buf, q + 4, l - 4) : toHex(buf.subarray(q + 4, q + l))}`);
        q += (l + 3) & ~3;
      }
    }
    p += (len + 3) & ~3;
  }
}

function exprSummary(buf: Uint8Array, s: number, e: number): string {
  try {
    return `  => ${formatExpr(decodeExpr(buf, s, e, []))}`;
  } catch (err) {
    return `  => (expression does not decode: ${(err as Error).message})`;
  }
}

/** An expression's NAME and DATA; DATA follows the schema its name selects. */
function expr(w: Walk, buf: Uint8Array, s: number, e: number, indent: string, where: string): void {
  let name: string | undefined;
  let q = s;
  while (q + 4 <= e) {
    const l = hostU16(buf, q);
    if (l < 4 || q + l > e) break;
    if ((hostU16(buf, q + 2) & NLA_TYPE_MASK) === 1) name = readCString(buf, q + 4, q + l);
    q += (l + 3) & ~3;
  }
  const dataSchema = name !== undefined ? getExprSchema(name) : undefined;
  let p = s;
  while (p < e) {
    const h = attrHeader(w, buf, p, e, indent, where);
    if (!h) return;
    const { len: l, type: t, flagText: ft } = h;
    if (t === 1) {
      w.lines.push(`${indent}NFTA_EXPR_NAME (1${ft}) len ${l}: ${scalar('str', buf, p + 4, l - 4)}`);
    } else if (t === 2) {
      w.lines.push(`${indent}NFTA_EXPR_DATA (2${ft}) len ${l}${dataSchema ? '' : ` (no schema for expression ${JSON.stringify(name ?? '?')})`}`);
      attrs(w, buf, p + 4, p + l, dataSchema, `${indent}  `, `${where} > ${name ?? 'expression'}`);
    } else {
      w.lines.push(`${indent}attribute ${t} (not in the schema) (${t}${ft}) len ${l}: ${scalar('bin', buf, p + 4, l - 4)}`);
    }
    p += (l + 3) & ~3;
  }
}

function list(w: Walk, buf: Uint8Array, s: number, e: number, elem: string, indent: string, where: string): void {
  let p = s;
  let i = 0;
  while (p < e) {
    if (e - p < 4) {
      w.lines.push(`${indent}!! ${e - p} stray bytes: ${toHex(buf.subarray(p, e))}`);
      w.errors.push(`${where}: ${e - p} stray bytes at offset ${p}`);
      return;
    }
    const l = hostU16(buf, p);
    const raw = hostU16(buf, p + 2);
    const t = raw & NLA_TYPE_MASK;
    if (l < 4 || p + l > e) {
      w.lines.push(`${indent}!! list element ${i} with length ${l} runs past its parent (${e - p} bytes left)`);
      w.errors.push(`${where}: list element ${i} at offset ${p} has length ${l}, but only ${e - p} bytes are left`);
      return;
    }
    // The kernel reads list elements whatever their type; only 1 is NFTA_LIST_ELEM (nft numbers set elements 1, 2, 3 …).
    const head = `${indent}[${i}] ${t === 1 ? 'NFTA_LIST_ELEM' : 'list element'} (${t}${raw & NLA_F_NESTED ? ' N' : ''}) len ${l}`;
    if (elem === 'expr') {
      w.lines.push(`${head}${exprSummary(buf, p + 4, p + l)}`);
      expr(w, buf, p + 4, p + l, `${indent}  `, `${where} #${i}`);
    } else {
      w.lines.push(head);
      attrs(w, buf, p + 4, p + l, getSchema(elem), `${indent}  `, `${where} #${i}`);
    }
    p += (l + 3) & ~3;
    i++;
  }
}

export interface DecodeResult {
  text: string;
  /** Problems found inside messages (attributes that run past their parent …). */
  errors: string[];
  messages: number;
}

/** Annotates one message. */
export function describeMessage(m: MessageView, protocol = NETLINK_NETFILTER, index?: number): DecodeResult {
  const w: Walk = { lines: [], errors: [] };
  const len = m.end - m.start;
  const title = `${index !== undefined ? `message ${index}: ` : ''}${messageName(m.type, protocol)}`;
  w.lines.push(`${title}  len ${len}  type ${hex16(m.type)}  flags ${hex16(m.flags)} (${flagNames(m.type, m.flags)})  seq ${m.seq}  pid ${m.pid}`);
  const where = title;
  if (m.type === NLMSG_ERROR) {
    try {
      const e = decodeError(m);
      w.lines.push(`  error: ${e.errno === 0 ? '0 (ack)' : `-${e.errno} ${errnoName(e.errno)}`}`);
      w.lines.push(`  request: ${messageName(e.request.type, protocol)}  len ${e.request.len}  flags ${hex16(e.request.flags)} (${flagNames(e.request.type, e.request.flags)})  seq ${e.request.seq}  pid ${e.request.pid}`);
      if (e.message !== undefined) w.lines.push(`  NLMSGERR_ATTR_MSG: ${JSON.stringify(e.message)}`);
      if (e.offset !== undefined) {
        let at = '';
        // Without NLM_F_CAPPED the request is echoed whole: name the attribute the offset points at.
        if (!(m.flags & 0x100)) {
          const reqStart = m.start + NLMSG_HDRLEN + 4;
          const path = attributePath(m.buf, reqStart, Math.min(m.end, reqStart + e.request.len), e.offset);
          if (path.length) at = ` (${formatPath(path)})`;
        }
        w.lines.push(`  NLMSGERR_ATTR_OFFS: ${e.offset}${at}`);
      }
      if (e.missingType !== undefined) w.lines.push(`  NLMSGERR_ATTR_MISS_TYPE: ${e.missingType}`);
      if (e.missingNest !== undefined) w.lines.push(`  NLMSGERR_ATTR_MISS_NEST: ${e.missingNest}`);
    } catch (err) {
      w.lines.push(`  !! ${(err as Error).message}`);
      w.errors.push(`${where}: ${(err as Error).message}`);
    }
    return { text: w.lines.join('\n'), errors: w.errors, messages: 1 };
  }
  if (m.type === NLMSG_DONE) {
    if (len >= NLMSG_HDRLEN + 4) w.lines.push(`  status: ${hostU32(m.buf, m.start + NLMSG_HDRLEN) | 0}`);
    return { text: w.lines.join('\n'), errors: w.errors, messages: 1 };
  }
  if (protocol !== NETLINK_NETFILTER || m.type < 0x10) {
    if (len > NLMSG_HDRLEN) w.lines.push(`  payload: ${toHex(m.buf.subarray(m.start + NLMSG_HDRLEN, m.end))}`);
    return { text: w.lines.join('\n'), errors: w.errors, messages: 1 };
  }
  if (len < NLMSG_HDRLEN + 4) {
    w.lines.push(`  !! too short for nfgenmsg (${len - NLMSG_HDRLEN} bytes after the header)`);
    w.errors.push(`${where}: too short for nfgenmsg`);
    return { text: w.lines.join('\n'), errors: w.errors, messages: 1 };
  }
  const p = m.start + NLMSG_HDRLEN;
  const fam = m.buf[p]!;
  const resId = beU16(m.buf, p + 2);
  const batch = m.type === 0x10 || m.type === 0x11;
  w.lines.push(`  nfgenmsg: family ${fam === 0 ? 'unspec' : familyName(fam)} (${fam})  version ${m.buf[p + 1]}  res_id ${resId}${batch ? (resId === 10 ? ' (subsystem NFTABLES)' : '') : ''}`);
  const schemaName = schemaForMessage(m.type);
  const schema = schemaName ? getSchema(schemaName) : undefined;
  attrs(w, m.buf, p + 4, m.end, schema, '  ', where);
  if (!batch && w.errors.length === 0) {
    let body: string | undefined;
    try {
      if (nftMsg(m.type) === NFT_MSG_TRACE) {
        const t = decodeTrace(m);
        const pk = describePacket(decodePacket(t));
        body = `trace id ${t.id.toString(16).padStart(8, '0')} ${t.family} ${t.table ?? ''} ${t.chain ?? ''} ${t.type}${pk ? ` packet: ${pk}` : ''}`;
      } else {
        body = formatMessageBody(m);
      }
    } catch (err) {
      body = `(does not decode: ${(err as Error).message})`;
    }
    if (body) {
      w.lines.push('  libnftnl:');
      for (const l of body.split('\n')) w.lines.push(`    ${l}`);
    }
  }
  return { text: w.lines.join('\n'), errors: w.errors, messages: 1 };
}

/**
 * Annotates every message of every datagram. Throws a DecodeError when the
 * messages themselves do not parse (a length running past the data);
 * problems inside a message are marked in the text and listed in `errors`.
 */
export function describeDatagrams(datagrams: Datagram[]): DecodeResult {
  const out: string[] = [];
  const errors: string[] = [];
  let n = 0;
  for (const [i, d] of datagrams.entries()) {
    if (datagrams.length > 1 || d.direction || d.note) {
      const parts = [d.label ?? `datagram ${i + 1}`, `${d.bytes.length} bytes`];
      if (d.direction) parts.push(d.direction);
      if (d.protocol !== undefined && d.protocol !== NETLINK_NETFILTER) parts.push(`netlink protocol ${d.protocol}`);
      if (d.time !== undefined) parts.push(new Date(d.time * 1000).toISOString());
      out.push(`# ${parts.join(', ')}${d.note ? ` (${d.note})` : ''}`);
    }
    let msgs: MessageView[];
    try {
      msgs = parseMessages(d.bytes, 0, d.bytes.length);
    } catch (e) {
      if (e instanceof DecodeError) {
        const where = datagrams.length > 1 ? `${d.label ?? `datagram ${i + 1}`}: ` : '';
        const what = e.message.replace(/^nlmsghdr: /, '').replace(/ \(at byte \d+\)$/, '');
        throw new InputError(`${where}${what} at byte ${e.offset}: truncated, or not netlink messages`, e.offset);
      }
      throw e;
    }
    if (msgs.length === 0) throw new InputError(`${d.label ?? 'input'}: no netlink message (${d.bytes.length} bytes)`, 0);
    for (const m of msgs) {
      n++;
      const r = describeMessage(m, d.protocol ?? NETLINK_NETFILTER, n);
      out.push(r.text);
      errors.push(...r.errors);
    }
  }
  return { text: out.join('\n'), errors, messages: n };
}
