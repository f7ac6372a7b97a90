// fast-check arbitraries of valid expressions, one per kind (round-trip
// properties and the decoder fuzzer start from them).

import fc from 'fast-check';
import {
  BYTEORDER_OPS, CT_DIRECTIONS, CT_KEYS, DYNSET_OPS, FIB_RESULTS, HASH_TYPES, LIMIT_TYPES, META_KEYS,
  NUMGEN_MODES, RANGE_OPS, RT_KEYS, SOCKET_KEYS, XFRM_DIRS, XFRM_KEYS, type Expr,
} from '../../src/nftables/expr/index.js';
import { OBJECT_TYPES } from '../../src/nftables/object.js';

const reg = fc.integer({ min: 0, max: 23 });
const dataReg = fc.integer({ min: 1, max: 23 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u8 = fc.integer({ min: 0, max: 255 });
const name = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,24}$/);
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const u64 = fc.oneof(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.bigInt({ min: 1n << 53n, max: (1n << 64n) - 1n }));
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** Drops undefined fields so records compare as the decoder builds them. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export const simpleStateful: fc.Arbitrary<Expr> = fc.oneof(
  fc.record({ type: fc.constant('counter' as const), packets: opt(u64), bytes: opt(u64) }).map(clean),
  fc.record({ type: fc.constant('limit' as const), rate: u64, unit: fc.integer({ min: 1, max: 604800 }), burst: opt(u32), limitType: opt(pick(LIMIT_TYPES)), flags: opt(u32) }).map(clean),
  fc.record({ type: fc.constant('quota' as const), bytes: u64, consumed: opt(u64), flags: opt(u32) }).map(clean),
  fc.record({ type: fc.constant('connlimit' as const), count: u32, flags: opt(u32) }).map(clean),
);

