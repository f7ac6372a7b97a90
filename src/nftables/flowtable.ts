// Flowtables: NFTA_FLOWTABLE_* with the hook nest (number, priority, devices).
// A flowtable is a fast path for established flows, bound to netdev ingress
// hooks of the listed devices; rules offload flows to it with `flow add @ft`.

import { ValidationError } from '../errors.js';
import { AttrTable, AttrWriter, forEachAttr, readCString } from '../netlink/attr.js';
import { attrStart, readNfGen, type MessageView } from '../netlink/message.js';
import { resolvePriority } from './chain.js';
import {
  familyName,
  NFT_FLOWTABLE_COUNTER,
  NFT_FLOWTABLE_HW_OFFLOAD,
  NFTA_DEVICE_NAME,
  NFTA_DEVICE_PREFIX,
  NFTA_FLOWTABLE_FLAGS,
  NFTA_FLOWTABLE_HANDLE,
  NFTA_FLOWTABLE_HOOK,
  NFTA_FLOWTABLE_HOOK_DEVS,
  NFTA_FLOWTABLE_HOOK_MAX,
  NFTA_FLOWTABLE_HOOK_NUM,
  NFTA_FLOWTABLE_HOOK_PRIORITY,
  NFTA_FLOWTABLE_MAX,
  NFTA_FLOWTABLE_NAME,
  NFTA_FLOWTABLE_TABLE,
  NFTA_FLOWTABLE_USE,
  type Family,
} from './constants.js';
import { NLA_F_NESTED } from '../netlink/constants.js';
import { registerSchema } from './schema.js';

export type FlowtableFlag = 'hw-offload' | 'counter';

/** NF_NETDEV_INGRESS: the only hook a flowtable attaches to. */
export const FLOWTABLE_HOOK_INGRESS = 0;

export interface Flowtable {
  family: Family;
  table: string;
  name: string;
  /** Kernel handle (read only; deletes may use it instead of the name). */
  handle?: number;
  /** Number of rules referring to the flowtable (read only). */
  use?: number;
  /** The hook: 'ingress' (the only one there is), or a number read from a newer kernel. */
  hook?: 'ingress' | number;
  /** A number, or one of nft's names ('filter', 'filter + 5' …). Required to create a flowtable. */
  priority?: number | string;
  /**
   * Devices, in the order they are sent (nft 1.0.6 sends its list reversed).
   * A name ending in `*` is a prefix (NFTA_DEVICE_PREFIX, kernels from 2025).
   */
  devices?: string[];
  /** 'hw-offload' (nft: `flags offload`) and 'counter'. */
  flags?: FlowtableFlag[];
  unknownFlags?: number;
  /** NFTA_FLOWTABLE_* attributes this library has no name for, header included, re-sent unchanged. */
  unknownAttrs?: Uint8Array[];
  /** Attributes of the hook nest this library has no name for, re-sent inside it. */
  unknownHookAttrs?: Uint8Array[];
}

export interface FlowtableRef {
  family: Family;
  table: string;
  name?: string;
  handle?: number;
}

export const FLOWTABLE_FLAG_BITS: Readonly<Record<FlowtableFlag, number>> = {
  'hw-offload': NFT_FLOWTABLE_HW_OFFLOAD,
  counter: NFT_FLOWTABLE_COUNTER,
};

registerSchema('flowtable', {
  1: { name: 'NFTA_FLOWTABLE_TABLE', kind: 'str' },
  2: { name: 'NFTA_FLOWTABLE_NAME', kind: 'str' },
  3: { name: 'NFTA_FLOWTABLE_HOOK', kind: { nest: 'flowtable_hook' } },
  4: { name: 'NFTA_FLOWTABLE_USE', kind: 'u32' },
  5: { name: 'NFTA_FLOWTABLE_HANDLE', kind: 'u64' },
  6: { name: 'NFTA_FLOWTABLE_PAD', kind: 'bin' },
  7: { name: 'NFTA_FLOWTABLE_FLAGS', kind: 'u32' },
});
registerSchema('flowtable_hook', {
  1: { name: 'NFTA_FLOWTABLE_HOOK_NUM', kind: 'u32' },
  2: { name: 'NFTA_FLOWTABLE_HOOK_PRIORITY', kind: 'i32' },
  3: { name: 'NFTA_FLOWTABLE_HOOK_DEVS', kind: { nest: 'device_list' } },
});
registerSchema('device_list', {
  1: { name: 'NFTA_DEVICE_NAME', kind: 'str' },
  2: { name: 'NFTA_DEVICE_PREFIX', kind: 'str' },
});

