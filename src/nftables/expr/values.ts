// Typed operands: a rule's cmp, range, bitwise and immediate values may be
// written as values of an nft datatype ('10.0.0.1', 80, 'established,related',
// 0x4000) instead of bytes. The datatype is the explicit `dataType`, or the
// type of what was loaded into the register the expression reads (payload
// header fields, meta and ct keys …), or for an immediate, the type of what
// consumes its register (`meta mark set`). A byteorder conversion of the
// register switches the value's byte order as the kernel's will.

import { ValidationError } from '../../errors.js';
import { isVerdict, type DataValue } from '../data.js';
import { parseValue, resolveType, type ByteOrder, type FieldSpec, type TypeSpec, type Value } from '../datatypes.js';
import type { BitwiseExpr } from './bitwise.js';
import type { CmpExpr } from './cmp.js';
import { CT_KEYS } from './ct.js';
import type { ImmediateExpr } from './immediate.js';
import { META_KEYS } from './meta.js';
import type { RangeExpr } from './range.js';
import { dumpedRegister } from './registers.js';
import type { Expr } from './types.js';

/** Bytes, or a value of the operand's datatype. */
export type ExprValue = Uint8Array | Value;

export interface TypedCmpExpr extends Omit<CmpExpr, 'data'> {
  data: ExprValue;
  /** The datatype of `data` when it is not the register's. */
  dataType?: TypeSpec;
}
export interface TypedRangeExpr extends Omit<RangeExpr, 'from' | 'to'> {
  from: ExprValue;
  to: ExprValue;
  dataType?: TypeSpec;
}
export interface TypedBitwiseExpr extends Omit<BitwiseExpr, 'mask' | 'xor' | 'data'> {
  mask?: ExprValue;
  xor?: ExprValue;
  /** Shifts: the amount (a number, or 4 bytes); and/or/xor: a value of the register's type. */
  data?: ExprValue;
  dataType?: TypeSpec;
}
export interface TypedImmediateExpr extends Omit<ImmediateExpr, 'data'> {
  data: DataValue | Value;
  dataType?: TypeSpec;
}

/** An expression as callers may write it in a rule. */
export type ExprInput = Expr | TypedCmpExpr | TypedRangeExpr | TypedBitwiseExpr | TypedImmediateExpr;

const int = (bits: number, byteorder: ByteOrder = 'host'): FieldSpec => ({ type: 'integer', bits, byteorder });

const META_TYPES: Partial<Record<(typeof META_KEYS)[number], FieldSpec>> = {
  len: int(32), protocol: { type: 'ether_type' }, priority: { type: 'classid' }, mark: { type: 'mark' },
  iif: { type: 'iface_index' }, oif: { type: 'iface_index' }, iifname: { type: 'ifname' }, oifname: { type: 'ifname' },
  iiftype: { type: 'iface_type' }, oiftype: { type: 'iface_type' }, skuid: { type: 'uid' }, skgid: { type: 'gid' },
  nftrace: int(8), rtclassid: { type: 'realm' }, secmark: int(32), nfproto: { type: 'nf_proto' }, l4proto: { type: 'inet_proto' },
  bri_iifname: { type: 'ifname' }, bri_oifname: { type: 'ifname' }, pkttype: { type: 'pkt_type' }, cpu: int(32),
  iifgroup: { type: 'devgroup' }, oifgroup: { type: 'devgroup' }, cgroup: int(32), secpath: { type: 'boolean' },
  iifkind: { type: 'ifname' }, oifkind: { type: 'ifname' }, time: { type: 'date' }, day: { type: 'day' }, hour: { type: 'hour' },
  sdif: { type: 'iface_index' }, sdifname: { type: 'ifname' },
};

const CT_TYPES: Partial<Record<(typeof CT_KEYS)[number], FieldSpec>> = {
  state: { type: 'ct_state' }, direction: { type: 'ct_dir' }, status: { type: 'ct_status' }, mark: { type: 'mark' },
  secmark: int(32), expiration: { type: 'time' }, l3protocol: { type: 'nf_proto' }, protocol: { type: 'inet_proto' },
  proto_src: { type: 'inet_service' }, proto_dst: { type: 'inet_service' }, labels: { type: 'ct_label' },
  packets: int(64), bytes: int(64), avgpkt: int(64), zone: int(16), eventmask: { type: 'ct_event' },
  src_ip: { type: 'ipv4_addr' }, dst_ip: { type: 'ipv4_addr' }, src_ip6: { type: 'ipv6_addr' }, dst_ip6: { type: 'ipv6_addr' },
  id: int(32, 'big'),
};

