// Chains: NFTA_CHAIN_* with the hook nest, hook numbers per family and nft's
// standard priority names.

import { DecodeError, ValidationError } from '../errors.js';
import { AttrTable, AttrWriter, forEachAttr, readCString } from '../netlink/attr.js';
import { attrStart, readNfGen, type MessageView } from '../netlink/message.js';
import {
  familyName,
  NF_ACCEPT,
  NF_DROP,
  NFT_CHAIN_BASE,
  NFT_CHAIN_BINDING,
  NFT_CHAIN_HW_OFFLOAD,
  NFTA_CHAIN_COUNTERS,
  NFTA_CHAIN_FLAGS,
  NFTA_CHAIN_HANDLE,
  NFTA_CHAIN_HOOK,
  NFTA_CHAIN_ID,
  NFTA_CHAIN_MAX,
  NFTA_CHAIN_NAME,
  NFTA_CHAIN_POLICY,
  NFTA_CHAIN_TABLE,
  NFTA_CHAIN_TYPE,
  NFTA_CHAIN_USE,
  NFTA_CHAIN_USERDATA,
  NFTA_COUNTER_BYTES,
  NFTA_COUNTER_MAX,
  NFTA_COUNTER_PACKETS,
  NFTA_DEVICE_NAME,
  NFTA_HOOK_DEV,
  NFTA_HOOK_DEVS,
  NFTA_HOOK_HOOKNUM,
  NFTA_HOOK_MAX,
  NFTA_HOOK_PRIORITY,
  type Family,
} from './constants.js';
import { commentFromUdata, udataForComment } from './udata.js';

export type ChainType = 'filter' | 'nat' | 'route';
export type HookName = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';
export type ChainPolicy = 'accept' | 'drop';
export type ChainFlag = 'base' | 'hw-offload' | 'binding';

export interface ChainHook {
  /** Chain type; 'filter' when left out. */
  type?: ChainType;
  hook: HookName;
  /** A number, or one of nft's names ('filter', 'dstnat', 'srcnat', 'raw', 'mangle', 'security', 'out'). */
  priority: number | string;
  /** One netdev device (netdev chains and inet ingress). */
  device?: string;
  /** Several netdev devices. */
  devices?: string[];
}

export interface Chain {
  family: Family;
  table: string;
  name: string;
  handle?: number;
  /** Present on base chains. */
  hook?: ChainHook;
  /** Base chains only. */
  policy?: ChainPolicy;
  flags?: ChainFlag[];
  unknownFlags?: number;
  /** Number of rules and references (read only). */
  use?: number;
  /** Per-chain counters of a base chain (read; may be set on a base chain). */
  counters?: { packets: number | bigint; bytes: number | bigint };
  comment?: string;
  userdata?: Uint8Array;
  /** In-transaction id (NFTA_CHAIN_ID) other messages of the batch can refer to. */
  id?: number;
}

export interface ChainRef {
  family: Family;
  table: string;
  name?: string;
  handle?: number;
}

// Hook numbers by family (uapi netfilter.h, netfilter_arp.h).
const INET_HOOKS: Partial<Record<HookName, number>> = { prerouting: 0, input: 1, forward: 2, output: 3, postrouting: 4 };
export const HOOKS: Record<Family, Partial<Record<HookName, number>>> = {
  ip: INET_HOOKS,
  ip6: INET_HOOKS,
  bridge: INET_HOOKS,
  inet: { ...INET_HOOKS, ingress: 5 },
  arp: { input: 0, output: 1, forward: 2 },
  netdev: { ingress: 0, egress: 1 },
};

export function hookNumber(family: Family, hook: string): number | undefined {
  return (HOOKS[family] as Record<string, number | undefined>)[hook];
}

export function hookName(family: Family, num: number): HookName | undefined {
  for (const [name, n] of Object.entries(HOOKS[family] ?? {})) if (n === num) return name as HookName;
  return undefined;
}

// nft's standard priority names (src/rule.c std_prios, bridge_std_prios).
const STD_PRIOS: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
const BRIDGE_PRIOS: Record<string, number> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

/** Resolves a priority given as a number, a name, or 'name + n' / 'name - n'. */
export function resolvePriority(family: Family, p: number | string): number | undefined {
  if (typeof p === 'number') return Number.isInteger(p) && p >= -0x80000000 && p <= 0x7fffffff ? p : undefined;
  const m = /^\s*([a-z]+)\s*(?:([+-])\s*(\d+))?\s*$/.exec(p);
  if (!m) {
    const n = Number(p);
    return Number.isInteger(n) ? n : undefined;
  }
  const table = family === 'bridge' ? BRIDGE_PRIOS : STD_PRIOS;
  const base = table[m[1]!];
  if (base === undefined) return undefined;
  const delta = m[3] ? Number(m[3]) * (m[2] === '-' ? -1 : 1) : 0;
  return base + delta;
}

