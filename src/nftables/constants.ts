// nf_tables message types, families and the attribute numbers of the object
// kinds this file's siblings encode (uapi linux/netfilter/nf_tables.h). Kernel
// names are kept so one can grep from the header to the code.

import { NFNL_SUBSYS_NFTABLES } from '../netlink/constants.js';

export const NFT_MSG_NEWTABLE = 0;
export const NFT_MSG_GETTABLE = 1;
export const NFT_MSG_DELTABLE = 2;
export const NFT_MSG_NEWCHAIN = 3;
export const NFT_MSG_GETCHAIN = 4;
export const NFT_MSG_DELCHAIN = 5;
export const NFT_MSG_NEWRULE = 6;
export const NFT_MSG_GETRULE = 7;
export const NFT_MSG_DELRULE = 8;
export const NFT_MSG_NEWSET = 9;
export const NFT_MSG_GETSET = 10;
export const NFT_MSG_DELSET = 11;
export const NFT_MSG_NEWSETELEM = 12;
export const NFT_MSG_GETSETELEM = 13;
export const NFT_MSG_DELSETELEM = 14;
export const NFT_MSG_NEWGEN = 15;
export const NFT_MSG_GETGEN = 16;
export const NFT_MSG_TRACE = 17;
export const NFT_MSG_NEWOBJ = 18;
export const NFT_MSG_GETOBJ = 19;
export const NFT_MSG_DELOBJ = 20;
export const NFT_MSG_GETOBJ_RESET = 21;
export const NFT_MSG_NEWFLOWTABLE = 22;
export const NFT_MSG_GETFLOWTABLE = 23;
export const NFT_MSG_DELFLOWTABLE = 24;
export const NFT_MSG_GETRULE_RESET = 25;
export const NFT_MSG_DESTROYTABLE = 26;
export const NFT_MSG_DESTROYCHAIN = 27;
export const NFT_MSG_DESTROYRULE = 28;
export const NFT_MSG_DESTROYSET = 29;
export const NFT_MSG_DESTROYSETELEM = 30;
export const NFT_MSG_DESTROYOBJ = 31;
export const NFT_MSG_DESTROYFLOWTABLE = 32;
export const NFT_MSG_GETSETELEM_RESET = 33;

export const NFT_MSG_NAMES: readonly string[] = [
  'NEWTABLE', 'GETTABLE', 'DELTABLE', 'NEWCHAIN', 'GETCHAIN', 'DELCHAIN', 'NEWRULE', 'GETRULE', 'DELRULE',
  'NEWSET', 'GETSET', 'DELSET', 'NEWSETELEM', 'GETSETELEM', 'DELSETELEM', 'NEWGEN', 'GETGEN', 'TRACE',
  'NEWOBJ', 'GETOBJ', 'DELOBJ', 'GETOBJ_RESET', 'NEWFLOWTABLE', 'GETFLOWTABLE', 'DELFLOWTABLE',
  'GETRULE_RESET', 'DESTROYTABLE', 'DESTROYCHAIN', 'DESTROYRULE', 'DESTROYSET', 'DESTROYSETELEM',
  'DESTROYOBJ', 'DESTROYFLOWTABLE', 'GETSETELEM_RESET',
];

/** nlmsg_type of an nf_tables message. */
export function nftType(msg: number): number {
  return (NFNL_SUBSYS_NFTABLES << 8) | msg;
}

/** The NFT_MSG_* number of an nlmsg_type, or -1 when it is not nf_tables. */
export function nftMsg(nlmsgType: number): number {
  return nlmsgType >> 8 === NFNL_SUBSYS_NFTABLES ? nlmsgType & 0xff : -1;
}

// --- families ---------------------------------------------------------------

export type Family = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export const NFPROTO_UNSPEC = 0;
export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_ARP = 3;
export const NFPROTO_NETDEV = 5;
export const NFPROTO_BRIDGE = 7;
export const NFPROTO_IPV6 = 10;

export const FAMILIES: readonly Family[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];

const FAMILY_NUM: Record<Family, number> = {
  inet: NFPROTO_INET, ip: NFPROTO_IPV4, arp: NFPROTO_ARP, netdev: NFPROTO_NETDEV, bridge: NFPROTO_BRIDGE,
  ip6: NFPROTO_IPV6,
};