export const arbitraries: Record<string, fc.Arbitrary<Expr>> = {
  payload: fc.oneof(
    fc.record({ type: fc.constant('payload' as const), base: pick(['ll', 'network', 'transport', 'inner'] as const), offset: u32, len: fc.integer({ min: 1, max: 16 }), dreg: reg }),
    fc.record({ type: fc.constant('payload' as const), base: pick(['ll', 'network', 'transport'] as const), offset: u32, len: fc.integer({ min: 1, max: 16 }), sreg: reg, csumType: opt(u32), csumOffset: opt(u32), csumFlags: opt(u32) }).map(clean),
  ),
  cmp: fc.record({ type: fc.constant('cmp' as const), op: pick(['eq', 'neq', 'lt', 'lte', 'gt', 'gte'] as const), sreg: reg, data: bytes(1, 16) }),
  immediate: fc.oneof(
    fc.record({ type: fc.constant('immediate' as const), dreg: dataReg, data: bytes(1, 16) }),
    fc.record({ type: fc.constant('immediate' as const), dreg: fc.constant(0), data: fc.oneof(
      fc.record({ verdict: pick(['accept', 'drop', 'continue', 'return'] as const) }),
      fc.record({ verdict: pick(['jump', 'goto'] as const), chain: name }),
    ) }),
  ),
  counter: fc.record({ type: fc.constant('counter' as const), packets: opt(u64), bytes: opt(u64) }).map(clean),
  meta: fc.oneof(
    fc.record({ type: fc.constant('meta' as const), key: pick(META_KEYS), dreg: reg }),
    fc.record({ type: fc.constant('meta' as const), key: pick(META_KEYS), sreg: reg }),
  ),
  ct: fc.oneof(
    fc.record({ type: fc.constant('ct' as const), key: pick(CT_KEYS), dreg: reg, direction: opt(pick(CT_DIRECTIONS)) }).map(clean),
    fc.record({ type: fc.constant('ct' as const), key: pick(CT_KEYS), sreg: reg, direction: opt(pick(CT_DIRECTIONS)) }).map(clean),
  ),
  bitwise: fc.oneof(
    fc.integer({ min: 1, max: 16 }).chain((len) => fc.record({
      type: fc.constant('bitwise' as const), sreg: reg, dreg: reg, len: fc.constant(len),
      op: opt(fc.constant('mask-xor' as const)), mask: bytes(len, len), xor: bytes(len, len),
    }).map(clean)),
    fc.record({ type: fc.constant('bitwise' as const), sreg: reg, dreg: reg, len: fc.integer({ min: 1, max: 16 }), op: pick(['lshift', 'rshift'] as const), data: bytes(4, 4) }),
    fc.record({ type: fc.constant('bitwise' as const), sreg: reg, dreg: reg, len: fc.integer({ min: 1, max: 16 }), op: pick(['and', 'or', 'xor'] as const), data: bytes(1, 16) }),
    fc.record({ type: fc.constant('bitwise' as const), sreg: reg, dreg: reg, len: fc.integer({ min: 1, max: 16 }), op: pick(['and', 'or', 'xor'] as const), sreg2: reg }),
  ),
  byteorder: fc.record({ type: fc.constant('byteorder' as const), sreg: reg, dreg: reg, op: pick(BYTEORDER_OPS), len: u32, size: pick([2, 4, 8]) }),
  range: fc.integer({ min: 1, max: 16 }).chain((n) => fc.record({ type: fc.constant('range' as const), sreg: reg, op: pick(RANGE_OPS), from: bytes(n, n), to: bytes(n, n) })),
  lookup: fc.record({ type: fc.constant('lookup' as const), set: name, setId: opt(u32), sreg: reg, dreg: opt(reg), flags: opt(u32) }).map(clean),
  dynset: fc.record({
    type: fc.constant('dynset' as const), op: pick(DYNSET_OPS), set: name, setId: opt(u32), sregKey: reg, sregData: opt(reg),
    // A zero timeout means "the set's own" and is not sent (see dynset.ts).
    timeout: opt(fc.oneof(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.bigInt({ min: 1n << 53n, max: (1n << 64n) - 1n }))),
    expr: opt(simpleStateful), flags: opt(u32),
  }).chain((d) => (d.expr ? fc.constant(clean(d)) : fc.option(fc.array(simpleStateful, { minLength: 2, maxLength: 3 }), { nil: undefined })
    // An expression list implies NFT_DYNSET_F_EXPR: the encoder adds it, so it comes back.
    .map((exprs) => clean({ ...d, exprs, ...(exprs ? { flags: ((d.flags ?? 0) | 0x2) >>> 0 } : {}) })))),
  objref: fc.oneof(
    fc.record({ type: fc.constant('objref' as const), objType: pick(OBJECT_TYPES), name }),
    fc.record({ type: fc.constant('objref' as const), setSreg: reg, set: name, setId: opt(u32) }).map(clean),
  ),
  limit: fc.record({ type: fc.constant('limit' as const), rate: u64, unit: fc.integer({ min: 1, max: 604800 }), burst: opt(u32), limitType: opt(pick(LIMIT_TYPES)), flags: opt(u32) }).map(clean),
  quota: fc.record({ type: fc.constant('quota' as const), bytes: u64, consumed: opt(u64), flags: opt(u32) }).map(clean),
  connlimit: fc.record({ type: fc.constant('connlimit' as const), count: u32, flags: opt(u32) }).map(clean),
  last: fc.record({ type: fc.constant('last' as const), msecs: opt(u64), set: opt(u32) }).map(clean),
  hash: fc.oneof(
    fc.record({ type: fc.constant('hash' as const), sreg: reg, dreg: reg, len: u32, modulus: fc.integer({ min: 1, max: 0xffffffff }), seed: opt(u32), offset: opt(u32), hashType: opt(fc.constant('jhash' as const)) }).map(clean),
    fc.record({ type: fc.constant('hash' as const), dreg: reg, modulus: fc.integer({ min: 1, max: 0xffffffff }), offset: opt(u32), hashType: fc.constant(HASH_TYPES[1]) }).map(clean),
  ),
  numgen: fc.record({ type: fc.constant('numgen' as const), dreg: reg, modulus: fc.integer({ min: 1, max: 0xffffffff }), mode: pick(NUMGEN_MODES), offset: opt(u32) }).map(clean),
  rt: fc.record({ type: fc.constant('rt' as const), key: pick(RT_KEYS), dreg: reg }),
  socket: fc.record({ type: fc.constant('socket' as const), key: pick(SOCKET_KEYS), dreg: reg, level: opt(u32) }).map(clean),
  fib: fc.record({ type: fc.constant('fib' as const), dreg: reg, result: pick(FIB_RESULTS.slice(1) as ('oif')[]), flags: fc.integer({ min: 0, max: 63 }) }),
  // Zero flags are not sent (the kernel refuses them, see osf.ts).
  osf: fc.record({ type: fc.constant('osf' as const), dreg: reg, ttl: opt(u8), flags: opt(fc.integer({ min: 1, max: 0xffffffff })) }).map(clean),
  xfrm: fc.record({ type: fc.constant('xfrm' as const), key: pick(XFRM_KEYS.slice(1) as ('spi')[]), dir: pick(XFRM_DIRS), spnum: u32, dreg: reg }),
};

/** A comparable form: byte arrays as hex, numbers and bigints as decimal strings. */
export function canon(v: unknown): unknown {
  if (v instanceof Uint8Array) return `hex:${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'bigint' || typeof v === 'number') return `n:${v}`;
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, canon(x)]));
  }
  return v;
}