export const CHAIN_TYPES: readonly ChainType[] = ['filter', 'nat', 'route'];

const CHAIN_FLAG_BITS: Record<ChainFlag, number> = {
  base: NFT_CHAIN_BASE,
  'hw-offload': NFT_CHAIN_HW_OFFLOAD,
  binding: NFT_CHAIN_BINDING,
};

/**
 * Checks a chain before it is encoded; throws a ValidationError naming the
 * field. `op` labels the error, e.g. 'addChain inet t c'.
 */
export function validateChainHook(c: Chain, op?: string): void {
  if (!c.hook) {
    if (c.policy !== undefined) throw new ValidationError('policy', 'a policy is only allowed on a base chain (one with a hook)', op);
    return;
  }
  const h = c.hook;
  if (hookNumber(c.family, h.hook) === undefined) {
    const known = Object.keys(HOOKS[c.family] ?? {}).join(', ');
    throw new ValidationError('hook.hook', `unknown hook ${JSON.stringify(h.hook)} for family ${c.family} (known: ${known})`, op);
  }
  if (h.type !== undefined && !CHAIN_TYPES.includes(h.type)) {
    throw new ValidationError('hook.type', `unknown chain type ${JSON.stringify(h.type)} (known: ${CHAIN_TYPES.join(', ')})`, op);
  }
  if (resolvePriority(c.family, h.priority) === undefined) {
    throw new ValidationError('hook.priority', `not a priority: ${JSON.stringify(h.priority)}`, op);
  }
  if (c.policy !== undefined && c.policy !== 'accept' && c.policy !== 'drop') {
    throw new ValidationError('policy', `must be 'accept' or 'drop', not ${JSON.stringify(c.policy)}`, op);
  }
  const needsDevice = c.family === 'netdev' || (c.family === 'inet' && h.hook === 'ingress');
  const devs = h.devices ?? (h.device !== undefined ? [h.device] : []);
  if (needsDevice && devs.length === 0) throw new ValidationError('hook.device', `a netdev chain needs a device`, op);
  for (const d of devs) {
    if (typeof d !== 'string' || d.length === 0 || Buffer.byteLength(d) > 15) {
      throw new ValidationError('hook.device', `not an interface name: ${JSON.stringify(d)} (1 to 15 bytes)`, op);
    }
  }
}

/** Attributes of NEWCHAIN, in the order nft sends them. */
export function encodeChain(w: AttrWriter, c: Chain): void {
  w.str(NFTA_CHAIN_TABLE, c.table);
  w.str(NFTA_CHAIN_NAME, c.name);
  if (c.handle !== undefined) w.u64(NFTA_CHAIN_HANDLE, c.handle);
  if (c.hook) {
    w.str(NFTA_CHAIN_TYPE, c.hook.type ?? 'filter');
  }
  if (c.policy !== undefined) w.u32(NFTA_CHAIN_POLICY, c.policy === 'accept' ? NF_ACCEPT : NF_DROP);
  if (c.hook) {
    const h = c.hook;
    const nest = w.beginNest(NFTA_CHAIN_HOOK);
    w.u32(NFTA_HOOK_HOOKNUM, hookNumber(c.family, h.hook)!);
    w.u32(NFTA_HOOK_PRIORITY, resolvePriority(c.family, h.priority)!);
    const devs = h.devices ?? (h.device !== undefined ? [h.device] : []);
    if (devs.length === 1 && !h.devices) {
      w.str(NFTA_HOOK_DEV, devs[0]!);
    } else if (devs.length > 0) {
      const dn = w.beginNest(NFTA_HOOK_DEVS);
      for (const d of devs) w.str(NFTA_DEVICE_NAME, d);
      w.endNest(dn);
    }
    w.endNest(nest);
  }
  if (c.counters) {
    const n = w.beginNest(NFTA_CHAIN_COUNTERS);
    w.u64(NFTA_COUNTER_BYTES, c.counters.bytes);
    w.u64(NFTA_COUNTER_PACKETS, c.counters.packets);
    w.endNest(n);
  }
  let flagBits = c.unknownFlags ?? 0;
  // 'base' is the kernel's own marker of a hooked chain; it is never sent.
  for (const f of c.flags ?? []) if (f !== 'base') flagBits |= CHAIN_FLAG_BITS[f];
  if (flagBits) w.u32(NFTA_CHAIN_FLAGS, flagBits);
  if (c.id !== undefined) w.u32(NFTA_CHAIN_ID, c.id);
  const ud = udataForComment(c.comment, c.userdata);
  if (ud) w.bytes(NFTA_CHAIN_USERDATA, ud);
}

/** Attributes that name a chain (delete, destroy, get, flush by DELRULE use their own). */
export function encodeChainRef(w: AttrWriter, c: ChainRef): void {
  w.str(NFTA_CHAIN_TABLE, c.table);
  if (c.name !== undefined) w.str(NFTA_CHAIN_NAME, c.name);
  else if (c.handle !== undefined) w.u64(NFTA_CHAIN_HANDLE, c.handle);
}

