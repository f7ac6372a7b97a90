// NFT_MSG_TRACE (group NFNLGRP_NFTRACE): one message per traced step of a
// packet (a matching rule, a return, a base chain's policy). The first message
// of each hook traversal also carries the raw link, network and transport
// headers; decodePacket turns those into fields.

import { DecodeError } from '../errors.js';
import { beU16, beU32, beU64, copyBytes, hostU16, hostU32, readCString } from '../netlink/attr.js';
import { NLA_TYPE_MASK } from '../netlink/constants.js';
import { attrStart, readNfGen, type MessageView } from '../netlink/message.js';
import { familyName, type Family } from './constants.js';
import { decodeVerdict, type Verdict } from './data.js';
import { registerSchema } from './schema.js';

export const NFTA_TRACE_TABLE = 1;
export const NFTA_TRACE_CHAIN = 2;
export const NFTA_TRACE_RULE_HANDLE = 3;
export const NFTA_TRACE_TYPE = 4;
export const NFTA_TRACE_VERDICT = 5;
export const NFTA_TRACE_ID = 6;
export const NFTA_TRACE_LL_HEADER = 7;
export const NFTA_TRACE_NETWORK_HEADER = 8;
export const NFTA_TRACE_TRANSPORT_HEADER = 9;
export const NFTA_TRACE_IIF = 10;
export const NFTA_TRACE_IIFTYPE = 11;
export const NFTA_TRACE_OIF = 12;
export const NFTA_TRACE_OIFTYPE = 13;
export const NFTA_TRACE_MARK = 14;
export const NFTA_TRACE_NFPROTO = 15;
export const NFTA_TRACE_POLICY = 16;
export const NFTA_TRACE_PAD = 17;
export const NFTA_TRACE_CT_ID = 18;
export const NFTA_TRACE_CT_DIRECTION = 19;
export const NFTA_TRACE_CT_STATUS = 20;
export const NFTA_TRACE_CT_STATE = 21;

export type TraceType = 'unspec' | 'policy' | 'return' | 'rule';
const TRACE_TYPES: TraceType[] = ['unspec', 'policy', 'return', 'rule'];

/** One NFT_MSG_TRACE message. */
export interface TraceEvent {
  /** Same for every message about one packet (NFTA_TRACE_ID). */
  id: number;
  /** Family of the table (nfgenmsg). */
  family: Family;
  /** NFTA_TRACE_TYPE; an unknown number stays a number. */
  type: TraceType | number;
  table?: string;
  chain?: string;
  /** Handle of the rule (type 'rule' and 'return'). */
  ruleHandle?: number;
  verdict?: Verdict;
  /** The base chain's policy (type 'policy'): NF_DROP 0, NF_ACCEPT 1. */
  policy?: number;
  /** NFPROTO_* of the packet (NFPROTO_IPV4 for an IPv4 packet in an inet table). */
  nfproto?: number;
  iif?: number;
  /** ARPHRD_* of the input device. */
  iifType?: number;
  oif?: number;
  oifType?: number;
  /** Packet mark, when not zero. */
  mark?: number;
  llHeader?: Uint8Array;
  networkHeader?: Uint8Array;
  transportHeader?: Uint8Array;
  /** Conntrack information (kernels from 2025 on). NFTA_TRACE_CT_ID is opaque: kept as the kernel put it. */
  ct?: { id?: number; direction?: number; status?: number; state?: number };
  /** Attributes this library has no name for, header included. */
  unknownAttrs?: Uint8Array[];
}

registerSchema('trace', {
  1: { name: 'NFTA_TRACE_TABLE', kind: 'str' },
  2: { name: 'NFTA_TRACE_CHAIN', kind: 'str' },
  3: { name: 'NFTA_TRACE_RULE_HANDLE', kind: 'u64' },
  4: { name: 'NFTA_TRACE_TYPE', kind: 'u32' },
  5: { name: 'NFTA_TRACE_VERDICT', kind: { nest: 'verdict' } },
  6: { name: 'NFTA_TRACE_ID', kind: 'u32' },
  7: { name: 'NFTA_TRACE_LL_HEADER', kind: 'bin' },
  8: { name: 'NFTA_TRACE_NETWORK_HEADER', kind: 'bin' },
  9: { name: 'NFTA_TRACE_TRANSPORT_HEADER', kind: 'bin' },
  10: { name: 'NFTA_TRACE_IIF', kind: 'u32' },
  11: { name: 'NFTA_TRACE_IIFTYPE', kind: 'u16' },
  12: { name: 'NFTA_TRACE_OIF', kind: 'u32' },
  13: { name: 'NFTA_TRACE_OIFTYPE', kind: 'u16' },
  14: { name: 'NFTA_TRACE_MARK', kind: 'u32' },
  15: { name: 'NFTA_TRACE_NFPROTO', kind: 'u32' },
  16: { name: 'NFTA_TRACE_POLICY', kind: 'u32' },
  17: { name: 'NFTA_TRACE_PAD', kind: 'bin' },
  18: { name: 'NFTA_TRACE_CT_ID', kind: 'u32host' },
  19: { name: 'NFTA_TRACE_CT_DIRECTION', kind: 'u8' },
  20: { name: 'NFTA_TRACE_CT_STATUS', kind: 'u32' },
  21: { name: 'NFTA_TRACE_CT_STATE', kind: 'u32' },
});

