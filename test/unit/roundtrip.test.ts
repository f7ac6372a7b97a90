// Round trips with fast-check: whatever the encoders write, the decoders read
// back unchanged — the attribute writer and reader, tables, chains, the
// generation, NFTA_DATA, userdata, message framing and NLMSG_ERROR.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AttrTable, AttrWriter, forEachAttr } from '../../src/netlink/attr.js';
import { NLMSG_ERROR, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, NLA_F_NESTED } from '../../src/netlink/constants.js';
import { decodeError, parseMessages, type MessageView } from '../../src/netlink/message.js';
import { decodeTable, encodeTable, type Table, type TableFlag } from '../../src/nftables/table.js';
import { decodeChain, encodeChain, HOOKS, type Chain, type ChainHook, type HookName } from '../../src/nftables/chain.js';
import { decodeGen } from '../../src/nftables/gen.js';
import { decodeData, encodeData, type DataValue, type VerdictCode } from '../../src/nftables/data.js';
import { buildUdata, parseUdata } from '../../src/nftables/udata.js';
import { FAMILIES, familyNumber, NFTA_GEN_ID, NFTA_GEN_PROC_NAME, NFTA_GEN_PROC_PID, type Family } from '../../src/nftables/constants.js';

const RUNS = { numRuns: 1000 };

/** One message built by `body`, as a MessageView over exactly its bytes. */
function build(type: number, family: number, body: (w: AttrWriter) => void, flags = 1): MessageView {
  const w = new AttrWriter(64);
  const s = w.beginMessage(type, flags, 7, family);
  body(w);
  w.endMessage(s);
  const buf = Buffer.from(w.finish());
  const [m] = parseMessages(buf, 0, buf.length);
  return m!;
}

// --- arbitraries ------------------------------------------------------------

/** A kernel object name: 1..255 bytes of UTF-8 without NUL. */
const name = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 80 })
  .filter((s) => !s.includes('\0') && Buffer.byteLength(s) <= 255);
const comment = fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !s.includes('\0') && Buffer.byteLength(s) <= 253);
const family = fc.constantFrom(...FAMILIES);
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => (v < 1n << 53n ? Number(v) : v));

const table: fc.Arbitrary<Table> = fc
  .record({
    family,
    name,
    flags: fc.subarray<TableFlag>(['dormant', 'owner', 'persist']),
    unknownFlags: fc.integer({ min: 0, max: 0xffffffff }).map((v) => (v & ~7) >>> 0),
    comment: fc.option(comment, { nil: undefined }),
  })
  .map((t) => {
    const out: Table = { family: t.family, name: t.name, flags: t.flags };
    if (t.unknownFlags) out.unknownFlags = t.unknownFlags;
    if (t.comment !== undefined) out.comment = t.comment;
    return out;
  });

const ifname = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.-_'.split('')), minLength: 1, maxLength: 15 });

function hookFor(f: Family): fc.Arbitrary<ChainHook> {
  const hooks = Object.keys(HOOKS[f]) as HookName[];
  return fc
    .record({
      type: fc.constantFrom('filter' as const, 'nat' as const, 'route' as const),
      hook: fc.constantFrom(...hooks),
      priority: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      devs: fc.array(ifname, { minLength: 1, maxLength: 4 }),
      single: fc.boolean(),
    })
    .map((h) => {
      const out: ChainHook = { type: h.type, hook: h.hook, priority: h.priority };
      if (f === 'netdev' || (f === 'inet' && h.hook === 'ingress')) {
        if (h.single) out.device = h.devs[0]!;
        else out.devices = h.devs;
      }
      return out;
    });
}