export function decodeChain(m: MessageView): Chain {
  const path = ['chain'];
  const { family: fnum } = readNfGen(m);
  const family = familyName(fnum);
  const a = new AttrTable(m.buf, attrStart(m), m.end, NFTA_CHAIN_MAX, path);
  const c: Chain = {
    family,
    table: a.str(NFTA_CHAIN_TABLE, 'NFTA_CHAIN_TABLE'),
    name: a.str(NFTA_CHAIN_NAME, 'NFTA_CHAIN_NAME'),
  };
  if (a.has(NFTA_CHAIN_HANDLE)) c.handle = Number(a.u64(NFTA_CHAIN_HANDLE, 'NFTA_CHAIN_HANDLE'));
  if (a.has(NFTA_CHAIN_HOOK)) {
    const [s, e] = a.range(NFTA_CHAIN_HOOK, 'NFTA_CHAIN_HOOK');
    const hp = [...path, 'NFTA_CHAIN_HOOK'];
    const h = new AttrTable(m.buf, s, e, NFTA_HOOK_MAX, hp);
    const num = h.u32(NFTA_HOOK_HOOKNUM, 'NFTA_HOOK_HOOKNUM');
    const hook: ChainHook = {
      type: (a.has(NFTA_CHAIN_TYPE) ? a.str(NFTA_CHAIN_TYPE, 'NFTA_CHAIN_TYPE') : 'filter') as ChainType,
      hook: hookName(family, num) ?? (`hook-${num}` as HookName),
      priority: h.has(NFTA_HOOK_PRIORITY) ? h.i32(NFTA_HOOK_PRIORITY, 'NFTA_HOOK_PRIORITY') : 0,
    };
    if (h.has(NFTA_HOOK_DEV)) hook.device = h.str(NFTA_HOOK_DEV, 'NFTA_HOOK_DEV');
    if (h.has(NFTA_HOOK_DEVS)) {
      const [ds, de] = h.range(NFTA_HOOK_DEVS, 'NFTA_HOOK_DEVS');
      const devices: string[] = [];
      forEachAttr(m.buf, ds, de, (_t, off, len) => devices.push(readCString(m.buf, off, off + len)), [...hp, 'NFTA_HOOK_DEVS']);
      // The kernel dumps a single device twice (DEVS with one entry, and DEV);
      // that is one device, as nft shows it.
      if (!(devices.length === 1 && devices[0] === hook.device)) hook.devices = devices;
    }
    c.hook = hook;
  } else if (a.has(NFTA_CHAIN_TYPE)) {
    throw new DecodeError('NFTA_CHAIN_TYPE without NFTA_CHAIN_HOOK', attrStart(m), path);
  }
  if (a.has(NFTA_CHAIN_POLICY)) {
    const p = a.u32(NFTA_CHAIN_POLICY, 'NFTA_CHAIN_POLICY');
    c.policy = p === NF_ACCEPT ? 'accept' : 'drop';
  }
  if (a.has(NFTA_CHAIN_USE)) c.use = a.u32(NFTA_CHAIN_USE, 'NFTA_CHAIN_USE');
  if (a.has(NFTA_CHAIN_COUNTERS)) {
    const [s, e] = a.range(NFTA_CHAIN_COUNTERS, 'NFTA_CHAIN_COUNTERS');
    const ct = new AttrTable(m.buf, s, e, NFTA_COUNTER_MAX, [...path, 'NFTA_CHAIN_COUNTERS']);
    c.counters = {
      packets: ct.has(NFTA_COUNTER_PACKETS) ? ct.u64(NFTA_COUNTER_PACKETS, 'NFTA_COUNTER_PACKETS') : 0,
      bytes: ct.has(NFTA_COUNTER_BYTES) ? ct.u64(NFTA_COUNTER_BYTES, 'NFTA_COUNTER_BYTES') : 0,
    };
  }
  if (a.has(NFTA_CHAIN_FLAGS)) {
    const bits = a.u32(NFTA_CHAIN_FLAGS, 'NFTA_CHAIN_FLAGS');
    const flags: ChainFlag[] = [];
    let rest = bits;
    for (const [name, bit] of Object.entries(CHAIN_FLAG_BITS) as [ChainFlag, number][]) {
      if (bits & bit) {
        flags.push(name);
        rest &= ~bit;
      }
    }
    c.flags = flags;
    if (rest) c.unknownFlags = rest >>> 0;
  }
  if (a.has(NFTA_CHAIN_ID)) c.id = a.u32(NFTA_CHAIN_ID, 'NFTA_CHAIN_ID');
  if (a.has(NFTA_CHAIN_USERDATA)) Object.assign(c, commentFromUdata(a.bytes(NFTA_CHAIN_USERDATA, 'NFTA_CHAIN_USERDATA')));
  return c;
}