/** Decodes one NFT_MSG_TRACE message; throws DecodeError on malformed bytes. */
export function decodeTrace(m: MessageView): TraceEvent {
  const path = ['trace'];
  const buf = m.buf;
  const { family } = readNfGen(m);
  const ev: Partial<TraceEvent> & { family: Family } = { family: familyName(family) };
  let id: number | undefined;
  let p = attrStart(m);
  const end = m.end;
  const need = (l: number, n: number, name: string, at: number): void => {
    if (l < n) throw new DecodeError(`${name} has ${l} bytes, needs ${n}`, at, path);
  };
  while (p < end) {
    if (end - p < 4) throw new DecodeError('stray bytes in trace', p, path);
    const len = hostU16(buf, p);
    if (len < 4 || p + len > end) throw new DecodeError(`trace attribute length ${len} runs past the message`, p, path);
    const t = hostU16(buf, p + 2) & NLA_TYPE_MASK;
    const s = p + 4;
    const e = p + len;
    const l = len - 4;
    switch (t) {
      case NFTA_TRACE_TABLE: ev.table = readCString(buf, s, e); break;
      case NFTA_TRACE_CHAIN: ev.chain = readCString(buf, s, e); break;
      case NFTA_TRACE_RULE_HANDLE: need(l, 8, 'NFTA_TRACE_RULE_HANDLE', p); ev.ruleHandle = Number(beU64(buf, s)); break;
      case NFTA_TRACE_TYPE: {
        need(l, 4, 'NFTA_TRACE_TYPE', p);
        const v = beU32(buf, s);
        ev.type = TRACE_TYPES[v] ?? v;
        break;
      }
      case NFTA_TRACE_VERDICT: ev.verdict = decodeVerdict(buf, s, e, [...path, 'NFTA_TRACE_VERDICT']); break;
      case NFTA_TRACE_ID: need(l, 4, 'NFTA_TRACE_ID', p); id = beU32(buf, s); break;
      case NFTA_TRACE_LL_HEADER: ev.llHeader = copyBytes(buf, s, e); break;
      case NFTA_TRACE_NETWORK_HEADER: ev.networkHeader = copyBytes(buf, s, e); break;
      case NFTA_TRACE_TRANSPORT_HEADER: ev.transportHeader = copyBytes(buf, s, e); break;
      case NFTA_TRACE_IIF: need(l, 4, 'NFTA_TRACE_IIF', p); ev.iif = beU32(buf, s); break;
      case NFTA_TRACE_IIFTYPE: need(l, 2, 'NFTA_TRACE_IIFTYPE', p); ev.iifType = beU16(buf, s); break;
      case NFTA_TRACE_OIF: need(l, 4, 'NFTA_TRACE_OIF', p); ev.oif = beU32(buf, s); break;
      case NFTA_TRACE_OIFTYPE: need(l, 2, 'NFTA_TRACE_OIFTYPE', p); ev.oifType = beU16(buf, s); break;
      case NFTA_TRACE_MARK: need(l, 4, 'NFTA_TRACE_MARK', p); ev.mark = beU32(buf, s); break;
      case NFTA_TRACE_NFPROTO: need(l, 4, 'NFTA_TRACE_NFPROTO', p); ev.nfproto = beU32(buf, s); break;
      case NFTA_TRACE_POLICY: need(l, 4, 'NFTA_TRACE_POLICY', p); ev.policy = beU32(buf, s); break;
      case NFTA_TRACE_PAD: break;
      case NFTA_TRACE_CT_ID:
        need(l, 4, 'NFTA_TRACE_CT_ID', p);
        // The kernel puts the id unswapped: it is the conntrack id in host order.
        (ev.ct ??= {}).id = hostU32(buf, s);
        break;
      case NFTA_TRACE_CT_DIRECTION: need(l, 1, 'NFTA_TRACE_CT_DIRECTION', p); (ev.ct ??= {}).direction = buf[s]!; break;
      case NFTA_TRACE_CT_STATUS: need(l, 4, 'NFTA_TRACE_CT_STATUS', p); (ev.ct ??= {}).status = beU32(buf, s); break;
      case NFTA_TRACE_CT_STATE: need(l, 4, 'NFTA_TRACE_CT_STATE', p); (ev.ct ??= {}).state = beU32(buf, s); break;
      default: (ev.unknownAttrs ??= []).push(copyBytes(buf, p, e));
    }
    p += (len + 3) & ~3;
  }
  if (id === undefined) throw new DecodeError('trace without NFTA_TRACE_ID', attrStart(m), path);
  ev.id = id;
  ev.type ??= 'unspec';
  return ev as TraceEvent;
}