const chain: fc.Arbitrary<Chain> = family.chain((f) =>
  fc
    .record({
      table: name,
      name,
      handle: fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
      hook: fc.option(hookFor(f), { nil: undefined }),
      policy: fc.constantFrom('accept' as const, 'drop' as const, undefined),
      flags: fc.subarray(['hw-offload', 'binding'] as const),
      unknownFlags: fc.integer({ min: 0, max: 0xffffffff }).map((v) => (v & ~7) >>> 0),
      counters: fc.option(fc.record({ packets: u64, bytes: u64 }).map((c) => ({ ...c })), { nil: undefined }),
      comment: fc.option(comment, { nil: undefined }),
      id: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
    })
    .map((c) => {
      const out: Chain = { family: f, table: c.table, name: c.name };
      if (c.handle !== undefined) out.handle = c.handle;
      if (c.hook) {
        out.hook = c.hook;
        if (c.policy) out.policy = c.policy;
        if (c.counters) out.counters = c.counters;
      }
      if (c.flags.length || c.unknownFlags) out.flags = [...c.flags];
      if (c.unknownFlags) out.unknownFlags = c.unknownFlags;
      if (c.comment !== undefined) out.comment = c.comment;
      if (c.id !== undefined) out.id = c.id;
      return out;
    }),
);

// --- the attribute writer and reader ------------------------------------------

type Tree = { type: number; value: Uint8Array } | { type: number; nest: Tree[] };

const tree: fc.Arbitrary<Tree[]> = fc.letrec<{ node: Tree; list: Tree[] }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ type: fc.integer({ min: 0, max: 0x3fff }), value: fc.uint8Array({ maxLength: 40 }) }),
    fc.record({ type: fc.integer({ min: 0, max: 0x3fff }), nest: tie('list') }),
  ),
  list: fc.array(tie('node'), { maxLength: 5 }),
})).list;

function writeTree(w: AttrWriter, nodes: Tree[]): void {
  for (const n of nodes) {
    if ('nest' in n) {
      const s = w.beginNest(n.type);
      writeTree(w, n.nest);
      w.endNest(s);
    } else {
      w.bytes(n.type, n.value);
    }
  }
}

function readTree(buf: Uint8Array, start: number, end: number, shape: Tree[]): Tree[] {
  const out: Tree[] = [];
  let i = 0;
  forEachAttr(buf, start, end, (type, off, len) => {
    const expect = shape[i++]!;
    if ('nest' in expect) out.push({ type, nest: readTree(buf, off, off + len, expect.nest) });
    else out.push({ type, value: Buffer.from(buf.subarray(off, off + len)) });
  });
  return out;
}

function normalize(nodes: Tree[]): unknown {
  return nodes.map((n) => ('nest' in n ? { type: n.type, nest: normalize(n.nest) } : { type: n.type, value: Buffer.from(n.value).toString('hex') }));
}

test('attribute writer → reader: any tree of nests and values comes back; nests are back-patched and 4-byte aligned', () => {
  fc.assert(fc.property(tree, (t) => {
    const w = new AttrWriter(8);
    writeTree(w, t);
    const buf = w.finish();
    assert.equal(buf.length % 4, 0);
    assert.deepEqual(normalize(readTree(buf, 0, buf.length, t)), normalize(t));
  }), RUNS);
});

test('attribute writer → AttrTable: integers, strings and bytes keep their values and byte order', () => {
  fc.assert(fc.property(
    fc.record({
      u8: fc.integer({ min: 0, max: 255 }),
      u16: fc.integer({ min: 0, max: 0xffff }),
      u32: fc.integer({ min: 0, max: 0xffffffff }),
      i32: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      host: fc.integer({ min: 0, max: 0xffffffff }),
      u64: u64,
      str: fc.string({ unit: 'grapheme', maxLength: 100 }).filter((s) => !s.includes('\0')),
      bytes: fc.uint8Array({ maxLength: 100 }),
    }),
    (v) => {
      const w = new AttrWriter(16);
      w.u8(1, v.u8);
      w.u16(2, v.u16);
      w.u32(3, v.u32);
      w.u32(4, v.i32);
      w.u32host(5, v.host);
      w.u64(6, v.u64);
      w.str(7, v.str);
      w.bytes(8, v.bytes);
      const buf = w.finish();
      const a = new AttrTable(buf, 0, buf.length, 8);
      assert.equal(a.u8(1, 'u8'), v.u8);
      assert.equal(a.u16(2, 'u16'), v.u16);
      assert.equal(a.u32(3, 'u32'), v.u32);
      assert.equal(a.i32(4, 'i32'), v.i32);
      assert.equal(a.u32host(5, 'host'), v.host);
      assert.equal(a.u64(6, 'u64'), v.u64);
      assert.equal(a.str(7, 'str'), v.str);
      assert.deepEqual(Buffer.from(a.bytes(8, 'bytes')), Buffer.from(v.bytes));
      // Big-endian on the wire, as nf_tables wants.
      assert.equal(buf.readUInt32BE(a.off[3]!), v.u32);
    },
  ), RUNS);
});

