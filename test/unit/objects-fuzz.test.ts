// Fuzzing the object and flowtable decoders: truncated, bit-flipped and
// length-corrupted messages must give a typed DecodeError or a value that
// encodes and prints again, never another exception or a hang.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DecodeError } from '../../src/errors.js';
import { AttrWriter } from '../../src/netlink/attr.js';
import type { MessageView } from '../../src/netlink/message.js';
import { familyNumber, NFT_MSG_NEWFLOWTABLE, NFT_MSG_NEWOBJ, nftType } from '../../src/nftables/constants.js';
import { decodeFlowtable, encodeFlowtable, type Flowtable } from '../../src/nftables/flowtable.js';
import { decodeObject, encodeObject, type NftObject } from '../../src/nftables/object.js';
import { formatFlowtable, formatObject, formatObjectMessage } from '../../src/format/object.js';

const ROUNDS = 100_000;

/** xorshift32: the same inputs on every run, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

function build(type: number, family: NftObject['family'], body: (w: AttrWriter) => void): Buffer {
  const w = new AttrWriter(512);
  const s = w.beginMessage(nftType(type), 0, 0, familyNumber(family));
  body(w);
  w.endMessage(s);
  return Buffer.from(w.finish());
}

/** As the kernel dumps them: with USE and HANDLE. */
function kernelObject(o: NftObject): Buffer {
  return build(NFT_MSG_NEWOBJ, o.family, (w) => {
    encodeObject(w, o);
    w.u32(5, 1);
    w.u64(6, 3);
  });
}

const b = { family: 'inet' as const, table: 'filter', name: 'obj' };
const OBJECT_SEEDS: NftObject[] = [
  { ...b, type: 'counter', packets: 12345, bytes: 2n ** 60n, comment: 'a comment' },
  { ...b, type: 'quota', bytes: 1000, used: 10, over: true },
  { ...b, type: 'limit', rate: 10, per: 'minute', burst: 3, unit: 'bytes', over: true },
  { ...b, type: 'connlimit', count: 7, over: true },
  { ...b, type: 'ct-helper', helper: 'ftp', protocol: 'tcp', l3proto: 'inet' },
  { ...b, type: 'ct-timeout', protocol: 'tcp', l3proto: 'ip', policy: { established: 100 } },
  { ...b, type: 'ct-timeout', protocol: 'sctp', policy: { established: 100, closed: 3 } },
  { ...b, type: 'ct-expectation', protocol: 'udp', dport: 69, timeout: 5000, size: 4, l3proto: 'ip6' },
  { ...b, type: 'secmark', context: 'system_u:object_r:http_packet_t:s0' },
  { ...b, type: 'synproxy', mss: 1460, wscale: 7, flags: ['timestamp', 'sack-perm'] },
  { ...b, family: 'netdev', type: 'tunnel', id: 9, ip: { src: '10.0.0.1', dst: '10.0.0.2' }, sport: 1, dport: 4789, flags: ['dont-fragment'], tos: 1, ttl: 64, opts: { vxlan: { gbp: 3 } } },
  { ...b, family: 'netdev', type: 'tunnel', id: 9, ip6: { src: '2001:db8::1', dst: '2001:db8::2', flowlabel: 77 }, opts: { erspan: { version: 2, hwid: 4, dir: 'egress' } } },
  { ...b, family: 'netdev', type: 'tunnel', id: 9, ip: { dst: '1.2.3.4' }, opts: { erspan: { version: 1, index: 5 } } },
  { ...b, family: 'netdev', type: 'tunnel', id: 9, ip: { dst: '1.2.3.4' }, opts: { geneve: [{ class: 1, type: 2, data: new Uint8Array([1, 2, 3, 4]) }, { class: 3, type: 4, data: new Uint8Array(8) }] } },
  { ...b, type: 'unknown', typeId: 77, data: new Uint8Array([8, 0, 1, 0, 1, 2, 3, 4]) },
];
const FLOWTABLE_SEEDS: Flowtable[] = [
  { family: 'inet', table: 'filter', name: 'ft', priority: -100, devices: ['eth0', 'veth*', 'lo'], flags: ['hw-offload', 'counter'] },
  { family: 'netdev', table: 'n', name: 'f', priority: 0 },
];

