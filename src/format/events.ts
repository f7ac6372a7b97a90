// Human-readable lines for monitor events and packet traces, as the CLI
// prints them. Objects are shown with libnftnl's expression text so a rule
// reads the same as under `nft --debug=netlink`.

import { NLM_F_APPEND } from '../netlink/constants.js';
import type { ChangeEvent, GenerationEvent, MonitorEvent, TransactionEvent } from '../client/monitor.js';
import type { TraceOutput, TraceRecord, TraceStep } from '../client/trace.js';
import type { Chain } from '../nftables/chain.js';
import type { ChangeKind, RawObject } from '../nftables/events.js';
import { isRawObject } from '../nftables/events.js';
import { formatExpr } from '../nftables/expr/index.js';
import type { Rule } from '../nftables/rule.js';
import type { Table } from '../nftables/table.js';
import type { PacketInfo } from '../nftables/trace.js';
import { NFT_MSG_NAMES } from '../nftables/constants.js';
import type { Verdict } from '../nftables/data.js';
import type { ElementList, SetElement } from '../nftables/element.js';
import type { Flowtable } from '../nftables/flowtable.js';
import type { NftObject } from '../nftables/object.js';
import type { NftSet, SetRef } from '../nftables/set.js';
import { formatObjectData } from './object.js';
import { formatWords } from './set.js';

type ObjectFormatter = (o: unknown) => string;
const formatters = new Map<ChangeKind, ObjectFormatter>();

/** Registers how an object of one kind is described after `add KIND` / `delete KIND`. */
export function registerChangeFormatter(kind: ChangeKind, fn: ObjectFormatter): void {
  formatters.set(kind, fn);
}

function quote(s: string): string {
  return JSON.stringify(s);
}

export function describeTable(t: Table): string {
  let s = `${t.family} ${t.name}`;
  if (t.handle !== undefined) s += ` handle ${t.handle}`;
  if (t.flags?.length) s += ` flags ${t.flags.join(',')}`;
  if (t.owner !== undefined) s += ` owner ${t.owner}`;
  if (t.comment !== undefined) s += ` comment ${quote(t.comment)}`;
  return s;
}

export function describeChain(c: Chain): string {
  let s = `${c.family} ${c.table} ${c.name}`;
  if (c.handle !== undefined) s += ` handle ${c.handle}`;
  if (c.hook) {
    s += ` type ${c.hook.type ?? 'filter'} hook ${c.hook.hook}`;
    if (c.hook.device) s += ` device ${c.hook.device}`;
    if (c.hook.devices) s += ` devices { ${c.hook.devices.join(', ')} }`;
    s += ` priority ${c.hook.priority}`;
  }
  if (c.policy) s += ` policy ${c.policy}`;
  if (c.comment !== undefined) s += ` comment ${quote(c.comment)}`;
  return s;
}

/** A rule on one line: its place, then each expression in libnftnl's words. */
export function describeRule(r: Rule): string {
  let s = `${r.family} ${r.table} ${r.chain}`;
  if (r.handle !== undefined) s += ` handle ${r.handle}`;
  if (r.position !== undefined) s += ` position ${r.position}`;
  if (r.exprs.length) s += ` ${r.exprs.map((e) => formatExpr(e)).join(' ')}`;
  if (r.comment !== undefined) s += ` comment ${quote(r.comment)}`;
  return s;
}

function describeRaw(o: RawObject): string {
  const type = o.raw.length >= 6 ? (o.raw[4]! | (o.raw[5]! << 8)) & 0xff : -1;
  return `${o.family} (${NFT_MSG_NAMES[type] ?? 'message'} of ${o.raw.length} bytes, not decoded${o.decodeError ? `: ${o.decodeError}` : ''})`;
}

function typeText(t: unknown): string {
  if (typeof t === 'string') return t;
  if (typeof t === 'number') return `type ${t}`;
  if (Array.isArray(t)) return t.map(typeText).join(' . ');
  if (t && typeof t === 'object' && 'type' in t) return String((t as { type: unknown }).type);
  return String(t);
}

export function describeSet(x: NftSet | SetRef): string {
  let s = `${x.family} ${x.table} ${x.name ?? ''}`;
  if (x.handle !== undefined) s += ` handle ${x.handle}`;
  if (!('keyType' in x)) return s;
  s += ` type ${typeText(x.keyType)}`;
  if (x.dataType !== undefined) s += ` : ${typeText(x.dataType)}`;
  if (x.objectType !== undefined) s += ` : ${typeText(x.objectType)}`;
  if (x.flags?.length) s += ` flags ${x.flags.join(',')}`;
  if (x.timeout !== undefined) s += ` timeout ${x.timeout}ms`;
  if (x.comment !== undefined) s += ` comment ${quote(x.comment)}`;
  return s;
}

