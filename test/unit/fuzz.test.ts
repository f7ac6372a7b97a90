// Every decoder fed 100 000 truncated, bit-flipped or length-corrupted inputs
// (seeded, so a failure reproduces): the only thing allowed to escape is a
// DecodeError — no RangeError, no TypeError, no hang. The message decoders
// must also never read past the end they were given: the same view with
// random bytes after its end decodes to the same result.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DecodeError } from '../../src/errors.js';
import { AttrTable, AttrWriter, forEachAttr, listElements } from '../../src/netlink/attr.js';
import { NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI } from '../../src/netlink/constants.js';
import { decodeError, parseMessages, readNfGen, type MessageView } from '../../src/netlink/message.js';
import { decodeChain } from '../../src/nftables/chain.js';
import { decodeTable } from '../../src/nftables/table.js';
import { decodeGen } from '../../src/nftables/gen.js';
import { decodeData, decodeVerdict, encodeData } from '../../src/nftables/data.js';
import { commentFromUdata, parseUdata } from '../../src/nftables/udata.js';
import { attributePath } from '../../src/nftables/schema.js';
import { formatWireMessage } from '../../src/format/wire.js';

const ITERATIONS = 100_000;
const SEED = 0x5eed1234;

/** xorshift32: small, fast, reproducible. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const BOUNDARY = [0, 1, 3, 4, 5, 8, 15, 16, 17, 19, 20, 0x7fff, 0x8000, 0xfffc, 0xffff];

/** One corrupted copy of `src`. */
function mutate(src: Buffer, next: () => number): Buffer {
  let b = Buffer.from(src);
  const kind = next() % 4;
  if (kind === 0 || kind === 3) {
    b = b.subarray(0, next() % (b.length + 1));
  }
  if (kind === 1 || kind === 3) {
    const flips = 1 + (next() % 8);
    for (let i = 0; i < flips && b.length; i++) b[next() % b.length]! ^= 1 << (next() % 8);
  }
  if (kind === 2 && b.length >= 2) {
    // Lengths are u16/u32 at 4-byte boundaries: hit those most.
    const at = (next() % (b.length >> 2)) * 4 + (next() % 3 === 0 ? 2 : 0);
    const v = next() % 2 ? BOUNDARY[next() % BOUNDARY.length]! : next() & 0xffff;
    if (at + 2 <= b.length) b.writeUInt16LE(v, at);
  }
  return b;
}

function view(buf: Buffer, end = buf.length): MessageView {
  const h = (off: number, n: 2 | 4): number => (off + n <= buf.length ? (n === 2 ? buf.readUInt16LE(off) : buf.readUInt32LE(off)) : 0);
  return { buf, start: 0, end, type: h(4, 2), flags: h(6, 2), seq: h(8, 4), pid: h(12, 4) };
}

// --- the corpus: nft's own requests and kernel-shaped replies ----------------

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/golden/nft-batches.json', import.meta.url));
const golden = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { cases: { messages: string[] }[] };
const requests = golden.cases.flatMap((c) => c.messages.map((h) => Buffer.from(h, 'hex')));
const datagrams = golden.cases.map((c) => Buffer.from(c.messages.join(''), 'hex'));

function msg(type: number, flags: number, family: number, body: (w: AttrWriter) => void): Buffer {
  const w = new AttrWriter(128);
  const s = w.beginMessage(type, flags, 42, family, 0x1234);
  body(w);
  w.endMessage(s);
  return Buffer.from(w.finish());
}

/** Nests as the kernel writes them: without NLA_F_NESTED. */
function kernelNest(w: AttrWriter, type: number, body: () => void): void {
  const s = w.pos;
  w.bytes(type, new Uint8Array(0));
  w.pos = s + 4;
  body();
  w.buf.writeUInt16LE(w.pos - s, s);
}

