// Stateful objects: NFTA_OBJ_* and the type-specific attributes inside
// NFTA_OBJ_DATA (counter, quota, limit, connlimit, ct helper, ct timeout,
// ct expectation, secmark, synproxy, tunnel).
//
// Writes follow what nft 1.0.6 sends, attribute for attribute (the golden
// fixtures under test/fixtures/objects pin it). Reads keep what this library
// has no name for: unknown NFTA_OBJ_* attributes, unknown attributes inside the
// data nest, unknown flag bits, and objects of unknown types, so a listed
// object goes back to the kernel unchanged.

import { DecodeError, ValidationError } from '../errors.js';
import { AttrTable, AttrWriter, copyBytes, forEachAttr } from '../netlink/attr.js';
import { NLA_F_NESTED, NLA_TYPE_MASK } from '../netlink/constants.js';
import { attrStart, readNfGen, type MessageView } from '../netlink/message.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './addr.js';
import {
  familyName,
  NFT_OBJECT_CONNLIMIT,
  NFT_OBJECT_COUNTER,
  NFT_OBJECT_CT_EXPECT,
  NFT_OBJECT_CT_HELPER,
  NFT_OBJECT_CT_TIMEOUT,
  NFT_OBJECT_LIMIT,
  NFT_OBJECT_QUOTA,
  NFT_OBJECT_SECMARK,
  NFT_OBJECT_SYNPROXY,
  NFT_OBJECT_TUNNEL,
  NFTA_OBJ_DATA,
  NFTA_OBJ_HANDLE,
  NFTA_OBJ_MAX,
  NFTA_OBJ_NAME,
  NFTA_OBJ_TABLE,
  NFTA_OBJ_TYPE,
  NFTA_OBJ_USE,
  NFTA_OBJ_USERDATA,
  type Family,
} from './constants.js';
import { registerSchema } from './schema.js';
import { commentFromUdata, udataForComment } from './udata.js';

// --- type-specific attribute numbers (uapi nf_tables.h, nfnetlink_cttimeout.h) ---

export const NFTA_COUNTER_BYTES = 1;
export const NFTA_COUNTER_PACKETS = 2;

export const NFTA_QUOTA_BYTES = 1;
export const NFTA_QUOTA_FLAGS = 2;
export const NFTA_QUOTA_CONSUMED = 4;
export const NFT_QUOTA_F_INV = 0x1;
export const NFT_QUOTA_F_DEPLETED = 0x2;

export const NFTA_LIMIT_RATE = 1;
export const NFTA_LIMIT_UNIT = 2;
export const NFTA_LIMIT_BURST = 3;
export const NFTA_LIMIT_TYPE = 4;
export const NFTA_LIMIT_FLAGS = 5;
export const NFT_LIMIT_PKTS = 0;
export const NFT_LIMIT_PKT_BYTES = 1;
export const NFT_LIMIT_F_INV = 0x1;

export const NFTA_CONNLIMIT_COUNT = 1;
export const NFTA_CONNLIMIT_FLAGS = 2;
export const NFT_CONNLIMIT_F_INV = 0x1;

export const NFTA_CT_HELPER_NAME = 1;
export const NFTA_CT_HELPER_L3PROTO = 2;
export const NFTA_CT_HELPER_L4PROTO = 3;

export const NFTA_CT_TIMEOUT_L3PROTO = 1;
export const NFTA_CT_TIMEOUT_L4PROTO = 2;
export const NFTA_CT_TIMEOUT_DATA = 3;

export const NFTA_SECMARK_CTX = 1;

export const NFTA_CT_EXPECT_L3PROTO = 1;
export const NFTA_CT_EXPECT_L4PROTO = 2;
export const NFTA_CT_EXPECT_DPORT = 3;
/** Host byte order, unlike every other nf_tables integer. */
export const NFTA_CT_EXPECT_TIMEOUT = 4;
export const NFTA_CT_EXPECT_SIZE = 5;

export const NFTA_SYNPROXY_MSS = 1;
export const NFTA_SYNPROXY_WSCALE = 2;
export const NFTA_SYNPROXY_FLAGS = 3;
export const NF_SYNPROXY_OPT_MSS = 0x01;
export const NF_SYNPROXY_OPT_WSCALE = 0x02;
export const NF_SYNPROXY_OPT_SACK_PERM = 0x04;
export const NF_SYNPROXY_OPT_TIMESTAMP = 0x08;

export const NFTA_TUNNEL_KEY_ID = 1;
export const NFTA_TUNNEL_KEY_IP = 2;
export const NFTA_TUNNEL_KEY_IP6 = 3;
export const NFTA_TUNNEL_KEY_FLAGS = 4;
export const NFTA_TUNNEL_KEY_TOS = 5;
export const NFTA_TUNNEL_KEY_TTL = 6;
export const NFTA_TUNNEL_KEY_SPORT = 7;
export const NFTA_TUNNEL_KEY_DPORT = 8;
export const NFTA_TUNNEL_KEY_OPTS = 9;
export const NFTA_TUNNEL_KEY_IP_SRC = 1;
export const NFTA_TUNNEL_KEY_IP_DST = 2;
export const NFTA_TUNNEL_KEY_IP6_SRC = 1;
export const NFTA_TUNNEL_KEY_IP6_DST = 2;
export const NFTA_TUNNEL_KEY_IP6_FLOWLABEL = 3;
export const NFTA_TUNNEL_KEY_OPTS_VXLAN = 1;
export const NFTA_TUNNEL_KEY_OPTS_ERSPAN = 2;
export const NFTA_TUNNEL_KEY_OPTS_GENEVE = 3;
export const NFTA_TUNNEL_KEY_VXLAN_GBP = 1;
export const NFTA_TUNNEL_KEY_ERSPAN_VERSION = 1;
export const NFTA_TUNNEL_KEY_ERSPAN_V1_INDEX = 2;
export const NFTA_TUNNEL_KEY_ERSPAN_V2_HWID = 3;
export const NFTA_TUNNEL_KEY_ERSPAN_V2_DIR = 4;
export const NFTA_TUNNEL_KEY_GENEVE_CLASS = 1;
export const NFTA_TUNNEL_KEY_GENEVE_TYPE = 2;
export const NFTA_TUNNEL_KEY_GENEVE_DATA = 3;
export const NFT_TUNNEL_F_ZERO_CSUM_TX = 0x1;
export const NFT_TUNNEL_F_DONT_FRAGMENT = 0x2;
export const NFT_TUNNEL_F_SEQ_NUMBER = 0x4;

// --- the public shapes -------------------------------------------------------------

export type ObjectType =
  | 'counter' | 'quota' | 'ct-helper' | 'limit' | 'connlimit' | 'tunnel'
  | 'ct-timeout' | 'secmark' | 'ct-expectation' | 'synproxy';

export const OBJECT_TYPE_IDS: Readonly<Record<ObjectType, number>> = {
  counter: NFT_OBJECT_COUNTER,
  quota: NFT_OBJECT_QUOTA,
  'ct-helper': NFT_OBJECT_CT_HELPER,
  limit: NFT_OBJECT_LIMIT,
  connlimit: NFT_OBJECT_CONNLIMIT,
  tunnel: NFT_OBJECT_TUNNEL,
  'ct-timeout': NFT_OBJECT_CT_TIMEOUT,
  secmark: NFT_OBJECT_SECMARK,
  'ct-expectation': NFT_OBJECT_CT_EXPECT,
  synproxy: NFT_OBJECT_SYNPROXY,
};

const TYPE_BY_ID = new Map<number, ObjectType>(
  (Object.entries(OBJECT_TYPE_IDS) as [ObjectType, number][]).map(([n, id]) => [id, n]),
);

export const OBJECT_TYPES: readonly ObjectType[] = Object.keys(OBJECT_TYPE_IDS) as ObjectType[];

export function isObjectType(t: unknown): t is ObjectType {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(OBJECT_TYPE_IDS, t);
}

/** NFT_OBJECT_* of a type name, or the number itself (types this library does not name). */
export function objectTypeId(t: ObjectType | number): number {
  return typeof t === 'number' ? t : OBJECT_TYPE_IDS[t];
}

export function objectTypeName(id: number): ObjectType | undefined {
  return TYPE_BY_ID.get(id);
}

/** A layer-4 protocol by name or number (IPPROTO_*). */
export type L4Proto = 'tcp' | 'udp' | 'udplite' | 'sctp' | 'dccp' | 'icmp' | 'icmpv6' | 'gre' | number;
/** A layer-3 protocol as a netfilter family (NFPROTO_*): 'ip' 2, 'ip6' 10, 'inet' 1 … */
export type L3Proto = Family | number;