/** Header fields whose type follows from where they are: (base, offset, length). */
function payloadType(base: unknown, offset: number, len: number): FieldSpec | undefined {
  const b = typeof base === 'number' ? ['ll', 'network', 'transport'][base] : base;
  if (b === 'network') {
    if (len === 4 && (offset === 12 || offset === 16)) return { type: 'ipv4_addr' };
    if (len === 16 && (offset === 8 || offset === 24)) return { type: 'ipv6_addr' };
    if (len === 1 && (offset === 9 || offset === 6)) return { type: 'inet_proto' };
  } else if (b === 'transport') {
    if (len === 2 && (offset === 0 || offset === 2)) return { type: 'inet_service' };
  } else if (b === 'll') {
    if (len === 6 && (offset === 0 || offset === 6)) return { type: 'ether_addr' };
    if (len === 2 && offset === 12) return { type: 'ether_type' };
  }
  return undefined;
}

const RT_TYPES: Record<string, FieldSpec> = {
  classid: { type: 'realm' }, nexthop4: { type: 'ipv4_addr' }, nexthop6: { type: 'ipv6_addr' }, tcpmss: int(16),
};
const XFRM_TYPES: Record<string, FieldSpec> = {
  daddr4: { type: 'ipv4_addr' }, saddr4: { type: 'ipv4_addr' }, daddr6: { type: 'ipv6_addr' }, saddr6: { type: 'ipv6_addr' },
  reqid: int(32, 'big'), spi: int(32, 'big'),
};

function asField(t: TypeSpec | undefined): FieldSpec | undefined {
  if (typeof t === 'string' || typeof t === 'number') return { type: t };
  if (typeof t === 'object' && t !== null && !Array.isArray(t) && 'type' in t && !('fields' in t)) return t as FieldSpec;
  return undefined;
}

/** The type of what expression e loads into its destination register, if known. */
function loadedType(e: ExprInput, regs: Map<number, TypeSpec>): TypeSpec | undefined {
  switch (e.type) {
    case 'payload': return e.dreg !== undefined ? payloadType(e.base, e.offset, e.len) : undefined;
    case 'meta': return typeof e.key === 'string' ? META_TYPES[e.key] : undefined;
    case 'ct': return typeof e.key === 'string' ? CT_TYPES[e.key] : undefined;
    case 'rt': return typeof e.key === 'string' ? RT_TYPES[e.key] : undefined;
    case 'xfrm': return typeof e.key === 'string' ? XFRM_TYPES[e.key] : undefined;
    case 'numgen': case 'hash': return int(32);
    case 'socket': return e.key === 'mark' ? { type: 'mark' } : undefined;
    case 'bitwise': return regs.get(dumpedRegister(e.sreg));
    case 'byteorder': {
      const t = asField(regs.get(dumpedRegister(e.sreg)));
      if (!t) return undefined;
      return { ...t, byteorder: e.op === 'hton' || e.op === 1 ? 'big' : 'host' };
    }
    default: return undefined;
  }
}

