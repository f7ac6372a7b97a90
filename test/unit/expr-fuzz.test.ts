// Every decoder of the rule expression kinds (and of the framework's four) fed damaged input: truncated, oversized (lengths
// inflated, garbage appended) and bit-flipped versions of valid encodings.
// A decoder may return an expression or throw a DecodeError; through the
// list decoder a damaged known kind comes back as `unknown` with its bytes.
// Anything else (TypeError, RangeError, a hang) fails. Deterministic: the
// seed is fixed; NFTLINK_FUZZ_CASES sets the cases per kind (default 5000).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../src/errors.js';
import { AttrWriter } from '../../src/netlink/attr.js';
import {
  codecForType, decodeExpr, decodeExprList, encodeExprBody, encodeExprList, formatExpr, registeredExprNames, type Expr,
} from '../../src/nftables/expr/index.js';
import { arbitraries } from '../helpers/expr-arbitraries.js';
import { RULE_KINDS } from '../helpers/corpus-sample.js';
import { mulberry32 as prng } from '../helpers/prng.js';

const CASES = Number(process.env['NFTLINK_FUZZ_CASES'] ?? 5000);
const SEEDS_PER_KIND = 64;


/** NFTA_EXPR_DATA payload of an expression (what codec.decode reads). */
function dataOf(e: Expr): Uint8Array {
  const w = new AttrWriter(256);
  encodeExprBody(w, e);
  const b = w.finish();
  // NAME then DATA: skip NAME, then DATA's header.
  const nameLen = (b.readUInt16LE(0) + 3) & ~3;
  if (nameLen >= b.length) return new Uint8Array(0);
  const dataLen = b.readUInt16LE(nameLen);
  return Uint8Array.from(b.subarray(nameLen + 4, nameLen + dataLen));
}

type Mutation = (b: Uint8Array, r: () => number) => Uint8Array;
const int = (r: () => number, n: number): number => Math.floor(r() * n);

const mutations: [string, Mutation][] = [
  ['truncated', (b, r) => b.subarray(0, int(r, b.length))],
  ['bit-flipped', (b, r) => {
    const out = Uint8Array.from(b);
    const flips = 1 + int(r, 8);
    for (let i = 0; i < flips && out.length > 0; i++) out[int(r, out.length)]! ^= 1 << int(r, 8);
    return out;
  }],
  ['length inflated', (b, r) => {
    // Grow one attribute length (nla_len is the first u16 of a header at a 4-byte boundary).
    const out = Uint8Array.from(b);
    if (out.length >= 4) {
      const p = int(r, out.length >> 2) << 2;
      const v = out[p]! | (out[p + 1]! << 8);
      const nv = Math.min(0xffff, v + 1 + int(r, 64));
      out[p] = nv & 0xff;
      out[p + 1] = nv >> 8;
    }
    return out;
  }],
  ['garbage appended', (b, r) => {
    const extra = 1 + int(r, 40);
    const out = new Uint8Array(b.length + extra);
    out.set(b);
    for (let i = b.length; i < out.length; i++) out[i] = int(r, 256);
    return out;
  }],
  ['oversized attribute', (b, r) => {
    // A valid-looking attribute of a random type with a payload far larger than its kind.
    const n = 4 + int(r, 300);
    const out = new Uint8Array(b.length + 4 + n + 3 & ~3);
    out.set(b);
    const p = b.length;
    out[p] = (4 + n) & 0xff;
    out[p + 1] = (4 + n) >> 8;
    out[p + 2] = 1 + int(r, 12);
    for (let i = p + 4; i < p + 4 + n; i++) out[i] = int(r, 256);
    return out;
  }],
  ['random bytes', (_b, r) => {
    const out = new Uint8Array(int(r, 64));
    for (let i = 0; i < out.length; i++) out[i] = int(r, 256);
    return out;
  }],
];

function seedsFor(kind: string): Expr[] {
  const arb = arbitraries[kind];
  if (!arb) return [];
  return fc.sample(arb, { numRuns: SEEDS_PER_KIND, seed: 4242 });
}

/** Runs fn; a thrown DecodeError is fine, anything else fails the test with the input. */
function expectTyped<T>(what: string, input: Uint8Array, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    assert.fail(`${what} threw ${(e as Error)?.name}: ${(e as Error)?.message} on ${Buffer.from(input).toString('hex')}`);
  }
}

// The kinds of the rules work and the framework's four (the other kinds are fuzzed with their own seeds).
const KINDS = RULE_KINDS.filter((k) => registeredExprNames().includes(k));

test('the fuzzer has seeds for every kind it covers', () => {
  assert.equal(KINDS.length, RULE_KINDS.length);
  for (const name of KINDS) assert.ok(arbitraries[name], `no arbitrary for ${name}`);
});

for (const name of KINDS) {
  test(`${name}: ${CASES} damaged inputs give expressions or DecodeErrors, nothing else`, () => {
    const codec = codecForType(name) ?? undefined;
    assert.ok(codec);
    const seeds = seedsFor(codec.type).map(dataOf);
    assert.ok(seeds.length > 0);
    const r = prng(0x5eed ^ name.length * 7919);
    const t0 = Date.now();
    let decoded = 0;
    for (let i = 0; i < CASES; i++) {
      const [label, mutate] = mutations[i % mutations.length]!;
      const input = mutate(seeds[int(r, seeds.length)]!, r);
      // The kind's own decoder.
      const e: Expr | undefined = expectTyped(`${name} decode (${label})`, input, (): Expr => codec.decode(input, 0, input.length, ['fuzz']));
      if (e !== undefined) {
        decoded++;
        assert.equal(typeof formatExpr(e), 'string');
      }
      // Through the list decoder: NFTA_LIST_ELEM { NAME, DATA }.
      const w = new AttrWriter(input.length + 64);
      const el = w.beginNest(1);
      w.str(1, name);
      w.bytes(2, input);
      w.endNest(el);
      const buf = w.finish();
      const list = expectTyped(`${name} list decode (${label})`, buf, () => decodeExprList(buf, 0, buf.length, ['fuzz']));
      assert.ok(list !== undefined, 'a well-framed element never fails the list');
      assert.equal(list.length, 1);
      const x = list[0]!;
      if (x.type === 'unknown') {
        assert.equal(x.name, name);
        // Kept raw: re-encoding gives the damaged bytes back unchanged.
        const w2 = new AttrWriter(buf.length + 16);
        encodeExprList(w2, list);
        assert.deepEqual(Buffer.from(w2.finish()), Buffer.from(buf));
      }
      assert.equal(typeof formatExpr(x), 'string');
    }
    // Bounded: a decoder that looped on some input would not get here in time.
    assert.ok(Date.now() - t0 < 60_000);
    assert.ok(decoded > 0, 'some damaged inputs still decode');
  });
}

test('damaged element framing: DecodeError from the list decoder, never another error', () => {
  const r = prng(99);
  const seeds = Object.keys(arbitraries).flatMap((k) => seedsFor(k).slice(0, 8));
  for (let i = 0; i < CASES; i++) {
    const w = new AttrWriter(512);
    encodeExprList(w, [seeds[int(r, seeds.length)]!]);
    const [label, mutate] = mutations[i % mutations.length]!;
    const input = mutate(w.finish(), r);
    expectTyped(`list (${label})`, input, () => decodeExprList(input, 0, input.length, ['fuzz']));
    expectTyped(`element (${label})`, input, () => decodeExpr(input, 0, input.length, ['fuzz']));
  }
});