const L4_NUM: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, dccp: 33, gre: 47, icmpv6: 58, sctp: 132, udplite: 136 };
const L4_NAME = new Map(Object.entries(L4_NUM).map(([n, v]) => [v, n as L4Proto]));
const L3_NUM: Record<string, number> = { inet: 1, ip: 2, arp: 3, netdev: 5, bridge: 7, ip6: 10 };
const L3_NAME = new Map(Object.entries(L3_NUM).map(([n, v]) => [v, n as L3Proto]));

export function l4ProtoNumber(p: L4Proto): number | undefined {
  return typeof p === 'number' ? (Number.isInteger(p) && p >= 0 && p <= 255 ? p : undefined) : L4_NUM[p];
}
export function l4ProtoName(n: number): L4Proto {
  return L4_NAME.get(n) ?? n;
}
export function l3ProtoNumber(p: L3Proto): number | undefined {
  return typeof p === 'number' ? (Number.isInteger(p) && p >= 0 && p <= 0xffff ? p : undefined) : L3_NUM[p];
}
export function l3ProtoName(n: number): L3Proto {
  return L3_NAME.get(n) ?? n;
}

/** Fields every object has, whatever its type. */
export interface ObjectCommon {
  family: Family;
  table: string;
  name: string;
  /** Kernel handle (read only; deletes may use it instead of the name). */
  handle?: number;
  /** Number of rules and set elements referring to the object (read only). */
  use?: number;
  /** A comment, printed by `nft list`. */
  comment?: string;
  /** Raw userdata, when it holds more than a comment. */
  userdata?: Uint8Array;
  /** NFTA_OBJ_* attributes this library has no name for, header included, re-sent unchanged. */
  unknownAttrs?: Uint8Array[];
  /** Attributes inside NFTA_OBJ_DATA this library has no name for, header included, re-sent unchanged. */
  unknownDataAttrs?: Uint8Array[];
}

/** `counter NAME { packets P bytes B }`: counts what rules referring to it see. */
export interface CounterObject extends ObjectCommon {
  type: 'counter';
  /** Initial (on write) or current (on read) packet count; 0 when left out. */
  packets?: number | bigint;
  bytes?: number | bigint;
}

/** `quota NAME { [over|until] N bytes used U bytes }`. */
export interface QuotaObject extends ObjectCommon {
  type: 'quota';
  /** The quota in bytes. */
  bytes: number | bigint;
  /** Bytes already consumed (NFTA_QUOTA_CONSUMED). */
  used?: number | bigint;
  /** `over`: match once the quota is exceeded (NFT_QUOTA_F_INV); default `until`. */
  over?: boolean;
  /** The quota has been used up (NFT_QUOTA_F_DEPLETED; read only, never sent). */
  depleted?: boolean;
  unknownFlags?: number;
}

export type LimitPer = 'second' | 'minute' | 'hour' | 'day' | 'week';
const PER_SECONDS: Record<LimitPer, number> = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800 };

/** `limit NAME { rate [over] R/PER burst B }`. */
export interface LimitObject extends ObjectCommon {
  type: 'limit';
  /** Packets (or bytes, with `unit: 'bytes'`) per `per`. */
  rate: number | bigint;
  /** The period: a name, or seconds (NFTA_LIMIT_UNIT). */
  per: LimitPer | number;
  /** Burst in packets or bytes. Left out: 5 for packet limits, 0 for byte limits (nft's defaults). */
  burst?: number;
  /** What is counted (NFTA_LIMIT_TYPE): 'packets' (default) or 'bytes'. */
  unit?: 'packets' | 'bytes' | number;
  /** `over`: match above the rate (NFT_LIMIT_F_INV). */
  over?: boolean;
  unknownFlags?: number;
}

/** A connection-count limit (NFT_OBJECT_CONNLIMIT; nft has no syntax for it as an object). */
export interface ConnlimitObject extends ObjectCommon {
  type: 'connlimit';
  count: number;
  /** Match above the count (NFT_CONNLIMIT_F_INV). */
  over?: boolean;
  unknownFlags?: number;
}

/** `ct helper NAME { type "ftp" protocol tcp; l3proto ip; }`. */
export interface CtHelperObject extends ObjectCommon {
  type: 'ct-helper';
  /** The conntrack helper's name (nft's `type`), e.g. 'ftp'. At most 15 bytes. */
  helper: string;
  protocol: L4Proto;
  /** Left out on a write: the table's family (nft sends nothing then). The kernel always reports it. */
  l3proto?: L3Proto;
}

/** `ct timeout NAME { protocol tcp; l3proto ip; policy = { established: 100 } }`. */
export interface CtTimeoutObject extends ObjectCommon {
  type: 'ct-timeout';
  protocol: L4Proto;
  l3proto?: L3Proto;
  /**
   * Timeouts in seconds by conntrack state, named as nft names them
   * (`established`, `close_wait`, `unreplied` …; see CT_TIMEOUT_STATES).
   * For tcp and udp a write fills the states left out with nft's defaults,
   * as nft does; the kernel reports every state. States without a name
   * read as `state-N` and may be written so.
   */
  policy: Record<string, number>;
}

/** `ct expectation NAME { protocol tcp; dport 21; timeout 1h; size 8; l3proto ip; }`. */
export interface CtExpectationObject extends ObjectCommon {
  type: 'ct-expectation';
  protocol: L4Proto;
  dport: number;
  /** Milliseconds. */
  timeout: number;
  /** Maximum number of expectations. */
  size: number;
  l3proto?: L3Proto;
}

/** `secmark NAME "context"`: an SELinux security context. */
export interface SecmarkObject extends ObjectCommon {
  type: 'secmark';
  context: string;
}

export type SynproxyFlag = 'timestamp' | 'sack-perm';

/** `synproxy NAME { mss 1460; wscale 7; timestamp sack-perm; }`. */
export interface SynproxyObject extends ObjectCommon {
  type: 'synproxy';
  /** Sets NF_SYNPROXY_OPT_MSS when given. */
  mss?: number;
  /** Sets NF_SYNPROXY_OPT_WSCALE when given. */
  wscale?: number;
  flags?: SynproxyFlag[];
  unknownFlags?: number;
}

export type TunnelFlag = 'zero-csum-tx' | 'dont-fragment' | 'seq-number';

export interface GeneveOption {
  class: number;
  type: number;
  /** Option data: a multiple of 4 bytes. */
  data: Uint8Array;
}

export type TunnelOptions =
  | { vxlan: { gbp: number } }
  | { erspan: { version: 1; index: number } | { version: 2; hwid: number; dir: 'ingress' | 'egress' | number } }
  | { geneve: GeneveOption[] };

/** A tunnel key (NFT_OBJECT_TUNNEL, netdev tables only): the metadata an encapsulating device uses. */
export interface TunnelObject extends ObjectCommon {
  type: 'tunnel';
  /** Tunnel id (VNI, key …). */
  id: number;
  /** IPv4 endpoints; give this or `ip6`. */
  ip?: { src?: string; dst: string };
  /** IPv6 endpoints and flow label. */
  ip6?: { src?: string; dst: string; flowlabel?: number };
  sport?: number;
  dport?: number;
  flags?: TunnelFlag[];
  unknownFlags?: number;
  tos?: number;
  /** Left out: 255 (the kernel's default). */
  ttl?: number;
  opts?: TunnelOptions;
  /** Attributes of the address and option nests this library has no name for. */
  unknownNestAttrs?: Uint8Array[];
}

/** An object of a type this library does not know (or whose data did not parse), kept raw. */
export interface UnknownObject extends ObjectCommon {
  type: 'unknown';
  /** NFT_OBJECT_* number. */
  typeId: number;
  /** The NFTA_OBJ_DATA payload, re-sent unchanged. */
  data?: Uint8Array;
  /** Why a known type fell back to raw, when it did. */
  decodeError?: string;
}

export type NftObject =
  | CounterObject | QuotaObject | LimitObject | ConnlimitObject | CtHelperObject | CtTimeoutObject
  | CtExpectationObject | SecmarkObject | SynproxyObject | TunnelObject | UnknownObject;

/** An object addressed by name or handle, as deletes and gets take it. The type is required by the kernel. */
export interface ObjectRef {
  family: Family;
  table: string;
  type: ObjectType | number;
  name?: string;
  handle?: number;
}

// --- ct timeout states ---------------------------------------------------------------

/** Conntrack timeout states per protocol, in CTA_TIMEOUT_<PROTO>_* order (attribute n+1 is entry n). */
export const CT_TIMEOUT_STATES: Readonly<Record<string, readonly string[]>> = {
  tcp: ['syn_sent', 'syn_recv', 'established', 'fin_wait', 'close_wait', 'last_ack', 'time_wait', 'close', 'syn_sent2', 'retrans', 'unack'],
  udp: ['unreplied', 'replied'],
  udplite: ['unreplied', 'replied'],
  gre: ['unreplied', 'replied'],
  icmp: ['timeout'],
  icmpv6: ['timeout'],
  dccp: ['request', 'respond', 'partopen', 'open', 'closereq', 'closing', 'timewait'],
  sctp: ['closed', 'cookie_wait', 'cookie_echoed', 'established', 'shutdown_sent', 'shutdown_recd', 'shutdown_ack_sent', 'heartbeat_sent', 'heartbeat_acked'],
  /** Any other protocol: the generic tracker. */
  generic: ['timeout'],
};