const FAMILY_NAME: Record<number, Family> = {
  [NFPROTO_INET]: 'inet', [NFPROTO_IPV4]: 'ip', [NFPROTO_ARP]: 'arp', [NFPROTO_NETDEV]: 'netdev',
  [NFPROTO_BRIDGE]: 'bridge', [NFPROTO_IPV6]: 'ip6',
};

export function isFamily(f: unknown): f is Family {
  return typeof f === 'string' && Object.prototype.hasOwnProperty.call(FAMILY_NUM, f);
}

export function familyNumber(f: Family): number {
  return FAMILY_NUM[f];
}

/** The family's name; unknown numbers come back as 'family-N' so nothing is hidden. */
export function familyName(n: number): Family {
  return FAMILY_NAME[n] ?? (`family-${n}` as Family);
}

// --- tables -----------------------------------------------------------------

export const NFTA_TABLE_NAME = 1;
export const NFTA_TABLE_FLAGS = 2;
export const NFTA_TABLE_USE = 3;
export const NFTA_TABLE_HANDLE = 4;
export const NFTA_TABLE_PAD = 5;
export const NFTA_TABLE_USERDATA = 6;
export const NFTA_TABLE_OWNER = 7;
export const NFTA_TABLE_MAX = 7;

export const NFT_TABLE_F_DORMANT = 0x1;
export const NFT_TABLE_F_OWNER = 0x2;
export const NFT_TABLE_F_PERSIST = 0x4;

// --- chains -----------------------------------------------------------------

export const NFTA_CHAIN_TABLE = 1;
export const NFTA_CHAIN_HANDLE = 2;
export const NFTA_CHAIN_NAME = 3;
export const NFTA_CHAIN_HOOK = 4;
export const NFTA_CHAIN_POLICY = 5;
export const NFTA_CHAIN_USE = 6;
export const NFTA_CHAIN_TYPE = 7;
export const NFTA_CHAIN_COUNTERS = 8;
export const NFTA_CHAIN_PAD = 9;
export const NFTA_CHAIN_FLAGS = 10;
export const NFTA_CHAIN_ID = 11;
export const NFTA_CHAIN_USERDATA = 12;
export const NFTA_CHAIN_MAX = 12;

export const NFTA_HOOK_HOOKNUM = 1;
export const NFTA_HOOK_PRIORITY = 2;
export const NFTA_HOOK_DEV = 3;
export const NFTA_HOOK_DEVS = 4;
export const NFTA_HOOK_MAX = 4;
export const NFTA_DEVICE_NAME = 1;
export const NFTA_DEVICE_PREFIX = 2;

export const NFTA_COUNTER_BYTES = 1;
export const NFTA_COUNTER_PACKETS = 2;
export const NFTA_COUNTER_PAD = 3;
export const NFTA_COUNTER_MAX = 3;

export const NFT_CHAIN_BASE = 0x1;
export const NFT_CHAIN_HW_OFFLOAD = 0x2;
export const NFT_CHAIN_BINDING = 0x4;

export const NF_DROP = 0;
export const NF_ACCEPT = 1;

// --- generation -------------------------------------------------------------

export const NFTA_GEN_ID = 1;
export const NFTA_GEN_PROC_PID = 2;
export const NFTA_GEN_PROC_NAME = 3;
export const NFTA_GEN_MAX = 3;

// --- rules (the attributes a flush needs; the rule codec has the rest) -------

export const NFTA_RULE_TABLE = 1;
export const NFTA_RULE_CHAIN = 2;

// --- sets -------------------------------------------------------------------

export const NFTA_SET_TABLE = 1;
export const NFTA_SET_NAME = 2;
export const NFTA_SET_FLAGS = 3;
export const NFTA_SET_KEY_TYPE = 4;
export const NFTA_SET_KEY_LEN = 5;
export const NFTA_SET_DATA_TYPE = 6;
export const NFTA_SET_DATA_LEN = 7;
export const NFTA_SET_POLICY = 8;
export const NFTA_SET_DESC = 9;
export const NFTA_SET_ID = 10;
export const NFTA_SET_TIMEOUT = 11;
export const NFTA_SET_GC_INTERVAL = 12;
export const NFTA_SET_USERDATA = 13;
export const NFTA_SET_PAD = 14;
export const NFTA_SET_OBJ_TYPE = 15;
export const NFTA_SET_HANDLE = 16;
export const NFTA_SET_EXPR = 17;
export const NFTA_SET_EXPRESSIONS = 18;
/** Backend name (read only, ~6.16). */
export const NFTA_SET_TYPE = 19;
/** Element count (read only, ~6.16). */
export const NFTA_SET_COUNT = 20;
export const NFTA_SET_MAX = 20;