function elementText(e: SetElement): string {
  if (e.catchAll) return '*' + elementData(e);
  let s = e.key instanceof Uint8Array ? formatWords(e.key).trim() : JSON.stringify(e.key);
  if (e.keyEnd !== undefined) s += `-${e.keyEnd instanceof Uint8Array ? formatWords(e.keyEnd).trim() : JSON.stringify(e.keyEnd)}`;
  if (e.intervalEnd) s += ' (interval end)';
  if (e.timeout !== undefined) s += ` timeout ${e.timeout}ms`;
  if (e.comment !== undefined) s += ` comment ${quote(e.comment)}`;
  return s + elementData(e);
}

function elementData(e: SetElement): string {
  const d = e.data;
  if (d === undefined) return e.object !== undefined ? ` : ${quote(e.object)}` : '';
  if (d instanceof Uint8Array) return ` : ${formatWords(d).trim()}`;
  if (typeof d === 'object' && d !== null && 'verdict' in d) {
    const v = d as Verdict;
    return ` : ${v.verdict}${v.chain !== undefined ? ` ${v.chain}` : ''}`;
  }
  return ` : ${JSON.stringify(d)}`;
}

export function describeElements(l: ElementList): string {
  return `${l.family} ${l.table} ${l.set} { ${l.elements.map(elementText).join(', ')} }`;
}

export function describeObject(o: NftObject): string {
  let s = `${o.type === 'unknown' ? `type ${o.typeId}` : o.type} ${o.family} ${o.table} ${o.name}`;
  if (o.handle !== undefined) s += ` handle ${o.handle}`;
  const data = formatObjectData(o).trim();
  if (data) s += ` [ ${data} ]`;
  if (o.comment !== undefined) s += ` comment ${quote(o.comment)}`;
  return s;
}

export function describeFlowtable(f: Flowtable): string {
  let s = `${f.family} ${f.table} ${f.name}`;
  if (f.handle !== undefined) s += ` handle ${f.handle}`;
  if (f.hook !== undefined) s += ` hook ${f.hook}`;
  if (f.priority !== undefined) s += ` priority ${f.priority}`;
  if (f.devices?.length) s += ` devices { ${f.devices.join(', ')} }`;
  if (f.flags?.length) s += ` flags ${f.flags.join(',')}`;
  return s;
}

registerChangeFormatter('table', (o) => describeTable(o as Table));
registerChangeFormatter('chain', (o) => describeChain(o as Chain));
registerChangeFormatter('rule', (o) => describeRule(o as Rule));
registerChangeFormatter('set', (o) => describeSet(o as NftSet | SetRef));
registerChangeFormatter('element', (o) => describeElements(o as ElementList));
registerChangeFormatter('object', (o) => describeObject(o as NftObject));
registerChangeFormatter('flowtable', (o) => describeFlowtable(o as Flowtable));

/** `add rule ip t c handle 4 …` (`insert` for a rule added without NLM_F_APPEND, as nft monitor says). */
export function formatChange(c: ChangeEvent): string {
  let verb: string = c.type;
  if (c.kind === 'rule' && c.type === 'add' && !(c.flags & NLM_F_APPEND)) verb = 'insert';
  const body = isRawObject(c.object) ? describeRaw(c.object) : (formatters.get(c.kind) ?? ((x) => JSON.stringify(x)))(c.object);
  return `${verb} ${c.kind} ${body}`;
}

function author(e: GenerationEvent | TransactionEvent): string {
  const who = e.process ? `process ${e.process.pid} (${e.process.name})` : 'unknown process';
  return `generation ${e.generation} by ${who}, port ${e.portId}`;
}

function describeSnapshot(s: unknown): string {
  const o = s as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of ['tables', 'chains', 'rules', 'sets', 'elements', 'objects', 'flowtables']) {
    const v = o[k];
    if (Array.isArray(v)) parts.push(`${v.length} ${k}`);
  }
  if (o['table'] !== undefined || 'table' in o) parts.unshift(o['table'] ? `table ${(o['table'] as Table).family} ${(o['table'] as Table).name}` : 'no table');
  return parts.join(', ');
}