/** What nft 1.0.6 sends for the states a policy leaves out (src/rule.c); nft knows tcp and udp only. */
export const NFT_CT_TIMEOUT_DEFAULTS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  tcp: { syn_sent: 120, syn_recv: 60, established: 432000, fin_wait: 120, close_wait: 60, last_ack: 30, time_wait: 120, close: 10, syn_sent2: 120, retrans: 300, unack: 300 },
  udp: { unreplied: 30, replied: 120 },
};

function timeoutStates(l4: number): readonly string[] {
  const name = L4_NAME.get(l4);
  return (typeof name === 'string' ? CT_TIMEOUT_STATES[name] : undefined) ?? CT_TIMEOUT_STATES['generic']!;
}

/** The state name of CTA_TIMEOUT attribute `attr` for protocol `l4`. */
export function timeoutStateName(l4: number, attr: number): string {
  return timeoutStates(l4)[attr - 1] ?? `state-${attr}`;
}

function timeoutStateAttr(l4: number, state: string): number | undefined {
  const i = timeoutStates(l4).indexOf(state);
  if (i >= 0) return i + 1;
  const m = /^state-(\d+)$/.exec(state);
  if (m) {
    const n = Number(m[1]);
    if (n >= 1 && n <= NLA_TYPE_MASK) return n;
  }
  return undefined;
}

// --- schemas (attribute names for ext-ack paths and the decode command) ------------------

const OBJ_DATA_SCHEMAS: Record<number, string> = {
  [NFT_OBJECT_COUNTER]: 'counter',
  [NFT_OBJECT_QUOTA]: 'obj_quota',
  [NFT_OBJECT_CT_HELPER]: 'obj_ct_helper',
  [NFT_OBJECT_LIMIT]: 'obj_limit',
  [NFT_OBJECT_CONNLIMIT]: 'obj_connlimit',
  [NFT_OBJECT_TUNNEL]: 'obj_tunnel',
  [NFT_OBJECT_CT_TIMEOUT]: 'obj_ct_timeout',
  [NFT_OBJECT_SECMARK]: 'obj_secmark',
  [NFT_OBJECT_CT_EXPECT]: 'obj_ct_expect',
  [NFT_OBJECT_SYNPROXY]: 'obj_synproxy',
};

registerSchema('obj', {
  1: { name: 'NFTA_OBJ_TABLE', kind: 'str' },
  2: { name: 'NFTA_OBJ_NAME', kind: 'str' },
  3: { name: 'NFTA_OBJ_TYPE', kind: 'u32' },
  4: { name: 'NFTA_OBJ_DATA', kind: { nestBy: { attr: NFTA_OBJ_TYPE, schemas: OBJ_DATA_SCHEMAS } } },
  5: { name: 'NFTA_OBJ_USE', kind: 'u32' },
  6: { name: 'NFTA_OBJ_HANDLE', kind: 'u64' },
  7: { name: 'NFTA_OBJ_PAD', kind: 'bin' },
  8: { name: 'NFTA_OBJ_USERDATA', kind: 'bin' },
});
registerSchema('obj_quota', {
  1: { name: 'NFTA_QUOTA_BYTES', kind: 'u64' },
  2: { name: 'NFTA_QUOTA_FLAGS', kind: 'u32' },
  3: { name: 'NFTA_QUOTA_PAD', kind: 'bin' },
  4: { name: 'NFTA_QUOTA_CONSUMED', kind: 'u64' },
});
registerSchema('obj_limit', {
  1: { name: 'NFTA_LIMIT_RATE', kind: 'u64' },
  2: { name: 'NFTA_LIMIT_UNIT', kind: 'u64' },
  3: { name: 'NFTA_LIMIT_BURST', kind: 'u32' },
  4: { name: 'NFTA_LIMIT_TYPE', kind: 'u32' },
  5: { name: 'NFTA_LIMIT_FLAGS', kind: 'u32' },
  6: { name: 'NFTA_LIMIT_PAD', kind: 'bin' },
});
registerSchema('obj_connlimit', {
  1: { name: 'NFTA_CONNLIMIT_COUNT', kind: 'u32' },
  2: { name: 'NFTA_CONNLIMIT_FLAGS', kind: 'u32' },
});
registerSchema('obj_ct_helper', {
  1: { name: 'NFTA_CT_HELPER_NAME', kind: 'str' },
  2: { name: 'NFTA_CT_HELPER_L3PROTO', kind: 'u16' },
  3: { name: 'NFTA_CT_HELPER_L4PROTO', kind: 'u8' },
});
const TIMEOUT_DATA_SCHEMAS: Record<number, string> = {};
for (const [proto, states] of Object.entries(CT_TIMEOUT_STATES)) {
  const schema: Record<number, { name: string; kind: 'u32' }> = {};
  const upper = proto === 'generic' ? 'GENERIC' : proto.toUpperCase();
  states.forEach((s, i) => (schema[i + 1] = { name: `CTA_TIMEOUT_${upper}_${s.toUpperCase()}`, kind: 'u32' }));
  registerSchema(`ct_timeout_${proto}`, schema);
  if (L4_NUM[proto] !== undefined) TIMEOUT_DATA_SCHEMAS[L4_NUM[proto]!] = `ct_timeout_${proto}`;
}
registerSchema('obj_ct_timeout', {
  1: { name: 'NFTA_CT_TIMEOUT_L3PROTO', kind: 'u16' },
  2: { name: 'NFTA_CT_TIMEOUT_L4PROTO', kind: 'u8' },
  3: { name: 'NFTA_CT_TIMEOUT_DATA', kind: { nestBy: { attr: NFTA_CT_TIMEOUT_L4PROTO, schemas: TIMEOUT_DATA_SCHEMAS } } },
});
registerSchema('obj_secmark', { 1: { name: 'NFTA_SECMARK_CTX', kind: 'str' } });
registerSchema('obj_ct_expect', {
  1: { name: 'NFTA_CT_EXPECT_L3PROTO', kind: 'u16' },
  2: { name: 'NFTA_CT_EXPECT_L4PROTO', kind: 'u8' },
  3: { name: 'NFTA_CT_EXPECT_DPORT', kind: 'u16' },
  4: { name: 'NFTA_CT_EXPECT_TIMEOUT', kind: 'u32host' },
  5: { name: 'NFTA_CT_EXPECT_SIZE', kind: 'u8' },
});
registerSchema('obj_synproxy', {
  1: { name: 'NFTA_SYNPROXY_MSS', kind: 'u16' },
  2: { name: 'NFTA_SYNPROXY_WSCALE', kind: 'u8' },
  3: { name: 'NFTA_SYNPROXY_FLAGS', kind: 'u32' },
});
registerSchema('obj_tunnel', {
  1: { name: 'NFTA_TUNNEL_KEY_ID', kind: 'u32' },
  2: { name: 'NFTA_TUNNEL_KEY_IP', kind: { nest: 'tunnel_ip' } },
  3: { name: 'NFTA_TUNNEL_KEY_IP6', kind: { nest: 'tunnel_ip6' } },
  4: { name: 'NFTA_TUNNEL_KEY_FLAGS', kind: 'u32' },
  5: { name: 'NFTA_TUNNEL_KEY_TOS', kind: 'u8' },
  6: { name: 'NFTA_TUNNEL_KEY_TTL', kind: 'u8' },
  7: { name: 'NFTA_TUNNEL_KEY_SPORT', kind: 'u16' },
  8: { name: 'NFTA_TUNNEL_KEY_DPORT', kind: 'u16' },
  9: { name: 'NFTA_TUNNEL_KEY_OPTS', kind: { nest: 'tunnel_opts' } },
});
registerSchema('tunnel_ip', {
  1: { name: 'NFTA_TUNNEL_KEY_IP_SRC', kind: 'bin' },
  2: { name: 'NFTA_TUNNEL_KEY_IP_DST', kind: 'bin' },
});
registerSchema('tunnel_ip6', {
  1: { name: 'NFTA_TUNNEL_KEY_IP6_SRC', kind: 'bin' },
  2: { name: 'NFTA_TUNNEL_KEY_IP6_DST', kind: 'bin' },
  3: { name: 'NFTA_TUNNEL_KEY_IP6_FLOWLABEL', kind: 'u32' },
});
registerSchema('tunnel_opts', {
  1: { name: 'NFTA_TUNNEL_KEY_OPTS_VXLAN', kind: { nest: 'tunnel_vxlan' } },
  2: { name: 'NFTA_TUNNEL_KEY_OPTS_ERSPAN', kind: { nest: 'tunnel_erspan' } },
  3: { name: 'NFTA_TUNNEL_KEY_OPTS_GENEVE', kind: { nest: 'tunnel_geneve' } },
});
registerSchema('tunnel_vxlan', { 1: { name: 'NFTA_TUNNEL_KEY_VXLAN_GBP', kind: 'u32' } });
registerSchema('tunnel_erspan', {
  1: { name: 'NFTA_TUNNEL_KEY_ERSPAN_VERSION', kind: 'u32' },
  2: { name: 'NFTA_TUNNEL_KEY_ERSPAN_V1_INDEX', kind: 'u32' },
  3: { name: 'NFTA_TUNNEL_KEY_ERSPAN_V2_HWID', kind: 'u8' },
  4: { name: 'NFTA_TUNNEL_KEY_ERSPAN_V2_DIR', kind: 'u8' },
});
registerSchema('tunnel_geneve', {
  1: { name: 'NFTA_TUNNEL_KEY_GENEVE_CLASS', kind: 'u16' },
  2: { name: 'NFTA_TUNNEL_KEY_GENEVE_TYPE', kind: 'u8' },
  3: { name: 'NFTA_TUNNEL_KEY_GENEVE_DATA', kind: 'bin' },
});