function fixtureMessages(dir: string): Buffer[] {
  const url = new URL(`../../../test/fixtures/${dir}/`, import.meta.url);
  return readdirSync(url).filter((f) => f.endsWith('.json') && f !== 'cases.json')
    .flatMap((f) => (JSON.parse(readFileSync(new URL(f, url), 'utf8')) as { messages: { hex: string }[] }).messages)
    .map((m) => Buffer.from(m.hex, 'hex'));
}

function mutate(seed: Buffer, r: () => number): { buf: Buffer; end: number } {
  const buf = Buffer.from(seed);
  let end = buf.length;
  const kind = Math.floor(r() * 4);
  if (kind === 0 || kind === 3) end = 20 + Math.floor(r() * (buf.length - 19)); // truncation (after the headers)
  if (kind >= 1) {
    const flips = 1 + Math.floor(r() * 4);
    for (let i = 0; i < flips; i++) {
      const at = 20 + Math.floor(r() * (buf.length - 20));
      buf[at] = buf[at]! ^ (1 << Math.floor(r() * 8));
    }
  }
  if (kind === 2 && r() < 0.5) {
    // Aim at a length field: the first two bytes of some attribute-aligned word.
    const at = 20 + 4 * Math.floor(r() * ((buf.length - 20) / 4));
    buf.writeUInt16LE(Math.floor(r() * 0x10000), at);
  }
  return { buf, end };
}

function view(buf: Buffer, end: number): MessageView {
  return { buf, start: 0, end, type: buf.readUInt16LE(4), flags: 0, seq: 0, pid: 0 };
}

function fuzz(name: string, seeds: Buffer[], decodeAndUse: (m: MessageView) => void, seed: number): void {
  it(`${name}: ${ROUNDS} corrupted inputs give DecodeError or a usable value`, () => {
    const r = rng(seed);
    let ok = 0;
    let typed = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const { buf, end } = mutate(seeds[i % seeds.length]!, r);
      try {
        decodeAndUse(view(buf, end));
        ok++;
      } catch (e) {
        if (!(e instanceof DecodeError)) {
          assert.fail(`round ${i}: ${String(e)}\n${(e as Error).stack}\ninput ${buf.subarray(0, end).toString('hex')}`);
        }
        typed++;
      }
    }
    // Both outcomes must occur, or the mutations are not reaching the decoder.
    assert.ok(ok > ROUNDS / 20, `decoded ${ok}`);
    assert.ok(typed > ROUNDS / 20, `rejected ${typed}`);
  });
}

describe('fuzzing object and flowtable decoders', () => {
  const objSeeds = [...OBJECT_SEEDS.map(kernelObject), ...fixtureMessages('objects').filter((m) => m.readUInt16LE(4) === nftType(NFT_MSG_NEWOBJ))];
  fuzz('decodeObject', objSeeds, (m) => {
    const o = decodeObject(m);
    const w = new AttrWriter(256);
    const s = w.beginMessage(m.type, 0, 0, 1);
    encodeObject(w, o);
    w.endMessage(s);
    formatObject(o);
  }, 0x5eed1);

  fuzz('formatObjectMessage', objSeeds, (m) => {
    formatObjectMessage(m);
  }, 0x5eed2);

  const ftSeeds = [
    ...FLOWTABLE_SEEDS.map((f) => build(NFT_MSG_NEWFLOWTABLE, f.family, (w) => {
      encodeFlowtable(w, f);
      w.u32(4, 1);
      w.u64(5, 8);
    })),
    ...fixtureMessages('flowtables').filter((m) => m.readUInt16LE(4) === nftType(NFT_MSG_NEWFLOWTABLE)),
  ];
  fuzz('decodeFlowtable', ftSeeds, (m) => {
    const f = decodeFlowtable(m);
    const w = new AttrWriter(256);
    const s = w.beginMessage(m.type, 0, 0, 1);
    encodeFlowtable(w, f);
    w.endMessage(s);
    formatFlowtable(f);
  }, 0x5eed3);
});