const tableReply = msg(0x0a00, NLM_F_MULTI, 1, (w) => {
  w.str(1, 'kube-proxy');
  w.u32(2, 3);
  w.u32(3, 12);
  w.u64(4, 0x1234567890);
  w.bytes(6, Buffer.from('001572756c657320666f72206b7562652d70726f787900', 'hex'));
  w.u32(7, 4242);
});
const chainReply = msg(0x0a03, NLM_F_MULTI, 5, (w) => {
  w.str(1, 't');
  w.str(3, 'ingress');
  w.u64(2, 7);
  kernelNest(w, 4, () => {
    w.u32(1, 0);
    w.u32(2, -10 >>> 0);
    kernelNest(w, 4, () => {
      w.str(1, 'v0');
      w.str(1, 'v1');
    });
  });
  w.u32(5, 1);
  w.str(7, 'filter');
  w.u32(6, 2);
  kernelNest(w, 8, () => {
    w.u64(1, 123456789n);
    w.u64(2, 2n ** 60n);
  });
  w.u32(10, 1);
  w.bytes(12, Buffer.from('000d6e73312f737663313a70383000', 'hex'));
});
const inetChainReply = msg(0x0a03, NLM_F_MULTI, 1, (w) => {
  w.str(1, 'filter');
  w.str(3, 'input');
  w.u64(2, 1);
  kernelNest(w, 4, () => {
    w.u32(1, 1);
    w.u32(2, 0);
    w.str(3, 'lo');
  });
  w.u32(5, 0);
  w.str(7, 'filter');
  w.u32(6, 0);
});
const genReply = msg(0x0a0f, 0, 0, (w) => {
  w.u32(1, 0xdeadbeef);
  w.u32(2, 1234);
  w.str(3, 'nft');
});

function errorReply(capped: boolean): Buffer {
  const req = requests.find((r) => r.readUInt16LE(4) === 0x0a03)!;
  const w = new AttrWriter(256);
  w.reserve(20);
  w.buf.fill(0, 0, 20);
  w.pos = 16;
  w.buf.writeInt32LE(-2, 16);
  w.pos = 20;
  w.raw(capped ? req.subarray(0, 16) : req);
  w.str(1, 'Attribute failed policy validation');
  w.u32host(2, 20);
  w.u32host(5, 3);
  w.u32host(6, 4);
  const b = Buffer.from(w.finish());
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(NLMSG_ERROR, 4);
  b.writeUInt16LE((capped ? NLM_F_CAPPED : 0) | NLM_F_ACK_TLVS, 6);
  return b;
}
const done = (() => {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(20, 0);
  b.writeUInt16LE(NLMSG_DONE, 4);
  b.writeUInt16LE(NLM_F_MULTI, 6);
  return b;
})();

const dataValues = (() => {
  const out: Buffer[] = [];
  for (const v of [Buffer.from('0a000001', 'hex'), { verdict: 'jump' as const, chain: 'services' }, { verdict: 'goto' as const, chainId: 9 }, { verdict: 'accept' as const }]) {
    const w = new AttrWriter();
    encodeData(w, 1, v);
    out.push(Buffer.from(w.finish().subarray(4)));
  }
  return out;
})();

const replies = [tableReply, chainReply, inetChainReply, genReply, errorReply(true), errorReply(false), done];
const everything = [...requests, ...replies];

// --- the harness ----------------------------------------------------------------

interface Tally {
  ok: number;
  decodeErrors: number;
}

/**
 * Runs `decode` on ITERATIONS corruptions of the corpus. Any exception other
 * than a DecodeError fails, with the seed and input to reproduce it.
 */
function fuzz(name: string, corpus: Buffer[], decode: (b: Buffer) => unknown, seed: number): Tally {
  const next = rng(seed);
  const tally: Tally = { ok: 0, decodeErrors: 0 };
  for (let i = 0; i < ITERATIONS; i++) {
    const input = mutate(corpus[next() % corpus.length]!, next);
    try {
      decode(input);
      tally.ok++;
    } catch (e) {
      if (!(e instanceof DecodeError)) {
        assert.fail(`${name}: iteration ${i} (seed ${seed}) threw ${(e as Error)?.name}: ${(e as Error)?.message}\ninput ${input.toString('hex')}`);
      }
      assert.equal((e as DecodeError).code, 'ERR_NFTLINK_DECODE');
      tally.decodeErrors++;
    }
  }
  // Both outcomes must occur, or the corruptions did not reach the decoder.
  assert.ok(tally.ok > 0 && tally.decodeErrors > 0, `${name}: ${JSON.stringify(tally)}`);
  return tally;
}