// --- flags helpers ------------------------------------------------------------------

const SYNPROXY_FLAG_BITS: Record<SynproxyFlag, number> = { timestamp: NF_SYNPROXY_OPT_TIMESTAMP, 'sack-perm': NF_SYNPROXY_OPT_SACK_PERM };
const TUNNEL_FLAG_BITS: Record<TunnelFlag, number> = {
  'zero-csum-tx': NFT_TUNNEL_F_ZERO_CSUM_TX,
  'dont-fragment': NFT_TUNNEL_F_DONT_FRAGMENT,
  'seq-number': NFT_TUNNEL_F_SEQ_NUMBER,
};

function namesOf<F extends string>(bits: number, table: Record<F, number>): { names: F[]; rest: number } {
  const names: F[] = [];
  let rest = bits;
  for (const [n, b] of Object.entries(table) as [F, number][]) {
    if (bits & b) {
      names.push(n);
      rest &= ~b;
    }
  }
  return { names, rest: rest >>> 0 };
}

function bitsOf<F extends string>(names: readonly F[] | undefined, table: Record<F, number>, extra = 0): number {
  let v = extra;
  for (const n of names ?? []) v |= table[n];
  return v >>> 0;
}

// --- encode -------------------------------------------------------------------------

/**
 * Attributes of NEWOBJ in nft's order: TABLE, NAME, TYPE, USERDATA, DATA.
 * Read-only fields (handle, use, a quota's depleted bit) are not sent.
 */
export function encodeObject(w: AttrWriter, o: NftObject): void {
  w.str(NFTA_OBJ_TABLE, o.table);
  w.str(NFTA_OBJ_NAME, o.name);
  w.u32(NFTA_OBJ_TYPE, o.type === 'unknown' ? o.typeId : OBJECT_TYPE_IDS[o.type]);
  const ud = udataForComment(o.comment, o.userdata);
  if (ud) w.bytes(NFTA_OBJ_USERDATA, ud);
  if (o.type === 'unknown') {
    if (o.data !== undefined) w.bytes(NFTA_OBJ_DATA | NLA_F_NESTED, o.data);
  } else {
    const n = w.beginNest(NFTA_OBJ_DATA | NLA_F_NESTED);
    encodeObjectData(w, o);
    for (const raw of o.unknownDataAttrs ?? []) w.raw(raw);
    w.endNest(n);
  }
  for (const raw of o.unknownAttrs ?? []) w.raw(raw);
}

/** The inside of NFTA_OBJ_DATA for a known type. */
export function encodeObjectData(w: AttrWriter, o: Exclude<NftObject, UnknownObject>): void {
  switch (o.type) {
    case 'counter':
      w.u64(NFTA_COUNTER_BYTES, o.bytes ?? 0);
      w.u64(NFTA_COUNTER_PACKETS, o.packets ?? 0);
      break;
    case 'quota':
      w.u64(NFTA_QUOTA_BYTES, o.bytes);
      w.u64(NFTA_QUOTA_CONSUMED, o.used ?? 0);
      // DEPLETED is the kernel's state; sending it back is refused.
      w.u32(NFTA_QUOTA_FLAGS, ((o.over ? NFT_QUOTA_F_INV : 0) | ((o.unknownFlags ?? 0) & ~NFT_QUOTA_F_DEPLETED)) >>> 0);
      break;
    case 'limit': {
      const type = o.unit === undefined || o.unit === 'packets' ? NFT_LIMIT_PKTS : o.unit === 'bytes' ? NFT_LIMIT_PKT_BYTES : o.unit;
      w.u64(NFTA_LIMIT_RATE, o.rate);
      w.u64(NFTA_LIMIT_UNIT, typeof o.per === 'number' ? o.per : PER_SECONDS[o.per]);
      w.u32(NFTA_LIMIT_BURST, o.burst ?? (type === NFT_LIMIT_PKTS ? 5 : 0));
      w.u32(NFTA_LIMIT_TYPE, type);
      w.u32(NFTA_LIMIT_FLAGS, ((o.over ? NFT_LIMIT_F_INV : 0) | (o.unknownFlags ?? 0)) >>> 0);
      break;
    }
    case 'connlimit':
      w.u32(NFTA_CONNLIMIT_COUNT, o.count);
      w.u32(NFTA_CONNLIMIT_FLAGS, ((o.over ? NFT_CONNLIMIT_F_INV : 0) | (o.unknownFlags ?? 0)) >>> 0);
      break;
    case 'ct-helper':
      // libnftnl puts these two strings without their NUL (mnl_attr_put_str); the kernel takes either.
      w.bytes(NFTA_CT_HELPER_NAME, Buffer.from(o.helper, 'utf8'));
      if (o.l3proto !== undefined) w.u16(NFTA_CT_HELPER_L3PROTO, l3ProtoNumber(o.l3proto)!);
      w.u8(NFTA_CT_HELPER_L4PROTO, l4ProtoNumber(o.protocol)!);
      break;
    case 'ct-timeout': {
      const l4 = l4ProtoNumber(o.protocol)!;
      if (o.l3proto !== undefined) w.u16(NFTA_CT_TIMEOUT_L3PROTO, l3ProtoNumber(o.l3proto)!);
      w.u8(NFTA_CT_TIMEOUT_L4PROTO, l4);
      const n = w.beginNest(NFTA_CT_TIMEOUT_DATA | NLA_F_NESTED);
      for (const [attr, v] of timeoutPolicyAttrs(l4, o.policy)) w.u32(attr, v);
      w.endNest(n);
      break;
    }
    case 'ct-expectation':
      if (o.l3proto !== undefined) w.u16(NFTA_CT_EXPECT_L3PROTO, l3ProtoNumber(o.l3proto)!);
      w.u8(NFTA_CT_EXPECT_L4PROTO, l4ProtoNumber(o.protocol)!);
      w.u16(NFTA_CT_EXPECT_DPORT, o.dport);
      w.u32host(NFTA_CT_EXPECT_TIMEOUT, o.timeout);
      w.u8(NFTA_CT_EXPECT_SIZE, o.size);
      break;
    case 'secmark':
      w.bytes(NFTA_SECMARK_CTX, Buffer.from(o.context, 'utf8'));
      break;
    case 'synproxy': {
      let flags = bitsOf(o.flags, SYNPROXY_FLAG_BITS, o.unknownFlags);
      if (o.mss !== undefined) flags |= NF_SYNPROXY_OPT_MSS;
      if (o.wscale !== undefined) flags |= NF_SYNPROXY_OPT_WSCALE;
      w.u16(NFTA_SYNPROXY_MSS, o.mss ?? 0);
      w.u8(NFTA_SYNPROXY_WSCALE, o.wscale ?? 0);
      w.u32(NFTA_SYNPROXY_FLAGS, flags >>> 0);
      break;
    }
    case 'tunnel':
      encodeTunnel(w, o);
      break;
  }
}

/** [attribute, seconds] of a timeout policy, in attribute order; tcp and udp get nft's defaults filled in. */
export function timeoutPolicyAttrs(l4: number, policy: Record<string, number>): [number, number][] {
  const out = new Map<number, number>();
  const name = L4_NAME.get(l4);
  const defaults = typeof name === 'string' ? NFT_CT_TIMEOUT_DEFAULTS[name] : undefined;
  if (defaults) {
    timeoutStates(l4).forEach((s, i) => {
      if (defaults[s] !== undefined) out.set(i + 1, defaults[s]!);
    });
  }
  for (const [state, v] of Object.entries(policy)) {
    const attr = timeoutStateAttr(l4, state);
    if (attr !== undefined) out.set(attr, v);
  }
  return [...out.entries()].sort((a, b) => a[0] - b[0]);
}