// --- packet headers ----------------------------------------------------------------

export interface LinkHeader {
  /** Ethernet source and destination ("aa:bb:…"). */
  saddr: string;
  daddr: string;
  /** EtherType, e.g. 0x0800. */
  type: number;
  vlan?: number;
}

export interface NetworkHeader {
  protocol: 'ip' | 'ip6';
  saddr: string;
  daddr: string;
  /** IPv4 protocol / IPv6 next header. */
  l4proto: number;
  /** Name of l4proto, when it has one ('tcp', 'udp', 'icmp', 'icmpv6' …). */
  l4protoName?: string;
  /** IPv4 TTL / IPv6 hop limit. */
  ttl: number;
  /** Total packet length from the header. */
  length: number;
  /** IPv4 only. */
  id?: number;
  dscp: number;
  ecn: number;
  /** IPv4 fragment offset (bytes) and flags, when fragmented. */
  fragOffset?: number;
  /** IPv6 only. */
  flowLabel?: number;
}

export interface TransportHeader {
  protocol: string;
  sport?: number;
  dport?: number;
  /** TCP. */
  seq?: number;
  ack?: number;
  flags?: string[];
  window?: number;
  /** UDP length. */
  length?: number;
  /** ICMP / ICMPv6. */
  icmpType?: number;
  icmpTypeName?: string;
  icmpCode?: number;
  /** Echo request/reply identifier and sequence. */
  icmpId?: number;
  icmpSeq?: number;
}

export interface PacketInfo {
  ll?: LinkHeader;
  network?: NetworkHeader;
  transport?: TransportHeader;
}

const NFPROTO_IPV4 = 2;
const NFPROTO_IPV6 = 10;

const L4_NAMES: Record<number, string> = {
  1: 'icmp', 2: 'igmp', 4: 'ipip', 6: 'tcp', 17: 'udp', 33: 'dccp', 41: 'ipv6', 47: 'gre', 50: 'esp', 51: 'ah',
  58: 'icmpv6', 132: 'sctp', 136: 'udplite',
};

const ICMP_TYPES: Record<number, string> = {
  0: 'echo-reply', 3: 'destination-unreachable', 4: 'source-quench', 5: 'redirect', 8: 'echo-request',
  9: 'router-advertisement', 10: 'router-solicitation', 11: 'time-exceeded', 12: 'parameter-problem',
  13: 'timestamp-request', 14: 'timestamp-reply', 15: 'info-request', 16: 'info-reply',
  17: 'address-mask-request', 18: 'address-mask-reply',
};

const ICMPV6_TYPES: Record<number, string> = {
  1: 'destination-unreachable', 2: 'packet-too-big', 3: 'time-exceeded', 4: 'parameter-problem',
  128: 'echo-request', 129: 'echo-reply', 130: 'mld-listener-query', 131: 'mld-listener-report',
  132: 'mld-listener-done', 133: 'nd-router-solicit', 134: 'nd-router-advert', 135: 'nd-neighbor-solicit',
  136: 'nd-neighbor-advert', 137: 'nd-redirect', 143: 'mld2-listener-report',
};

const TCP_FLAGS = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ecn', 'cwr'];

function mac(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + b[o + i]!.toString(16).padStart(2, '0');
  return s;
}