test('nests carry NLA_F_NESTED and the reader masks it', () => {
  const w = new AttrWriter();
  const n = w.beginNest(4);
  w.u32(1, 5);
  w.endNest(n);
  const buf = w.finish();
  assert.equal(buf.readUInt16LE(2), 4 | NLA_F_NESTED);
  assert.equal(buf.readUInt16LE(0), 12);
  const types: number[] = [];
  forEachAttr(buf, 0, buf.length, (t) => types.push(t));
  assert.deepEqual(types, [4]);
});

// --- nf_tables objects --------------------------------------------------------

test('tables: encode → decode gives the table back; re-encoding gives the same bytes', () => {
  fc.assert(fc.property(table, (t) => {
    const m = build(0x0a00, familyNumber(t.family), (w) => encodeTable(w, t));
    const d = decodeTable(m);
    assert.deepEqual(d, t);
    const again = build(0x0a00, familyNumber(d.family), (w) => encodeTable(w, d));
    assert.deepEqual(Buffer.from(again.buf), Buffer.from(m.buf));
  }), RUNS);
});

test('tables: raw userdata survives byte for byte', () => {
  fc.assert(fc.property(family, name, fc.uint8Array({ minLength: 1, maxLength: 256 }), (f, n, ud) => {
    const t: Table = { family: f, name: n, userdata: ud };
    const m = build(0x0a00, familyNumber(f), (w) => encodeTable(w, t));
    const d = decodeTable(m);
    const again = build(0x0a00, familyNumber(f), (w) => encodeTable(w, d));
    assert.deepEqual(Buffer.from(again.buf), Buffer.from(m.buf));
  }), RUNS);
});

test('chains: encode → decode gives the chain back; re-encoding gives the same bytes', () => {
  fc.assert(fc.property(chain, (c) => {
    const m = build(0x0a03, familyNumber(c.family), (w) => encodeChain(w, c));
    const d = decodeChain(m);
    const expected: Chain = { ...c };
    // A hooked chain is marked 'base' by the kernel only; nothing else is added.
    assert.deepEqual(d, expected);
    const again = build(0x0a03, familyNumber(d.family), (w) => encodeChain(w, d));
    assert.deepEqual(Buffer.from(again.buf), Buffer.from(m.buf));
  }), RUNS);
});

test('generation: NEWGEN attributes come back', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.string({ maxLength: 15 }).filter((s) => !s.includes('\0')),
    (id, pid, proc) => {
      const m = build(0x0a0f, 0, (w) => {
        w.u32(NFTA_GEN_ID, id);
        w.u32(NFTA_GEN_PROC_PID, pid);
        w.str(NFTA_GEN_PROC_NAME, proc);
      });
      assert.deepEqual(decodeGen(m), { id, pid, procName: proc });
    },
  ), RUNS);
});

const verdict = fc.oneof(
  fc.constantFrom<VerdictCode>('accept', 'drop', 'continue', 'break', 'return').map((v) => ({ verdict: v })),
  fc.record({ verdict: fc.constantFrom<VerdictCode>('jump', 'goto'), chain: name }),
  fc.record({ verdict: fc.constantFrom<VerdictCode>('jump', 'goto'), chainId: fc.integer({ min: 0, max: 0xffffffff }) }),
).map((v) => ({ ...v }));

test('NFTA_DATA: values and verdicts come back', () => {
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), verdict), (v: DataValue) => {
    const w = new AttrWriter();
    encodeData(w, 3, v);
    const buf = w.finish();
    let got: DataValue | undefined;
    forEachAttr(buf, 0, buf.length, (_t, off, len) => {
      got = decodeData(buf, off, off + len);
    });
    if (v instanceof Uint8Array) assert.deepEqual(Buffer.from(got as Uint8Array), Buffer.from(v));
    else assert.deepEqual(got, v);
  }), RUNS);
});