function encodeTunnel(w: AttrWriter, o: TunnelObject): void {
  w.u32(NFTA_TUNNEL_KEY_ID, o.id);
  if (o.ip) {
    const n = w.beginNest(NFTA_TUNNEL_KEY_IP | NLA_F_NESTED);
    if (o.ip.src !== undefined) w.bytes(NFTA_TUNNEL_KEY_IP_SRC, parseIPv4(o.ip.src)!);
    w.bytes(NFTA_TUNNEL_KEY_IP_DST, parseIPv4(o.ip.dst)!);
    w.endNest(n);
  } else if (o.ip6) {
    const n = w.beginNest(NFTA_TUNNEL_KEY_IP6 | NLA_F_NESTED);
    if (o.ip6.src !== undefined) w.bytes(NFTA_TUNNEL_KEY_IP6_SRC, parseIPv6(o.ip6.src)!);
    w.bytes(NFTA_TUNNEL_KEY_IP6_DST, parseIPv6(o.ip6.dst)!);
    if (o.ip6.flowlabel !== undefined) w.u32(NFTA_TUNNEL_KEY_IP6_FLOWLABEL, o.ip6.flowlabel);
    w.endNest(n);
  }
  if (o.sport !== undefined) w.u16(NFTA_TUNNEL_KEY_SPORT, o.sport);
  if (o.dport !== undefined) w.u16(NFTA_TUNNEL_KEY_DPORT, o.dport);
  if (o.flags !== undefined || o.unknownFlags) w.u32(NFTA_TUNNEL_KEY_FLAGS, bitsOf(o.flags, TUNNEL_FLAG_BITS, o.unknownFlags));
  if (o.tos !== undefined) w.u8(NFTA_TUNNEL_KEY_TOS, o.tos);
  if (o.ttl !== undefined) w.u8(NFTA_TUNNEL_KEY_TTL, o.ttl);
  if (o.opts) {
    const n = w.beginNest(NFTA_TUNNEL_KEY_OPTS | NLA_F_NESTED);
    const opts = o.opts;
    if ('vxlan' in opts) {
      const v = w.beginNest(NFTA_TUNNEL_KEY_OPTS_VXLAN | NLA_F_NESTED);
      w.u32(NFTA_TUNNEL_KEY_VXLAN_GBP, opts.vxlan.gbp);
      w.endNest(v);
    } else if ('erspan' in opts) {
      const e = opts.erspan;
      const v = w.beginNest(NFTA_TUNNEL_KEY_OPTS_ERSPAN | NLA_F_NESTED);
      w.u32(NFTA_TUNNEL_KEY_ERSPAN_VERSION, e.version);
      if (e.version === 1) {
        w.u32(NFTA_TUNNEL_KEY_ERSPAN_V1_INDEX, e.index);
      } else {
        w.u8(NFTA_TUNNEL_KEY_ERSPAN_V2_HWID, e.hwid);
        w.u8(NFTA_TUNNEL_KEY_ERSPAN_V2_DIR, e.dir === 'ingress' ? 0 : e.dir === 'egress' ? 1 : e.dir);
      }
      w.endNest(v);
    } else {
      // The kernel reads one option per GENEVE nest (and dumps them all in one).
      for (const g of opts.geneve) {
        const v = w.beginNest(NFTA_TUNNEL_KEY_OPTS_GENEVE | NLA_F_NESTED);
        w.u16(NFTA_TUNNEL_KEY_GENEVE_CLASS, g.class);
        w.u8(NFTA_TUNNEL_KEY_GENEVE_TYPE, g.type);
        w.bytes(NFTA_TUNNEL_KEY_GENEVE_DATA, g.data);
        w.endNest(v);
      }
    }
    w.endNest(n);
  }
  for (const raw of o.unknownNestAttrs ?? []) w.raw(raw);
}

/**
 * Attributes naming an object for DELOBJ / DESTROYOBJ / GETOBJ: TABLE, NAME
 * or HANDLE, TYPE, and (as nft sends it) an empty DATA nest.
 */
export function encodeObjectRef(w: AttrWriter, r: ObjectRef): void {
  w.str(NFTA_OBJ_TABLE, r.table);
  if (r.name !== undefined) w.str(NFTA_OBJ_NAME, r.name);
  else if (r.handle !== undefined) w.u64(NFTA_OBJ_HANDLE, r.handle);
  w.u32(NFTA_OBJ_TYPE, objectTypeId(r.type));
  w.endNest(w.beginNest(NFTA_OBJ_DATA | NLA_F_NESTED));
}

/**
 * Filter attributes of a GETOBJ / GETOBJ_RESET dump: TABLE and TYPE when
 * given. Reset dumps also carry the empty DATA nest nft sends.
 */
export function encodeObjectFilter(w: AttrWriter, f: { table?: string; type?: ObjectType | number }, reset = false): void {
  if (f.table !== undefined) w.str(NFTA_OBJ_TABLE, f.table);
  if (f.type !== undefined) w.u32(NFTA_OBJ_TYPE, objectTypeId(f.type));
  if (reset) w.endNest(w.beginNest(NFTA_OBJ_DATA | NLA_F_NESTED));
}

// --- decode -------------------------------------------------------------------------

/** Decodes a NEWOBJ message (dump, get, reset, echo or event) and DELOBJ events. */
export function decodeObject(m: MessageView): NftObject {
  const path = ['obj'];
  const { family } = readNfGen(m);
  const a = new AttrTable(m.buf, attrStart(m), m.end, NFTA_OBJ_MAX, path);
  const common: ObjectCommon = {
    family: familyName(family),
    table: a.str(NFTA_OBJ_TABLE, 'NFTA_OBJ_TABLE'),
    name: a.str(NFTA_OBJ_NAME, 'NFTA_OBJ_NAME'),
  };
  const typeId = a.u32(NFTA_OBJ_TYPE, 'NFTA_OBJ_TYPE');
  if (a.has(NFTA_OBJ_HANDLE)) common.handle = Number(a.u64(NFTA_OBJ_HANDLE, 'NFTA_OBJ_HANDLE'));
  if (a.has(NFTA_OBJ_USE)) common.use = a.u32(NFTA_OBJ_USE, 'NFTA_OBJ_USE');
  if (a.has(NFTA_OBJ_USERDATA)) Object.assign(common, commentFromUdata(a.bytes(NFTA_OBJ_USERDATA, 'NFTA_OBJ_USERDATA')));
  const extra = a.unknown();
  if (extra) common.unknownAttrs = extra;
  const type = TYPE_BY_ID.get(typeId);
  const hasData = a.has(NFTA_OBJ_DATA);
  const [ds, de] = hasData ? a.range(NFTA_OBJ_DATA, 'NFTA_OBJ_DATA') : [0, 0];
  if (type !== undefined && hasData) {
    try {
      return Object.assign(common, decodeObjectData(type, m.buf, ds, de, [...path, 'NFTA_OBJ_DATA'])) as NftObject;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return { ...common, type: 'unknown', typeId, data: copyBytes(m.buf, ds, de), decodeError: err.message };
    }
  }
  const u: UnknownObject = { ...common, type: 'unknown', typeId };
  if (hasData) u.data = copyBytes(m.buf, ds, de);
  return u;
}

/** The highest attribute number this library knows inside each type's data nest. */
const DATA_MAX: Record<ObjectType, number> = {
  counter: 3, quota: 4, limit: 6, connlimit: 2, 'ct-helper': 3, 'ct-timeout': 3,
  secmark: 1, 'ct-expectation': 5, synproxy: 3, tunnel: 9,
};

type DataOf<T> = T extends unknown ? Omit<T, keyof ObjectCommon> : never;
type DataFields = DataOf<Exclude<NftObject, UnknownObject>> & { unknownDataAttrs?: Uint8Array[] };

