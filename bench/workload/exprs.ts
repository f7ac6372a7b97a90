// The expression lists nft 1.0.6 generates for the kube-proxy rule shapes,
// read from `nft --debug=netlink` / `--debug=mnl` of the same rules (inside
// `unshare -n`). Each builder returns exactly the sequence nft sends, down to
// which optional attributes are present (NFTA_BITWISE_OP is sent for mark
// arithmetic but not for ct state/status tests; numgen carries an explicit
// offset 0).

import type { Expr } from '../../src/nftables/expr/index.js';
import type { Verdict } from '../../src/nftables/data.js';

// 32-bit registers as nft numbers them: NFT_REG32_01 = 9 …
const R1 = 1;

function be32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}
function be16(n: number): Uint8Array {
  return Uint8Array.of((n >>> 8) & 255, n & 255);
}
function host32(n: number): Uint8Array {
  return Uint8Array.of(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255);
}

const ZERO32 = host32(0);
const IPPROTO_TCP = Uint8Array.of(6);

/** `ip saddr` / `ip daddr` into `dreg`. */
export function ipAddr(which: 'saddr' | 'daddr', dreg = R1): Expr {
  return { type: 'payload', base: 'network', offset: which === 'saddr' ? 12 : 16, len: 4, dreg };
}

/** `ip daddr <addr>` / `ip saddr <addr>` */
export function ipAddrEq(which: 'saddr' | 'daddr', addr: number): Expr[] {
  return [ipAddr(which), { type: 'cmp', op: 'eq', sreg: R1, data: be32(addr) }];
}

/**
 * `ip saddr != a.b.0.0/16`-style prefixes on a byte boundary: nft loads only
 * the prefix bytes and compares them (`ip saddr != 10.0.0.0/8` is a 1-byte load).
 */
export function ipPrefixCmp(which: 'saddr' | 'daddr', op: 'eq' | 'neq', addr: number, prefixLen: 8 | 16 | 24): Expr[] {
  const bytes = prefixLen / 8;
  const data = be32(addr).subarray(0, bytes);
  return [
    { type: 'payload', base: 'network', offset: which === 'saddr' ? 12 : 16, len: bytes, dreg: R1 },
    { type: 'cmp', op, sreg: R1, data: Uint8Array.from(data) },
  ];
}

export function verdict(v: Verdict): Expr {
  return { type: 'immediate', dreg: 0, data: v };
}

export function jump(chain: string): Expr {
  return verdict({ verdict: 'jump', chain });
}

export function goto(chain: string): Expr {
  return verdict({ verdict: 'goto', chain });
}

/** `ct state new` */
export function ctStateNew(): Expr[] {
  return [
    { type: 'ct', key: 'state', dreg: R1 },
    { type: 'bitwise', sreg: R1, dreg: R1, len: 4, mask: host32(0x8), xor: ZERO32 },
    { type: 'cmp', op: 'neq', sreg: R1, data: ZERO32 },
  ];
}

/** `ct status dnat` */
export function ctStatusDnat(): Expr[] {
  return [
    { type: 'ct', key: 'status', dreg: R1 },
    { type: 'bitwise', sreg: R1, dreg: R1, len: 4, mask: host32(0x20), xor: ZERO32 },
    { type: 'cmp', op: 'neq', sreg: R1, data: ZERO32 },
  ];
}

/** `meta mark set meta mark | bits` (nft: mark & ~bits ^ bits) */
export function markOr(bits: number): Expr[] {
  return [
    { type: 'meta', key: 'mark', dreg: R1 },
    { type: 'bitwise', sreg: R1, dreg: R1, len: 4, op: 'mask-xor', mask: host32(~bits >>> 0), xor: host32(bits) },
    { type: 'meta', key: 'mark', sreg: R1 },
  ];
}

/** `meta mark set meta mark ^ bits` */
export function markXor(bits: number): Expr[] {
  return [
    { type: 'meta', key: 'mark', dreg: R1 },
    { type: 'bitwise', sreg: R1, dreg: R1, len: 4, op: 'mask-xor', mask: host32(0xffffffff), xor: host32(bits) },
    { type: 'meta', key: 'mark', sreg: R1 },
  ];
}

/** `meta mark & bits == 0` (op 'eq') or `!= 0` (op 'neq') */
export function markAndCmp(bits: number, op: 'eq' | 'neq'): Expr[] {
  return [
    { type: 'meta', key: 'mark', dreg: R1 },
    { type: 'bitwise', sreg: R1, dreg: R1, len: 4, op: 'mask-xor', mask: host32(bits), xor: ZERO32 },
    { type: 'cmp', op, sreg: R1, data: ZERO32 },
  ];
}

/** `masquerade fully-random` */
export function masqFullyRandom(): Expr {
  return { type: 'masq', flags: 0x10 };
}

/** `reject` in an ip table: ICMP port unreachable. */
export function reject(): Expr {
  return { type: 'reject', rejectType: 'icmp-unreach', icmpCode: 3 };
}

/** `ip daddr . meta l4proto . th dport` into registers 1, 9, 10 (the service-ips key). */
export function daddrProtoPort(): Expr[] {
  return [
    ipAddr('daddr'),
    { type: 'meta', key: 'l4proto', dreg: 9 },
    { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 10 },
  ];
}

/** `meta l4proto . th dport` into registers 1, 9 (the nodeport key). */
export function protoPort(): Expr[] {
  return [
    { type: 'meta', key: 'l4proto', dreg: R1 },
    { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 9 },
  ];
}

/** `ip saddr . ip daddr . meta l4proto . th dport` (the hairpin key). */
export function saddrDaddrProtoPort(): Expr[] {
  return [
    ipAddr('saddr'),
    ipAddr('daddr', 9),
    { type: 'meta', key: 'l4proto', dreg: 10 },
    { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 11 },
  ];
}

/** `… vmap @set` / `… @set` (lookup of register 1). */
export function lookup(set: string, opts: { vmap?: boolean; dreg?: number } = {}): Expr {
  const e: Expr = { type: 'lookup', set, sreg: R1 };
  if (opts.vmap) e.dreg = 0;
  else if (opts.dreg !== undefined) e.dreg = opts.dreg;
  return e;
}

/** `meta l4proto tcp` */
export function l4protoTcp(): Expr[] {
  return [
    { type: 'meta', key: 'l4proto', dreg: R1 },
    { type: 'cmp', op: 'eq', sreg: R1, data: IPPROTO_TCP },
  ];
}

/** `dnat to <addr>:<port>` after `meta l4proto tcp` (v1.35 endpoint chains). */
export function dnatTo(addr: number, port: number): Expr[] {
  return [
    { type: 'immediate', dreg: 1, data: be32(addr) },
    { type: 'immediate', dreg: 2, data: be16(port) },
    { type: 'nat', natType: 'dnat', family: 'ip', sregAddrMin: 1, sregProtoMin: 2, flags: 0x2 },
  ];
}

/** `numgen random mod K` into register 1 (nft sends the offset, 0, too). */
export function numgenRandom(modulus: number): Expr {
  return { type: 'numgen', dreg: R1, modulus, mode: 'random', offset: 0 };
}

/** `dnat ip to <map lookup result: addr . port>` (registers 1 and 9). */
export function dnatFromMap(): Expr {
  return { type: 'nat', natType: 'dnat', family: 'ip', sregAddrMin: 1, sregProtoMin: 9 };
}

/** `update @set { ip saddr }` */
export function updateSaddr(set: string): Expr[] {
  return [ipAddr('saddr'), { type: 'dynset', op: 'update', set, sregKey: R1 }];
}