export const NFTA_SET_DESC_SIZE = 1;
export const NFTA_SET_DESC_CONCAT = 2;
export const NFTA_SET_DESC_MAX = 2;
export const NFTA_SET_FIELD_LEN = 1;

export const NFT_SET_ANONYMOUS = 0x1;
export const NFT_SET_CONSTANT = 0x2;
export const NFT_SET_INTERVAL = 0x4;
export const NFT_SET_MAP = 0x8;
export const NFT_SET_TIMEOUT = 0x10;
export const NFT_SET_EVAL = 0x20;
export const NFT_SET_OBJECT = 0x40;
export const NFT_SET_CONCAT = 0x80;
export const NFT_SET_EXPR = 0x100;

export const NFT_SET_POL_PERFORMANCE = 0;
export const NFT_SET_POL_MEMORY = 1;

// --- set elements -------------------------------------------------------------

export const NFTA_SET_ELEM_LIST_TABLE = 1;
export const NFTA_SET_ELEM_LIST_SET = 2;
export const NFTA_SET_ELEM_LIST_ELEMENTS = 3;
export const NFTA_SET_ELEM_LIST_SET_ID = 4;
export const NFTA_SET_ELEM_LIST_MAX = 4;

export const NFTA_SET_ELEM_KEY = 1;
export const NFTA_SET_ELEM_DATA = 2;
export const NFTA_SET_ELEM_FLAGS = 3;
export const NFTA_SET_ELEM_TIMEOUT = 4;
export const NFTA_SET_ELEM_EXPIRATION = 5;
export const NFTA_SET_ELEM_USERDATA = 6;
export const NFTA_SET_ELEM_EXPR = 7;
export const NFTA_SET_ELEM_PAD = 8;
export const NFTA_SET_ELEM_OBJREF = 9;
export const NFTA_SET_ELEM_KEY_END = 10;
export const NFTA_SET_ELEM_EXPRESSIONS = 11;
export const NFTA_SET_ELEM_MAX = 11;

export const NFT_SET_ELEM_INTERVAL_END = 0x1;
export const NFT_SET_ELEM_CATCHALL = 0x2;

// --- stateful object types (object maps name them) -------------------------------

// --- stateful objects (the type-specific attributes are in object.ts) ---------

export const NFTA_OBJ_TABLE = 1;
export const NFTA_OBJ_NAME = 2;
export const NFTA_OBJ_TYPE = 3;
export const NFTA_OBJ_DATA = 4;
export const NFTA_OBJ_USE = 5;
export const NFTA_OBJ_HANDLE = 6;
export const NFTA_OBJ_PAD = 7;
export const NFTA_OBJ_USERDATA = 8;
export const NFTA_OBJ_MAX = 8;

export const NFT_OBJECT_UNSPEC = 0;
export const NFT_OBJECT_COUNTER = 1;
export const NFT_OBJECT_QUOTA = 2;
export const NFT_OBJECT_CT_HELPER = 3;
export const NFT_OBJECT_LIMIT = 4;
export const NFT_OBJECT_CONNLIMIT = 5;
export const NFT_OBJECT_TUNNEL = 6;
export const NFT_OBJECT_CT_TIMEOUT = 7;
export const NFT_OBJECT_SECMARK = 8;
export const NFT_OBJECT_CT_EXPECT = 9;
export const NFT_OBJECT_SYNPROXY = 10;

// --- flowtables ---------------------------------------------------------------

export const NFTA_FLOWTABLE_TABLE = 1;
export const NFTA_FLOWTABLE_NAME = 2;
export const NFTA_FLOWTABLE_HOOK = 3;
export const NFTA_FLOWTABLE_USE = 4;
export const NFTA_FLOWTABLE_HANDLE = 5;
export const NFTA_FLOWTABLE_PAD = 6;
export const NFTA_FLOWTABLE_FLAGS = 7;
export const NFTA_FLOWTABLE_MAX = 7;

export const NFTA_FLOWTABLE_HOOK_NUM = 1;
export const NFTA_FLOWTABLE_HOOK_PRIORITY = 2;
export const NFTA_FLOWTABLE_HOOK_DEVS = 3;
export const NFTA_FLOWTABLE_HOOK_MAX = 3;

export const NFT_FLOWTABLE_HW_OFFLOAD = 0x1;
export const NFT_FLOWTABLE_COUNTER = 0x2;