/** Decodes the payload of NFTA_OBJ_DATA (buf[start, end)) for a known type. */
export function decodeObjectData(type: ObjectType, buf: Uint8Array, start: number, end: number, path: string[] = []): DataFields {
  const a = new AttrTable(buf, start, end, DATA_MAX[type], path);
  let out: DataFields;
  switch (type) {
    case 'counter': {
      const o: Partial<CounterObject> & { type: 'counter' } = { type };
      o.packets = a.has(NFTA_COUNTER_PACKETS) ? a.u64(NFTA_COUNTER_PACKETS, 'NFTA_COUNTER_PACKETS') : 0;
      o.bytes = a.has(NFTA_COUNTER_BYTES) ? a.u64(NFTA_COUNTER_BYTES, 'NFTA_COUNTER_BYTES') : 0;
      out = o as DataFields;
      break;
    }
    case 'quota': {
      const flags = a.has(NFTA_QUOTA_FLAGS) ? a.u32(NFTA_QUOTA_FLAGS, 'NFTA_QUOTA_FLAGS') : 0;
      const o: Omit<QuotaObject, keyof ObjectCommon> = {
        type,
        bytes: a.u64(NFTA_QUOTA_BYTES, 'NFTA_QUOTA_BYTES'),
        used: a.has(NFTA_QUOTA_CONSUMED) ? a.u64(NFTA_QUOTA_CONSUMED, 'NFTA_QUOTA_CONSUMED') : 0,
        over: (flags & NFT_QUOTA_F_INV) !== 0,
      };
      if (flags & NFT_QUOTA_F_DEPLETED) o.depleted = true;
      const rest = flags & ~(NFT_QUOTA_F_INV | NFT_QUOTA_F_DEPLETED);
      if (rest) o.unknownFlags = rest >>> 0;
      out = o;
      break;
    }
    case 'limit': {
      const unitSecs = a.u64(NFTA_LIMIT_UNIT, 'NFTA_LIMIT_UNIT');
      const t = a.has(NFTA_LIMIT_TYPE) ? a.u32(NFTA_LIMIT_TYPE, 'NFTA_LIMIT_TYPE') : NFT_LIMIT_PKTS;
      const flags = a.has(NFTA_LIMIT_FLAGS) ? a.u32(NFTA_LIMIT_FLAGS, 'NFTA_LIMIT_FLAGS') : 0;
      const per = (Object.entries(PER_SECONDS) as [LimitPer, number][]).find(([, s]) => s === unitSecs)?.[0];
      const o: Omit<LimitObject, keyof ObjectCommon> = {
        type,
        rate: a.u64(NFTA_LIMIT_RATE, 'NFTA_LIMIT_RATE'),
        per: per ?? Number(unitSecs),
        burst: a.has(NFTA_LIMIT_BURST) ? a.u32(NFTA_LIMIT_BURST, 'NFTA_LIMIT_BURST') : 0,
        unit: t === NFT_LIMIT_PKTS ? 'packets' : t === NFT_LIMIT_PKT_BYTES ? 'bytes' : t,
        over: (flags & NFT_LIMIT_F_INV) !== 0,
      };
      if (flags & ~NFT_LIMIT_F_INV) o.unknownFlags = (flags & ~NFT_LIMIT_F_INV) >>> 0;
      out = o;
      break;
    }
    case 'connlimit': {
      const flags = a.has(NFTA_CONNLIMIT_FLAGS) ? a.u32(NFTA_CONNLIMIT_FLAGS, 'NFTA_CONNLIMIT_FLAGS') : 0;
      const o: Omit<ConnlimitObject, keyof ObjectCommon> = {
        type,
        count: a.u32(NFTA_CONNLIMIT_COUNT, 'NFTA_CONNLIMIT_COUNT'),
        over: (flags & NFT_CONNLIMIT_F_INV) !== 0,
      };
      if (flags & ~NFT_CONNLIMIT_F_INV) o.unknownFlags = (flags & ~NFT_CONNLIMIT_F_INV) >>> 0;
      out = o;
      break;
    }
    case 'ct-helper': {
      const o: Omit<CtHelperObject, keyof ObjectCommon> = {
        type,
        helper: a.str(NFTA_CT_HELPER_NAME, 'NFTA_CT_HELPER_NAME'),
        protocol: l4ProtoName(a.u8(NFTA_CT_HELPER_L4PROTO, 'NFTA_CT_HELPER_L4PROTO')),
      };
      if (a.has(NFTA_CT_HELPER_L3PROTO)) o.l3proto = l3ProtoName(a.u16(NFTA_CT_HELPER_L3PROTO, 'NFTA_CT_HELPER_L3PROTO'));
      out = o;
      break;
    }
    case 'ct-timeout': {
      const l4 = a.u8(NFTA_CT_TIMEOUT_L4PROTO, 'NFTA_CT_TIMEOUT_L4PROTO');
      const o: Omit<CtTimeoutObject, keyof ObjectCommon> = { type, protocol: l4ProtoName(l4), policy: {} };
      if (a.has(NFTA_CT_TIMEOUT_L3PROTO)) o.l3proto = l3ProtoName(a.u16(NFTA_CT_TIMEOUT_L3PROTO, 'NFTA_CT_TIMEOUT_L3PROTO'));
      if (a.has(NFTA_CT_TIMEOUT_DATA)) {
        const [s, e] = a.range(NFTA_CT_TIMEOUT_DATA, 'NFTA_CT_TIMEOUT_DATA');
        const dp = [...path, 'NFTA_CT_TIMEOUT_DATA'];
        forEachAttr(buf, s, e, (t, off, len) => {
          if (len < 4) throw new DecodeError(`timeout state ${t} has ${len} bytes, needs 4`, off, dp);
          o.policy[timeoutStateName(l4, t)] = (buf[off]! * 0x1000000) + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
        }, dp);
      }
      out = o;
      break;
    }
    case 'ct-expectation': {
      const o: Omit<CtExpectationObject, keyof ObjectCommon> = {
        type,
        protocol: l4ProtoName(a.u8(NFTA_CT_EXPECT_L4PROTO, 'NFTA_CT_EXPECT_L4PROTO')),
        dport: a.u16(NFTA_CT_EXPECT_DPORT, 'NFTA_CT_EXPECT_DPORT'),
        timeout: a.u32host(NFTA_CT_EXPECT_TIMEOUT, 'NFTA_CT_EXPECT_TIMEOUT'),
        size: a.u8(NFTA_CT_EXPECT_SIZE, 'NFTA_CT_EXPECT_SIZE'),
      };
      if (a.has(NFTA_CT_EXPECT_L3PROTO)) o.l3proto = l3ProtoName(a.u16(NFTA_CT_EXPECT_L3PROTO, 'NFTA_CT_EXPECT_L3PROTO'));
      out = o;
      break;
    }
    case 'secmark':
      out = { type, context: a.str(NFTA_SECMARK_CTX, 'NFTA_SECMARK_CTX') };
      break;
    case 'synproxy': {
      const flags = a.has(NFTA_SYNPROXY_FLAGS) ? a.u32(NFTA_SYNPROXY_FLAGS, 'NFTA_SYNPROXY_FLAGS') : 0;
      const o: Omit<SynproxyObject, keyof ObjectCommon> = { type };
      // The values only mean something with their option bit, which the encoder derives from presence.
      if (flags & NF_SYNPROXY_OPT_MSS) o.mss = a.u16(NFTA_SYNPROXY_MSS, 'NFTA_SYNPROXY_MSS');
      if (flags & NF_SYNPROXY_OPT_WSCALE) o.wscale = a.u8(NFTA_SYNPROXY_WSCALE, 'NFTA_SYNPROXY_WSCALE');
      const { names, rest } = namesOf(flags & ~(NF_SYNPROXY_OPT_MSS | NF_SYNPROXY_OPT_WSCALE), SYNPROXY_FLAG_BITS);
      o.flags = names;
      if (rest) o.unknownFlags = rest;
      out = o;
      break;
    }
    case 'tunnel':
      out = decodeTunnel(a, buf, path);
      break;
  }
  const extra = a.unknown();
  if (extra) out.unknownDataAttrs = extra;
  return out;
}