export function flowtableFlagBits(flags: readonly FlowtableFlag[] | undefined, unknown = 0): number {
  let v = unknown;
  for (const f of flags ?? []) v |= FLOWTABLE_FLAG_BITS[f];
  return v >>> 0;
}

/**
 * Attributes of NEWFLOWTABLE in nft's order: TABLE, NAME, HOOK { NUM,
 * PRIORITY, DEVS }, FLAGS (always, as nft sends it). Handle and use are not sent.
 */
export function encodeFlowtable(w: AttrWriter, f: Flowtable): void {
  w.str(NFTA_FLOWTABLE_TABLE, f.table);
  w.str(NFTA_FLOWTABLE_NAME, f.name);
  if (f.priority !== undefined || f.devices !== undefined || f.hook !== undefined || f.unknownHookAttrs) {
    const n = w.beginNest(NFTA_FLOWTABLE_HOOK | NLA_F_NESTED);
    w.u32(NFTA_FLOWTABLE_HOOK_NUM, typeof f.hook === 'number' ? f.hook : FLOWTABLE_HOOK_INGRESS);
    if (f.priority !== undefined) w.u32(NFTA_FLOWTABLE_HOOK_PRIORITY, resolvePriority(f.family, f.priority)!);
    if (f.devices !== undefined && f.devices.length > 0) {
      const d = w.beginNest(NFTA_FLOWTABLE_HOOK_DEVS | NLA_F_NESTED);
      for (const dev of f.devices) {
        if (dev.endsWith('*')) w.str(NFTA_DEVICE_PREFIX, dev.slice(0, -1));
        else w.str(NFTA_DEVICE_NAME, dev);
      }
      w.endNest(d);
    }
    for (const raw of f.unknownHookAttrs ?? []) w.raw(raw);
    w.endNest(n);
  }
  w.u32(NFTA_FLOWTABLE_FLAGS, flowtableFlagBits(f.flags, f.unknownFlags));
  for (const raw of f.unknownAttrs ?? []) w.raw(raw);
}

/** Attributes naming a flowtable for DELFLOWTABLE / DESTROYFLOWTABLE / GETFLOWTABLE. */
export function encodeFlowtableRef(w: AttrWriter, f: FlowtableRef): void {
  w.str(NFTA_FLOWTABLE_TABLE, f.table);
  if (f.name !== undefined) w.str(NFTA_FLOWTABLE_NAME, f.name);
  else if (f.handle !== undefined) w.u64(NFTA_FLOWTABLE_HANDLE, f.handle);
}