test('userdata TLVs come back', () => {
  fc.assert(fc.property(
    fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 6 }),
    (tlvs) => {
      const parsed = parseUdata(buildUdata(tlvs));
      assert.deepEqual(parsed.map((t) => ({ type: t.type, value: Buffer.from(t.value) })), tlvs.map((t) => ({ type: t.type, value: Buffer.from(t.value) })));
    },
  ), RUNS);
});

// --- framing and errors -------------------------------------------------------

test('message framing: concatenated messages (with alignment gaps) split back exactly', () => {
  fc.assert(fc.property(
    fc.array(fc.record({
      type: fc.integer({ min: 16, max: 0xffff }),
      flags: fc.integer({ min: 0, max: 0xffff }),
      seq: fc.integer({ min: 0, max: 0xffffffff }),
      body: fc.uint8Array({ maxLength: 50 }),
    }), { minLength: 1, maxLength: 8 }),
    (msgs) => {
      const parts: Buffer[] = [];
      for (const m of msgs) {
        const len = 16 + m.body.length;
        const b = Buffer.alloc((len + 3) & ~3);
        b.writeUInt32LE(len, 0);
        b.writeUInt16LE(m.type, 4);
        b.writeUInt16LE(m.flags, 6);
        b.writeUInt32LE(m.seq, 8);
        b.set(m.body, 16);
        parts.push(b);
      }
      const buf = Buffer.concat(parts);
      const got = parseMessages(buf, 0, buf.length);
      assert.deepEqual(got.map((g) => ({ type: g.type, flags: g.flags, seq: g.seq, body: Buffer.from(g.buf.subarray(g.start + 16, g.end)) })),
        msgs.map((m) => ({ type: m.type, flags: m.flags, seq: m.seq, body: Buffer.from(m.body) })));
    },
  ), RUNS);
});

test('NLMSG_ERROR with extended ack: errno, request header, message and offset come back (capped or not)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 133 }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.option(fc.string({ maxLength: 60 }).filter((s) => !s.includes('\0')), { nil: undefined }),
    fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
    fc.boolean(),
    fc.uint8Array({ maxLength: 40 }),
    (errno, seq, msg, offset, capped, payload) => {
      // The request the error answers: a header plus (uncapped) its payload.
      const reqLen = 16 + payload.length;
      const req = Buffer.alloc((reqLen + 3) & ~3);
      req.writeUInt32LE(reqLen, 0);
      req.writeUInt16LE(0x0a03, 4);
      req.writeUInt16LE(0x401, 6);
      req.writeUInt32LE(seq, 8);
      req.set(payload, 16);
      const w = new AttrWriter();
      const s = w.pos;
      w.reserve(16);
      w.pos += 16;
      const body = Buffer.alloc(4);
      body.writeInt32LE(-errno, 0);
      w.raw(body);
      w.raw(capped ? req.subarray(0, 16) : req);
      if (msg !== undefined) w.str(1, msg);
      if (offset !== undefined) w.u32host(2, offset);
      const buf = Buffer.from(w.finish());
      const tlvs = msg !== undefined || offset !== undefined;
      buf.writeUInt32LE(buf.length - s, 0);
      buf.writeUInt16LE(NLMSG_ERROR, 4);
      buf.writeUInt16LE((capped ? NLM_F_CAPPED : 0) | (tlvs ? NLM_F_ACK_TLVS : 0), 6);
      buf.writeUInt32LE(seq, 8);
      const [m] = parseMessages(buf, 0, buf.length);
      const e = decodeError(m!);
      assert.equal(e.errno, errno);
      assert.deepEqual(e.request, { len: reqLen, type: 0x0a03, flags: 0x401, seq, pid: 0 });
      assert.equal(e.message, msg);
      assert.equal(e.offset, offset);
    },
  ), RUNS);
});

test('a dump reply keeps its NLM_F_MULTI flag through framing', () => {
  const m = build(0x0a00, 2, (w) => w.str(1, 't'), NLM_F_MULTI);
  assert.equal(m.flags, NLM_F_MULTI);
  assert.equal(decodeTable(m).name, 't');
});