function decodeTunnel(a: AttrTable, buf: Uint8Array, path: string[]): Omit<TunnelObject, keyof ObjectCommon> {
  const o: Omit<TunnelObject, keyof ObjectCommon> = { type: 'tunnel', id: a.u32(NFTA_TUNNEL_KEY_ID, 'NFTA_TUNNEL_KEY_ID') };
  const keep = (t: AttrTable): void => {
    const u = t.unknown();
    if (u) (o.unknownNestAttrs ??= []).push(...u);
  };
  const addr = (t: AttrTable, attr: number, name: string, len: 4 | 16): string => {
    const b = t.bytes(attr, name);
    if (b.length !== len) throw new DecodeError(`${name} has ${b.length} bytes, needs ${len}`, t.off[attr]!, t.path);
    return len === 4 ? formatIPv4(b) : formatIPv6(b);
  };
  if (a.has(NFTA_TUNNEL_KEY_IP)) {
    const [s, e] = a.range(NFTA_TUNNEL_KEY_IP, 'NFTA_TUNNEL_KEY_IP');
    const t = new AttrTable(buf, s, e, 2, [...path, 'NFTA_TUNNEL_KEY_IP']);
    const ip: { src?: string; dst: string } = { dst: addr(t, NFTA_TUNNEL_KEY_IP_DST, 'NFTA_TUNNEL_KEY_IP_DST', 4) };
    if (t.has(NFTA_TUNNEL_KEY_IP_SRC)) ip.src = addr(t, NFTA_TUNNEL_KEY_IP_SRC, 'NFTA_TUNNEL_KEY_IP_SRC', 4);
    o.ip = ip;
    keep(t);
  }
  if (a.has(NFTA_TUNNEL_KEY_IP6)) {
    const [s, e] = a.range(NFTA_TUNNEL_KEY_IP6, 'NFTA_TUNNEL_KEY_IP6');
    const t = new AttrTable(buf, s, e, 3, [...path, 'NFTA_TUNNEL_KEY_IP6']);
    const ip6: { src?: string; dst: string; flowlabel?: number } = { dst: addr(t, NFTA_TUNNEL_KEY_IP6_DST, 'NFTA_TUNNEL_KEY_IP6_DST', 16) };
    if (t.has(NFTA_TUNNEL_KEY_IP6_SRC)) ip6.src = addr(t, NFTA_TUNNEL_KEY_IP6_SRC, 'NFTA_TUNNEL_KEY_IP6_SRC', 16);
    if (t.has(NFTA_TUNNEL_KEY_IP6_FLOWLABEL)) ip6.flowlabel = t.u32(NFTA_TUNNEL_KEY_IP6_FLOWLABEL, 'NFTA_TUNNEL_KEY_IP6_FLOWLABEL');
    o.ip6 = ip6;
    keep(t);
  }
  if (a.has(NFTA_TUNNEL_KEY_SPORT)) o.sport = a.u16(NFTA_TUNNEL_KEY_SPORT, 'NFTA_TUNNEL_KEY_SPORT');
  if (a.has(NFTA_TUNNEL_KEY_DPORT)) o.dport = a.u16(NFTA_TUNNEL_KEY_DPORT, 'NFTA_TUNNEL_KEY_DPORT');
  if (a.has(NFTA_TUNNEL_KEY_FLAGS)) {
    const { names, rest } = namesOf(a.u32(NFTA_TUNNEL_KEY_FLAGS, 'NFTA_TUNNEL_KEY_FLAGS'), TUNNEL_FLAG_BITS);
    o.flags = names;
    if (rest) o.unknownFlags = rest;
  }
  if (a.has(NFTA_TUNNEL_KEY_TOS)) o.tos = a.u8(NFTA_TUNNEL_KEY_TOS, 'NFTA_TUNNEL_KEY_TOS');
  if (a.has(NFTA_TUNNEL_KEY_TTL)) o.ttl = a.u8(NFTA_TUNNEL_KEY_TTL, 'NFTA_TUNNEL_KEY_TTL');
  if (a.has(NFTA_TUNNEL_KEY_OPTS)) {
    const [s, e] = a.range(NFTA_TUNNEL_KEY_OPTS, 'NFTA_TUNNEL_KEY_OPTS');
    const op = [...path, 'NFTA_TUNNEL_KEY_OPTS'];
    const geneve: GeneveOption[] = [];
    forEachAttr(buf, s, e, (t, off, len) => {
      if (t === NFTA_TUNNEL_KEY_OPTS_VXLAN) {
        const v = new AttrTable(buf, off, off + len, 1, [...op, 'NFTA_TUNNEL_KEY_OPTS_VXLAN']);
        o.opts = { vxlan: { gbp: v.u32(NFTA_TUNNEL_KEY_VXLAN_GBP, 'NFTA_TUNNEL_KEY_VXLAN_GBP') } };
        keep(v);
      } else if (t === NFTA_TUNNEL_KEY_OPTS_ERSPAN) {
        const v = new AttrTable(buf, off, off + len, 4, [...op, 'NFTA_TUNNEL_KEY_OPTS_ERSPAN']);
        const version = v.u32(NFTA_TUNNEL_KEY_ERSPAN_VERSION, 'NFTA_TUNNEL_KEY_ERSPAN_VERSION');
        if (version === 1) {
          o.opts = { erspan: { version: 1, index: v.u32(NFTA_TUNNEL_KEY_ERSPAN_V1_INDEX, 'NFTA_TUNNEL_KEY_ERSPAN_V1_INDEX') } };
        } else if (version === 2) {
          const dir = v.u8(NFTA_TUNNEL_KEY_ERSPAN_V2_DIR, 'NFTA_TUNNEL_KEY_ERSPAN_V2_DIR');
          o.opts = { erspan: { version: 2, hwid: v.u8(NFTA_TUNNEL_KEY_ERSPAN_V2_HWID, 'NFTA_TUNNEL_KEY_ERSPAN_V2_HWID'), dir: dir === 0 ? 'ingress' : dir === 1 ? 'egress' : dir } };
        } else {
          throw new DecodeError(`ERSPAN version ${version}`, off, op);
        }
        keep(v);
      } else if (t === NFTA_TUNNEL_KEY_OPTS_GENEVE) {
        // Dumps put every option in one nest as repeated CLASS, TYPE, DATA triples.
        const gp = [...op, 'NFTA_TUNNEL_KEY_OPTS_GENEVE'];
        let cur: Partial<GeneveOption> = {};
        forEachAttr(buf, off, off + len, (gt, goff, glen) => {
          if (gt === NFTA_TUNNEL_KEY_GENEVE_CLASS) {
            if (glen < 2) throw new DecodeError('NFTA_TUNNEL_KEY_GENEVE_CLASS needs 2 bytes', goff, gp);
            cur.class = (buf[goff]! << 8) | buf[goff + 1]!;
          } else if (gt === NFTA_TUNNEL_KEY_GENEVE_TYPE) {
            if (glen < 1) throw new DecodeError('NFTA_TUNNEL_KEY_GENEVE_TYPE needs 1 byte', goff, gp);
            cur.type = buf[goff]!;
          } else if (gt === NFTA_TUNNEL_KEY_GENEVE_DATA) {
            if (cur.class === undefined || cur.type === undefined) throw new DecodeError('geneve data before its class and type', goff, gp);
            geneve.push({ class: cur.class, type: cur.type, data: copyBytes(buf, goff, goff + glen) });
            cur = {};
          } else {
            throw new DecodeError(`unknown geneve attribute ${gt}`, goff, gp);
          }
        }, gp);
        o.opts = { geneve };
      } else {
        (o.unknownNestAttrs ??= []).push(copyBytes(buf, off - 4, off + len));
      }
    }, op);
  }
  return o;
}

// --- validation ---------------------------------------------------------------------

function checkInt(field: string, v: unknown, lo: number, hi: number, op?: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new ValidationError(field, `must be an integer in [${lo}, ${hi}], not ${show(v)}`, op);
  }
}

function checkU64(field: string, v: unknown, op?: string): void {
  if (typeof v === 'bigint') {
    if (v < 0n || v >= 1n << 64n) throw new ValidationError(field, `must fit in 64 bits, not ${v}`, op);
    return;
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ValidationError(field, `must be a non-negative integer (a bigint above 2^53), not ${show(v)}`, op);
  }
}

function checkBool(field: string, v: unknown, op?: string): void {
  if (v !== undefined && typeof v !== 'boolean') throw new ValidationError(field, `must be true or false, not ${show(v)}`, op);
}

function checkFlags<F extends string>(field: string, v: unknown, table: Record<F, number>, op?: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) throw new ValidationError(field, 'must be an array', op);
  for (const f of v) {
    if (!Object.prototype.hasOwnProperty.call(table, f)) {
      throw new ValidationError(field, `unknown flag ${show(f)} (known: ${Object.keys(table).join(', ')})`, op);
    }
  }
}

function checkUnknownFlags(v: unknown, op?: string): void {
  if (v !== undefined) checkInt('unknownFlags', v, 0, 0xffffffff, op);
}

function checkL4(field: string, v: unknown, op?: string): number {
  const n = typeof v === 'string' || typeof v === 'number' ? l4ProtoNumber(v as L4Proto) : undefined;
  if (n === undefined) throw new ValidationError(field, `not a layer-4 protocol: ${show(v)} (a number 0-255, or one of ${Object.keys(L4_NUM).join(', ')})`, op);
  return n;
}

function checkL3(field: string, v: unknown, op?: string): void {
  if (v === undefined) return;
  const n = typeof v === 'string' || typeof v === 'number' ? l3ProtoNumber(v as L3Proto) : undefined;
  if (n === undefined) throw new ValidationError(field, `not a layer-3 protocol: ${show(v)} (a number, or one of ${Object.keys(L3_NUM).join(', ')})`, op);
}

function checkString(field: string, v: unknown, maxBytes: number, op?: string): void {
  if (typeof v !== 'string' || v.length === 0) throw new ValidationError(field, `must be a non-empty string, not ${show(v)}`, op);
  if (v.includes('\0')) throw new ValidationError(field, 'must not contain NUL', op);
  const n = Buffer.byteLength(v);
  if (n > maxBytes) throw new ValidationError(field, `is ${n} bytes; at most ${maxBytes} are allowed`, op);
}