/** One or more lines for a monitor event. */
export function formatMonitorEvent(e: MonitorEvent | TransactionEvent): string {
  switch (e.type) {
    case 'generation':
      return `# new ${author(e)}`;
    case 'transaction':
      return [`# ${author(e)}: ${e.changes.length} change${e.changes.length === 1 ? '' : 's'}`, ...e.changes.map((c) => `  ${formatChange(c)}`)].join('\n');
    case 'overrun':
      return `# events were lost (receive queue overflow; ${e.discarded} queued changes discarded): snapshot at generation ${e.generation}: ${describeSnapshot(e.snapshot)}`;
    case 'snapshot':
      return `# snapshot at generation ${e.generation}: ${describeSnapshot(e.snapshot)}`;
    default:
      return formatChange(e);
  }
}

// --- traces --------------------------------------------------------------------------

export function describePacket(p: PacketInfo): string {
  const parts: string[] = [];
  if (p.ll) parts.push(`ether saddr ${p.ll.saddr} daddr ${p.ll.daddr} type 0x${p.ll.type.toString(16).padStart(4, '0')}${p.ll.vlan !== undefined ? ` vlan ${p.ll.vlan}` : ''}`);
  const n = p.network;
  if (n) {
    let s = `${n.protocol} saddr ${n.saddr} daddr ${n.daddr}`;
    if (n.protocol === 'ip') s += ` id ${n.id} ttl ${n.ttl}`;
    else s += ` hoplimit ${n.ttl} flowlabel ${n.flowLabel}`;
    s += ` length ${n.length}`;
    if (n.dscp) s += ` dscp ${n.dscp}`;
    if (n.ecn) s += ` ecn ${n.ecn}`;
    if (!p.transport) s += ` protocol ${n.l4protoName ?? n.l4proto}`;
    parts.push(s);
  }
  const t = p.transport;
  if (t) {
    let s = t.protocol;
    if (t.sport !== undefined) s += ` sport ${t.sport} dport ${t.dport}`;
    if (t.flags) s += ` flags ${t.flags.length ? t.flags.join(',') : 'none'}`;
    if (t.seq !== undefined) s += ` seq ${t.seq}`;
    if (t.ack !== undefined && t.flags?.includes('ack')) s += ` ack ${t.ack}`;
    if (t.window !== undefined) s += ` window ${t.window}`;
    if (t.length !== undefined) s += ` length ${t.length}`;
    if (t.icmpType !== undefined) s += ` type ${t.icmpTypeName ?? t.icmpType} code ${t.icmpCode}`;
    if (t.icmpId !== undefined) s += ` id ${t.icmpId} sequence ${t.icmpSeq}`;
    parts.push(s);
  }
  return parts.join(' ');
}

function describeStep(s: TraceStep): string {
  let line = `${s.family} ${s.table ?? '?'} ${s.chain ?? '?'}`;
  switch (s.type) {
    case 'rule':
    case 'return':
      line += s.type === 'return' ? ' return' : ' rule';
      if (s.handle !== undefined) line += ` handle ${s.handle}`;
      if (s.ruleText !== undefined) line += `: ${s.ruleText}`;
      if (s.verdict) line += ` (verdict ${s.verdict.verdict}${s.verdict.chain ? ` ${s.verdict.chain}` : ''})`;
      break;
    case 'policy':
      line += ` policy ${s.policy}`;
      break;
    default:
      line += ` ${s.type}`;
  }
  if (s.mark !== undefined) line += ` mark 0x${s.mark.toString(16).padStart(8, '0')}`;
  return line;
}

/** A trace record: a header line for the packet, then one line per step. */
export function formatTrace(e: TraceOutput): string {
  if (e.type === 'overrun') return '# trace events were lost (receive queue overflow)';
  const r: TraceRecord = e;
  let head = `trace id ${r.id.toString(16).padStart(8, '0')} ${r.family}`;
  const ifs: string[] = [];
  if (r.iif) ifs.push(`iif ${r.iif.name !== undefined ? quote(r.iif.name) : r.iif.index}`);
  if (r.oif) ifs.push(`oif ${r.oif.name !== undefined ? quote(r.oif.name) : r.oif.index}`);
  head += ` packet: ${[...ifs, describePacket(r.packet)].filter(Boolean).join(' ')}`;
  if (r.mark !== undefined) head += ` mark 0x${r.mark.toString(16).padStart(8, '0')}`;
  if (r.verdict) head += ` => ${r.verdict}`;
  if (r.incomplete) head += ' (incomplete: events were lost)';
  return [head, ...r.steps.map((s) => `  ${describeStep(s)}`)].join('\n');
}