export function decodeFlowtable(m: MessageView): Flowtable {
  const path = ['flowtable'];
  const { family } = readNfGen(m);
  const a = new AttrTable(m.buf, attrStart(m), m.end, NFTA_FLOWTABLE_MAX, path);
  const f: Flowtable = {
    family: familyName(family),
    table: a.str(NFTA_FLOWTABLE_TABLE, 'NFTA_FLOWTABLE_TABLE'),
    name: a.str(NFTA_FLOWTABLE_NAME, 'NFTA_FLOWTABLE_NAME'),
  };
  if (a.has(NFTA_FLOWTABLE_HANDLE)) f.handle = Number(a.u64(NFTA_FLOWTABLE_HANDLE, 'NFTA_FLOWTABLE_HANDLE'));
  if (a.has(NFTA_FLOWTABLE_USE)) f.use = a.u32(NFTA_FLOWTABLE_USE, 'NFTA_FLOWTABLE_USE');
  if (a.has(NFTA_FLOWTABLE_HOOK)) {
    const [s, e] = a.range(NFTA_FLOWTABLE_HOOK, 'NFTA_FLOWTABLE_HOOK');
    const hp = [...path, 'NFTA_FLOWTABLE_HOOK'];
    const h = new AttrTable(m.buf, s, e, NFTA_FLOWTABLE_HOOK_MAX, hp);
    if (h.has(NFTA_FLOWTABLE_HOOK_NUM)) {
      const num = h.u32(NFTA_FLOWTABLE_HOOK_NUM, 'NFTA_FLOWTABLE_HOOK_NUM');
      f.hook = num === FLOWTABLE_HOOK_INGRESS ? 'ingress' : num;
    }
    if (h.has(NFTA_FLOWTABLE_HOOK_PRIORITY)) f.priority = h.i32(NFTA_FLOWTABLE_HOOK_PRIORITY, 'NFTA_FLOWTABLE_HOOK_PRIORITY');
    if (h.has(NFTA_FLOWTABLE_HOOK_DEVS)) {
      const [ds, de] = h.range(NFTA_FLOWTABLE_HOOK_DEVS, 'NFTA_FLOWTABLE_HOOK_DEVS');
      const devices: string[] = [];
      forEachAttr(m.buf, ds, de, (t, off, len) => {
        const name = readCString(m.buf, off, off + len);
        devices.push(t === NFTA_DEVICE_PREFIX ? `${name}*` : name);
      }, [...hp, 'NFTA_FLOWTABLE_HOOK_DEVS']);
      f.devices = devices;
    }
    const u = h.unknown();
    if (u) f.unknownHookAttrs = u;
  }
  const bits = a.has(NFTA_FLOWTABLE_FLAGS) ? a.u32(NFTA_FLOWTABLE_FLAGS, 'NFTA_FLOWTABLE_FLAGS') : 0;
  const flags: FlowtableFlag[] = [];
  let rest = bits;
  for (const [name, bit] of Object.entries(FLOWTABLE_FLAG_BITS) as [FlowtableFlag, number][]) {
    if (bits & bit) {
      flags.push(name);
      rest &= ~bit;
    }
  }
  f.flags = flags;
  if (rest) f.unknownFlags = rest >>> 0;
  const extra = a.unknown();
  if (extra) (f.unknownAttrs ??= []).push(...extra);
  return f;
}

/** Checks a flowtable before it is encoded; throws a ValidationError naming the field. */
export function validateFlowtableFields(f: Flowtable, op?: string, requireHook = true): void {
  if (f.hook !== undefined && f.hook !== 'ingress' && (typeof f.hook !== 'number' || !Number.isInteger(f.hook) || f.hook < 0 || f.hook > 0xffffffff)) {
    throw new ValidationError('hook', `a flowtable hooks 'ingress', not ${JSON.stringify(f.hook)}`, op);
  }
  if (f.priority === undefined) {
    if (requireHook) throw new ValidationError('priority', 'a flowtable needs a priority (e.g. 0 or "filter")', op);
  } else if (resolvePriority(f.family, f.priority) === undefined) {
    throw new ValidationError('priority', `not a priority: ${JSON.stringify(f.priority)}`, op);
  }
  if (f.devices !== undefined) {
    if (!Array.isArray(f.devices)) throw new ValidationError('devices', 'must be an array of interface names', op);
    f.devices.forEach((d, i) => {
      const base = typeof d === 'string' && d.endsWith('*') ? d.slice(0, -1) : d;
      if (typeof base !== 'string' || base.length === 0 || Buffer.byteLength(base) > 15 || base.includes('\0')) {
        throw new ValidationError(`devices[${i}]`, `not an interface name: ${JSON.stringify(d)} (1 to 15 bytes)`, op);
      }
    });
  }
  if (f.flags !== undefined) {
    if (!Array.isArray(f.flags)) throw new ValidationError('flags', 'must be an array', op);
    for (const fl of f.flags) {
      if (!Object.prototype.hasOwnProperty.call(FLOWTABLE_FLAG_BITS, fl)) {
        throw new ValidationError('flags', `unknown flowtable flag ${JSON.stringify(fl)} (known: hw-offload, counter)`, op);
      }
    }
  }
  if (f.unknownFlags !== undefined && (!Number.isInteger(f.unknownFlags) || f.unknownFlags < 0 || f.unknownFlags > 0xffffffff)) {
    throw new ValidationError('unknownFlags', 'must be a 32-bit unsigned integer', op);
  }
  for (const field of ['unknownAttrs', 'unknownHookAttrs'] as const) {
    const v = f[field];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => !(x instanceof Uint8Array) || x.length < 4))) {
      throw new ValidationError(field, 'must be an array of raw attributes (Uint8Array, header included)', op);
    }
  }
}