/** The type an expression expects in the register it reads (meta/ct set, payload write). */
function consumedType(e: ExprInput, reg: number): FieldSpec | undefined {
  const sreg = (e as { sreg?: number }).sreg;
  if (sreg === undefined || dumpedRegister(sreg) !== reg) return undefined;
  switch (e.type) {
    case 'meta': return typeof e.key === 'string' ? META_TYPES[e.key] : undefined;
    case 'ct': return typeof e.key === 'string' ? CT_TYPES[e.key] : undefined;
    case 'payload': return payloadType(e.base, e.offset, e.len);
    default: return undefined;
  }
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

function typed(spec: TypeSpec | undefined, v: ExprValue, field: string, reg: number | undefined, op: string | undefined): Uint8Array {
  if (isBytes(v)) return v;
  if (spec === undefined) {
    throw new ValidationError(field, `is a typed value, but the type of ${reg === undefined ? 'the operand' : `register ${reg}`} is not known: give bytes, or dataType`, op);
  }
  try {
    return parseValue(resolveType(spec, `${field}Type`), v, field);
  } catch (e) {
    if (e instanceof ValidationError && op !== undefined && e.operation === undefined) throw new ValidationError(e.field, e.message.slice(e.field.length + 2), op);
    throw e;
  }
}

/** Whether any expression of the list carries a typed value. */
export function hasTypedValues(exprs: readonly ExprInput[]): boolean {
  for (const e of exprs) {
    if (typeof e !== 'object' || e === null) continue;
    switch (e.type) {
      case 'cmp': if (!isBytes(e.data)) return true; break;
      case 'range': if (!isBytes(e.from) || !isBytes(e.to)) return true; break;
      case 'bitwise':
        if ((e.mask !== undefined && !isBytes(e.mask)) || (e.xor !== undefined && !isBytes(e.xor)) || (e.data !== undefined && !isBytes(e.data))) return true;
        break;
      case 'immediate': if (!isBytes(e.data) && !isVerdict(e.data)) return true; break;
    }
    if ((e as { dataType?: unknown }).dataType !== undefined) return true;
  }
  return false;
}

/**
 * The rule's expressions with every typed value written as the bytes nft
 * would send. Throws a ValidationError naming the field (`exprs[3].data`)
 * when a value does not parse or its datatype is unknown.
 */
export function resolveValues(exprs: readonly ExprInput[], field = 'exprs', op?: string): Expr[] {
  if (!Array.isArray(exprs) || !hasTypedValues(exprs)) return exprs as Expr[];
  const regs = new Map<number, TypeSpec>();
  const out: Expr[] = [];
  for (let i = 0; i < exprs.length; i++) {
    const e = exprs[i]!;
    const f = `${field}[${i}]`;
    if (typeof e !== 'object' || e === null) {
      out.push(e as Expr);
      continue;
    }
    const explicit = (e as { dataType?: TypeSpec }).dataType;
    let result: Expr;
    switch (e.type) {
      case 'cmp': {
        const { dataType: _d, ...rest } = e as TypedCmpExpr;
        const reg = dumpedRegister(e.sreg);
        result = { ...rest, data: typed(explicit ?? regs.get(reg), e.data, `${f}.data`, reg, op) };
        break;
      }
      case 'range': {
        const { dataType: _d, ...rest } = e as TypedRangeExpr;
        const reg = dumpedRegister(e.sreg);
        const t = explicit ?? regs.get(reg);
        result = { ...rest, from: typed(t, e.from, `${f}.from`, reg, op), to: typed(t, e.to, `${f}.to`, reg, op) };
        break;
      }
      case 'bitwise': {
        const { dataType: _d, ...rest } = e as TypedBitwiseExpr;
        const reg = dumpedRegister(e.sreg);
        const t = explicit ?? regs.get(reg);
        const b: BitwiseExpr = { ...rest } as BitwiseExpr;
        if (e.mask !== undefined) b.mask = typed(t, e.mask, `${f}.mask`, reg, op);
        if (e.xor !== undefined) b.xor = typed(t, e.xor, `${f}.xor`, reg, op);
        if (e.data !== undefined) {
          const shift = e.op === 'lshift' || e.op === 'rshift' || e.op === 1 || e.op === 2;
          // A shift amount is a host-order u32, whatever the register holds.
          b.data = typed(shift ? int(32) : t, e.data, `${f}.data`, reg, op);
        }
        result = b;
        break;
      }
      case 'immediate': {
        const { dataType: _d, ...rest } = e as TypedImmediateExpr;
        if (isBytes(e.data) || isVerdict(e.data)) {
          result = { ...rest, data: e.data } as ImmediateExpr;
          break;
        }
        const reg = dumpedRegister(e.dreg);
        let t: TypeSpec | undefined = explicit;
        for (let j = i + 1; t === undefined && j < exprs.length; j++) t = consumedType(exprs[j]!, reg);
        result = { ...rest, data: typed(t, e.data as Value, `${f}.data`, reg, op) } as ImmediateExpr;
        break;
      }
      default:
        result = e as Expr;
    }
    out.push(result);
    // What the register holds from here on.
    const dreg = (result as { dreg?: number }).dreg;
    if (typeof dreg === 'number') {
      const r = dumpedRegister(dreg);
      const t = result.type === 'immediate' ? explicit : loadedType(e, regs);
      if (t) regs.set(r, t);
      else regs.delete(r);
    }
  }
  return out;
}