function checkRaw(field: string, v: unknown, op?: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.some((x) => !(x instanceof Uint8Array) || x.length < 4 || x.length > 0xffff)) {
    throw new ValidationError(field, 'must be an array of raw attributes (Uint8Array, header included)', op);
  }
}

function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Checks the type-specific fields of an object before it is encoded; throws a
 * ValidationError naming the field (e.g. 'policy.established', 'ip.dst').
 * Common fields (family, table, name, comment) are the caller's to check.
 */
export function validateObjectData(o: NftObject, op?: string): void {
  checkRaw('unknownAttrs', o.unknownAttrs, op);
  if (o.type === 'unknown') {
    checkInt('typeId', o.typeId, 0, 0xffffffff, op);
    if (o.data !== undefined && !(o.data instanceof Uint8Array)) throw new ValidationError('data', 'must be a Uint8Array', op);
    return;
  }
  checkRaw('unknownDataAttrs', o.unknownDataAttrs, op);
  switch (o.type) {
    case 'counter':
      if (o.packets !== undefined) checkU64('packets', o.packets, op);
      if (o.bytes !== undefined) checkU64('bytes', o.bytes, op);
      return;
    case 'quota':
      checkU64('bytes', o.bytes, op);
      if (o.used !== undefined) checkU64('used', o.used, op);
      checkBool('over', o.over, op);
      checkUnknownFlags(o.unknownFlags, op);
      return;
    case 'limit': {
      checkU64('rate', o.rate, op);
      if (o.rate === 0 || o.rate === 0n) throw new ValidationError('rate', 'must be above 0', op);
      if (typeof o.per === 'number') checkInt('per', o.per, 1, Number.MAX_SAFE_INTEGER, op);
      else if (!Object.prototype.hasOwnProperty.call(PER_SECONDS, o.per)) {
        throw new ValidationError('per', `must be seconds or one of ${Object.keys(PER_SECONDS).join(', ')}, not ${show(o.per)}`, op);
      }
      if (o.burst !== undefined) checkInt('burst', o.burst, 0, 0xffffffff, op);
      if (o.unit !== undefined && o.unit !== 'packets' && o.unit !== 'bytes') checkInt('unit', o.unit, 0, 0xffffffff, op);
      checkBool('over', o.over, op);
      checkUnknownFlags(o.unknownFlags, op);
      return;
    }
    case 'connlimit':
      checkInt('count', o.count, 0, 0xffffffff, op);
      checkBool('over', o.over, op);
      checkUnknownFlags(o.unknownFlags, op);
      return;
    case 'ct-helper':
      // NF_CT_HELPER_NAME_LEN is 16 with the NUL.
      checkString('helper', o.helper, 15, op);
      checkL4('protocol', o.protocol, op);
      checkL3('l3proto', o.l3proto, op);
      return;
    case 'ct-timeout': {
      const l4 = checkL4('protocol', o.protocol, op);
      checkL3('l3proto', o.l3proto, op);
      if (typeof o.policy !== 'object' || o.policy === null || Array.isArray(o.policy)) {
        throw new ValidationError('policy', 'must be an object of state: seconds', op);
      }
      for (const [state, v] of Object.entries(o.policy)) {
        if (timeoutStateAttr(l4, state) === undefined) {
          throw new ValidationError(`policy.${state}`, `not a ${typeof o.protocol === 'string' ? o.protocol : `protocol ${o.protocol}`} conntrack state (known: ${timeoutStates(l4).join(', ')})`, op);
        }
        checkInt(`policy.${state}`, v, 0, 0xffffffff, op);
      }
      return;
    }
    case 'ct-expectation':
      checkL4('protocol', o.protocol, op);
      checkL3('l3proto', o.l3proto, op);
      checkInt('dport', o.dport, 0, 0xffff, op);
      checkInt('timeout', o.timeout, 0, 0xffffffff, op);
      checkInt('size', o.size, 0, 0xff, op);
      return;
    case 'secmark':
      checkString('context', o.context, 4095, op);
      return;
    case 'synproxy':
      if (o.mss !== undefined) checkInt('mss', o.mss, 0, 0xffff, op);
      // TCP's window scale shift stops at 14 (RFC 7323).
      if (o.wscale !== undefined) checkInt('wscale', o.wscale, 0, 14, op);
      checkFlags('flags', o.flags, SYNPROXY_FLAG_BITS, op);
      checkUnknownFlags(o.unknownFlags, op);
      return;
    case 'tunnel':
      validateTunnel(o, op);
      return;
    default:
      throw new ValidationError('type', `unknown object type ${show((o as { type: unknown }).type)} (known: ${OBJECT_TYPES.join(', ')})`, op);
  }
}

function validateTunnel(o: TunnelObject, op?: string): void {
  checkInt('id', o.id, 0, 0xffffffff, op);
  if (o.ip && o.ip6) throw new ValidationError('ip6', 'a tunnel has IPv4 or IPv6 endpoints, not both', op);
  if (!o.ip && !o.ip6) throw new ValidationError('ip', 'a tunnel needs `ip` or `ip6` endpoints (the kernel refuses one without)', op);
  const addr = (field: string, v: unknown, v6: boolean): void => {
    if (typeof v !== 'string' || !(v6 ? parseIPv6(v) : parseIPv4(v))) {
      throw new ValidationError(field, `not an ${v6 ? 'IPv6' : 'IPv4'} address: ${show(v)}`, op);
    }
  };
  if (o.ip) {
    if (o.ip.src !== undefined) addr('ip.src', o.ip.src, false);
    addr('ip.dst', o.ip.dst, false);
  }
  if (o.ip6) {
    if (o.ip6.src !== undefined) addr('ip6.src', o.ip6.src, true);
    addr('ip6.dst', o.ip6.dst, true);
    if (o.ip6.flowlabel !== undefined) checkInt('ip6.flowlabel', o.ip6.flowlabel, 0, 0xfffff, op);
  }
  if (o.sport !== undefined) checkInt('sport', o.sport, 0, 0xffff, op);
  if (o.dport !== undefined) checkInt('dport', o.dport, 0, 0xffff, op);
  if (o.tos !== undefined) checkInt('tos', o.tos, 0, 0xff, op);
  if (o.ttl !== undefined) checkInt('ttl', o.ttl, 0, 0xff, op);
  checkFlags('flags', o.flags, TUNNEL_FLAG_BITS, op);
  checkUnknownFlags(o.unknownFlags, op);
  checkRaw('unknownNestAttrs', o.unknownNestAttrs, op);
  if (o.opts === undefined) return;
  const opts = o.opts as Record<string, unknown>;
  const kinds = ['vxlan', 'erspan', 'geneve'].filter((k) => opts[k] !== undefined);
  if (kinds.length !== 1) throw new ValidationError('opts', 'must hold exactly one of vxlan, erspan, geneve', op);
  if ('vxlan' in o.opts) {
    checkInt('opts.vxlan.gbp', o.opts.vxlan?.gbp, 0, 0xffffffff, op);
  } else if ('erspan' in o.opts) {
    const e = o.opts.erspan as { version?: unknown; index?: unknown; hwid?: unknown; dir?: unknown };
    if (e?.version === 1) checkInt('opts.erspan.index', e.index, 0, 0xffffffff, op);
    else if (e?.version === 2) {
      checkInt('opts.erspan.hwid', e.hwid, 0, 0x3f, op);
      if (e.dir !== 'ingress' && e.dir !== 'egress') checkInt('opts.erspan.dir', e.dir, 0, 1, op);
    } else throw new ValidationError('opts.erspan.version', `must be 1 or 2, not ${show(e?.version)}`, op);
  } else {
    const g = o.opts.geneve;
    if (!Array.isArray(g) || g.length === 0) throw new ValidationError('opts.geneve', 'must be a non-empty array of options', op);
    let total = 0;
    g.forEach((x, i) => {
      checkInt(`opts.geneve[${i}].class`, x?.class, 0, 0xffff, op);
      checkInt(`opts.geneve[${i}].type`, x?.type, 0, 0xff, op);
      if (!(x.data instanceof Uint8Array) || x.data.length % 4 !== 0 || x.data.length > 124) {
        throw new ValidationError(`opts.geneve[${i}].data`, 'must be a Uint8Array of a multiple of 4 bytes, at most 124', op);
      }
      total += 4 + x.data.length;
    });
    // IP_TUNNEL_OPTS_MAX: the kernel keeps at most 255 bytes of options.
    if (total > 255) throw new ValidationError('opts.geneve', `the options take ${total} bytes; the kernel keeps at most 255`, op);
  }
}