type Outcome = { ok: true; value: string } | { ok: false; message: string };
function outcome(f: () => unknown): Outcome {
  try {
    return { ok: true, value: JSON.stringify(f(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/** The decoder reads nothing past `end`: junk after it changes nothing. */
function boundedBy(decode: (m: MessageView) => unknown): (b: Buffer) => unknown {
  const junk = rng(99);
  return (b) => {
    const padded = Buffer.alloc(b.length + 64);
    b.copy(padded);
    for (let i = b.length; i < padded.length; i++) padded[i] = junk() & 0xff;
    const exact = outcome(() => decode(view(b)));
    const withJunk = outcome(() => decode(view(padded, b.length)));
    assert.deepEqual(withJunk, exact, `input ${b.toString('hex')}`);
    if (!exact.ok) throw new DecodeError(exact.message, 0);
    return exact.value;
  };
}

const opts = { timeout: 120_000 };

test('parseMessages: corrupted datagrams give messages or a DecodeError', opts, () => {
  fuzz('parseMessages', [...datagrams, ...replies, Buffer.concat(replies)], (b) => parseMessages(b, 0, b.length), SEED);
});

test('decodeError: corrupted NLMSG_ERROR (capped, uncapped, with ext-ack TLVs)', opts, () => {
  fuzz('decodeError', [errorReply(true), errorReply(false)], boundedBy((m) => decodeError({ ...m, type: NLMSG_ERROR })), SEED + 1);
});

test('readNfGen: corrupted headers', opts, () => {
  fuzz('readNfGen', everything, boundedBy(readNfGen), SEED + 2);
});

test('decodeTable: corrupted NEWTABLE requests and replies', opts, () => {
  fuzz('decodeTable', [tableReply, ...requests.filter((r) => (r.readUInt16LE(4) & 0xff) === 0)], boundedBy(decodeTable), SEED + 3);
});

test('decodeChain: corrupted NEWCHAIN requests and replies (hooks, devices, counters)', opts, () => {
  fuzz('decodeChain', [chainReply, inetChainReply, ...requests.filter((r) => (r.readUInt16LE(4) & 0xff) === 3)], boundedBy(decodeChain), SEED + 4);
});

test('decodeGen: corrupted NEWGEN', opts, () => {
  fuzz('decodeGen', [genReply], boundedBy(decodeGen), SEED + 5);
});

test('decodeData / decodeVerdict: corrupted NFTA_DATA payloads', opts, () => {
  fuzz('decodeData', dataValues, (b) => decodeData(b, 0, b.length, ['data']), SEED + 6);
  fuzz('decodeVerdict', dataValues, (b) => decodeVerdict(b, 4, b.length, ['verdict']), SEED + 7);
});

test('userdata: corrupted TLV blobs (parse throws DecodeError; comment extraction never throws)', opts, () => {
  const blobs = [Buffer.from('001572756c657320666f72206b7562652d70726f787900', 'hex'), Buffer.from('0004020000000104010000000604000000000703633100', 'hex')];
  fuzz('parseUdata', blobs, (b) => {
    commentFromUdata(b);
    return parseUdata(b);
  }, SEED + 8);
});

test('attribute readers: AttrTable, forEachAttr, listElements on corrupted attribute streams', opts, () => {
  const streams = everything.filter((b) => b.length > 20).map((b) => b.subarray(20));
  fuzz('AttrTable', streams, (b) => {
    const a = new AttrTable(b, 0, b.length, 12, ['x']);
    for (let t = 1; t <= 12; t++) if (a.has(t)) a.bytes(t, 'x');
    forEachAttr(b, 0, b.length, (_t, off, len) => listElements(b, off, off + len));
  }, SEED + 9);
});

test('attributePath and the debug printer never throw on corrupted messages', opts, () => {
  const next = rng(SEED + 10);
  for (let i = 0; i < ITERATIONS; i++) {
    const input = mutate(everything[next() % everything.length]!, next);
    const path = attributePath(input, 0, input.length, next() % (input.length + 8));
    assert.ok(Array.isArray(path));
    assert.equal(typeof formatWireMessage('recv', view(input)), 'string');
  }
});