export function formatIPv4(b: Uint8Array, o = 0): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text: lower case, the longest run of zero groups shortened to '::'. */
export function formatIPv6(b: Uint8Array, o = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, best).map((x) => x.toString(16)).join(':');
  const tail = g.slice(best + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

/**
 * Decodes what the kernel copied of a traced packet's headers (at most 20
 * bytes of link layer, 40 of network, 16 of transport). Fields that are cut
 * off are left out; nothing here throws.
 */
export function decodePacket(ev: Pick<TraceEvent, 'nfproto' | 'llHeader' | 'networkHeader' | 'transportHeader' | 'iifType'>): PacketInfo {
  const out: PacketInfo = {};
  const ll = ev.llHeader;
  let etherType: number | undefined;
  if (ll && ll.length >= 14) {
    etherType = beU16(ll, 12);
    out.ll = { daddr: mac(ll, 0), saddr: mac(ll, 6), type: etherType };
    if (etherType === 0x8100 && ll.length >= 18) {
      out.ll.vlan = beU16(ll, 14) & 0xfff;
      etherType = beU16(ll, 16);
    }
  }
  const nh = ev.networkHeader;
  let l4: number | undefined;
  if (nh && nh.length >= 1) {
    const version = nh[0]! >> 4;
    const v4 = ev.nfproto === NFPROTO_IPV4 || (ev.nfproto !== NFPROTO_IPV6 && (etherType === 0x0800 || (etherType === undefined && version === 4)));
    const v6 = !v4 && (ev.nfproto === NFPROTO_IPV6 || etherType === 0x86dd || (etherType === undefined && version === 6));
    if (v4 && version === 4 && nh.length >= 20) {
      l4 = nh[9]!;
      const frag = beU16(nh, 6);
      out.network = {
        protocol: 'ip',
        saddr: formatIPv4(nh, 12),
        daddr: formatIPv4(nh, 16),
        l4proto: l4,
        ttl: nh[8]!,
        length: beU16(nh, 2),
        id: beU16(nh, 4),
        dscp: nh[1]! >> 2,
        ecn: nh[1]! & 3,
      };
      if (frag & 0x3fff) out.network.fragOffset = (frag & 0x1fff) * 8;
    } else if (v6 && version === 6 && nh.length >= 40) {
      l4 = nh[6]!;
      const tc = ((nh[0]! & 0x0f) << 4) | (nh[1]! >> 4);
      out.network = {
        protocol: 'ip6',
        saddr: formatIPv6(nh, 8),
        daddr: formatIPv6(nh, 24),
        l4proto: l4,
        ttl: nh[7]!,
        length: beU16(nh, 4) + 40,
        dscp: tc >> 2,
        ecn: tc & 3,
        flowLabel: ((nh[1]! & 0x0f) << 16) | (nh[2]! << 8) | nh[3]!,
      };
    }
    if (out.network && L4_NAMES[out.network.l4proto]) out.network.l4protoName = L4_NAMES[out.network.l4proto]!;
  }
  const th = ev.transportHeader;
  if (th && l4 !== undefined) {
    const t = decodeTransport(l4, th);
    if (t) out.transport = t;
  }
  return out;
}

function decodeTransport(l4: number, th: Uint8Array): TransportHeader | undefined {
  switch (l4) {
    case 6: {
      if (th.length < 4) return undefined;
      const t: TransportHeader = { protocol: 'tcp', sport: beU16(th, 0), dport: beU16(th, 2) };
      if (th.length >= 8) t.seq = beU32(th, 4);
      if (th.length >= 12) t.ack = beU32(th, 8);
      if (th.length >= 14) t.flags = TCP_FLAGS.filter((_, i) => th[13]! & (1 << i));
      if (th.length >= 16) t.window = beU16(th, 14);
      return t;
    }
    case 17:
    case 136: {
      if (th.length < 4) return undefined;
      const t: TransportHeader = { protocol: L4_NAMES[l4]!, sport: beU16(th, 0), dport: beU16(th, 2) };
      if (th.length >= 6) t.length = beU16(th, 4);
      return t;
    }
    case 132:
    case 33:
      if (th.length < 4) return undefined;
      return { protocol: L4_NAMES[l4]!, sport: beU16(th, 0), dport: beU16(th, 2) };
    case 1:
    case 58: {
      if (th.length < 2) return undefined;
      const names = l4 === 1 ? ICMP_TYPES : ICMPV6_TYPES;
      const t: TransportHeader = { protocol: L4_NAMES[l4]!, icmpType: th[0]!, icmpCode: th[1]! };
      if (names[th[0]!]) t.icmpTypeName = names[th[0]!]!;
      const echo = l4 === 1 ? th[0] === 0 || th[0] === 8 : th[0] === 128 || th[0] === 129;
      if (echo && th.length >= 8) {
        t.icmpId = beU16(th, 4);
        t.icmpSeq = beU16(th, 6);
      }
      return t;
    }
    default:
      return undefined;
  }
}
