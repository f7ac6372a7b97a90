// The libnftnl 1.2.4 print of sets and elements, against what nft printed.
// The corpus (../shared/corpus/rules.jsonl, read at test time) holds
// `nft --debug=netlink list` output: for every set line there, the element is
// rebuilt as bytes, encoded in a NEWSETELEM message, decoded and printed, and
// the result must be the corpus line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttrWriter } from '../../src/netlink/attr.js';
import { parseMessages } from '../../src/netlink/message.js';
import { familyNumber, NFT_MSG_NEWSET, NFT_MSG_NEWSETELEM, NFTA_SET_ELEM_LIST_ELEMENTS, nftType, type Family } from '../../src/nftables/constants.js';
import { decodeElementList, encodeElementListHeader, encodeWireElement, prepareElements, type SetElement } from '../../src/nftables/element.js';
import { decodeSet, encodeSet, setShape, type NftSet } from '../../src/nftables/set.js';
import { formatElement, formatSet, formatSetElements } from '../../src/format/set.js';
import { formatWireMessage } from '../../src/format/wire.js';
import type { Verdict } from '../../src/nftables/data.js';

function corpusPath(): string {
  if (process.env['NFTLINK_CORPUS']) return resolve(process.env['NFTLINK_CORPUS'], 'rules.jsonl');
  // dist/test/unit → repo root → ../shared/corpus (a worktree sits one level deeper).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(resolve(dir, 'package.json'))) break;
    dir = dirname(dir);
  }
  for (const up of ['..', '../..']) {
    const p = resolve(dir, up, 'shared', 'corpus', 'rules.jsonl');
    if (existsSync(p)) return p;
  }
  return resolve(dir, '..', 'shared', 'corpus', 'rules.jsonl');
}

/** `%.8x ` host-order words back to bytes. */
function wordsToBytes(words: string): Uint8Array {
  const ws = words.trim() ? words.trim().split(/\s+/) : [];
  const out = Buffer.alloc(ws.length * 4);
  ws.forEach((w, i) => out.writeUInt32LE(parseInt(w, 16), i * 4));
  return out;
}

function unescape(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === 'x') {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      out.push(s.charCodeAt(i));
    }
  }
  return Uint8Array.from(out);
}

const LINE = /^\telement ((?:[0-9a-f]{8} )*)(?: - ((?:[0-9a-f]{8} )*))? : (.*?)(\d+) \[end\](?:  userdata = \{ (.*) \})?$/;

/** Parses one corpus element line into the element it describes. */
function parseLine(line: string): SetElement {
  const m = LINE.exec(line);
  assert.ok(m, `unparsed corpus line ${JSON.stringify(line)}`);
  const e: SetElement = {};
  const flags = Number(m[4]);
  if (m[1]) e.key = wordsToBytes(m[1]);
  if (m[2] !== undefined) e.keyEnd = wordsToBytes(m[2]);
  const data = m[3]!;
  if (/^([0-9a-f]{8} )+$/.test(data)) e.data = wordsToBytes(data);
  else if (data) {
    const v = /^(\w+) (?:-> (\S+) )?$/.exec(data);
    assert.ok(v, `verdict ${data}`);
    const verdict: Verdict = { verdict: v[1] as Verdict['verdict'] };
    if (v[2] !== undefined) verdict.chain = v[2];
    e.data = verdict;
  }
  if (flags & 1) e.intervalEnd = true;
  if (flags & 2) e.catchAll = true;
  if (flags & ~3) e.unknownFlags = flags & ~3;
  if (m[5] !== undefined) e.userdata = unescape(m[5]);
  return e;
}

/** The element list as a NEWSETELEM message, then decoded and printed. */
function roundTrip(family: Family, table: string, set: string, elements: SetElement[]): string[] {
  const keyLen = (elements.find((e) => e.key instanceof Uint8Array)?.key as Uint8Array | undefined)?.length ?? 4;
  const shape = { keyId: 0, keyLen, key: undefined, dataId: undefined, dataLen: 0, data: undefined, flags: 0x58, interval: false, concat: false };
  const wire = prepareElements(shape, elements, { raw: true, permissive: true });
  const w = new AttrWriter();
  const s = w.beginMessage(nftType(NFT_MSG_NEWSETELEM), 0, 0, familyNumber(family));
  encodeElementListHeader(w, table, set);
  const n = w.beginNest(NFTA_SET_ELEM_LIST_ELEMENTS);
  for (let j = 0; j < wire.count; j++) encodeWireElement(w, wire, j, 1);
  w.endNest(n);
  w.endMessage(s);
  const bytes = Buffer.from(w.finish());
  const l = decodeElementList(parseMessages(bytes, 0, bytes.length)[0]!);
  return formatSetElements({ family: l.family, table: l.table, name: l.set }, l.elements);
}

test('every set listing in the corpus prints identically from bytes', () => {
  const path = corpusPath();
  assert.ok(existsSync(path), `the corpus is at ${path}`);
  let blocks = 0;
  let lines = 0;
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (!text) continue;
    const r = JSON.parse(text) as { family: Family; table: string; dumpNetlink?: string[] };
    const d = r.dumpNetlink ?? [];
    for (let i = 0; i < d.length; i++) {
      const h = /^(\S+) (\S+) @(\S+)$/.exec(d[i]!);
      if (!h) continue;
      let j = i + 1;
      while (j < d.length && d[j]!.startsWith('\t')) j++;
      const want = d.slice(i, j);
      const els = want.slice(1).map(parseLine);
      assert.deepEqual(roundTrip(h[1] as Family, h[2]!, h[3]!, els), want, r.family + ' ' + want[0]);
      blocks++;
      lines += els.length;
    }
  }
  // The corpus has thousands of such lines (named and anonymous sets, maps, vmaps, intervals, catch-alls).
  assert.ok(blocks > 1000 && lines > 4000, `${blocks} sets, ${lines} elements`);
});

test('element lines: keys, ranges, verdicts, data, flags, userdata', () => {
  const k = (h: string): Uint8Array => Buffer.from(h, 'hex');
  assert.equal(formatElement({ key: k('0a000001') }), 'element 0100000a  : 0 [end]');
  assert.equal(formatElement({ key: k('06') }), 'element 00000006  : 0 [end]');
  assert.equal(formatElement({ key: k('0a00000000500000'), keyEnd: k('0affffff00500000') }), 'element 0000000a 00005000  - ffffff0a 00005000  : 0 [end]');
  assert.equal(formatElement({ key: k('01010101'), data: { verdict: 'jump', chain: 'other' } }), 'element 01010101  : jump -> other 0 [end]');
  assert.equal(formatElement({ catchAll: true, data: { verdict: 'accept' } }), 'element  : accept 2 [end]');
  assert.equal(formatElement({ key: k('0000000b'), intervalEnd: true }), 'element 0b000000  : 1 [end]');
  assert.equal(formatElement({ key: k('ffffff00'), intervalOpen: true }), 'element 00ffffff  : 0 [end]  userdata = { \\x01\\x04\\x01\\x00\\x00\\x00 }');
  assert.equal(formatElement({ key: k('01020304'), comment: 'c1' }), 'element 04030201  : 0 [end]  userdata = { \\x00\\x03c1\\x00 }');
  assert.equal(formatElement({ key: k('01020304'), data: k('07000000') }), 'element 04030201  : 00000007 0 [end]');
});

test('set lines as libnftnl prints them (the `netlink` lines of the corpus)', () => {
  // From the corpus: `__set%d test-ip4 3 size 4`, `__map%d test-ip4 b size 2`, and nft's named sets.
  assert.equal(formatSet({ family: 'ip', table: 'test-ip4', name: '__set%d', flags: ['anonymous', 'constant'], keyType: 'ct_state', size: 4 }), '__set%d test-ip4 3 size 4');
  assert.equal(formatSet({ family: 'ip', table: 'test-ip4', name: '__map%d', flags: ['anonymous', 'constant'], keyType: ['ct_state', 'mark'], dataType: 'verdict', size: 2 }), '__map%d test-ip4 b size 2');
  assert.equal(formatSet({ family: 'inet', table: 't', name: 'ds', keyType: 'ipv4_addr', flags: ['dynamic'], timeout: 30000 }), 'ds t 30 timeout 30000ms');
  assert.equal(formatSet({ family: 'inet', table: 't', name: 'to', keyType: 'ipv4_addr', timeout: 30000, gcInterval: 10000, size: 1000, policy: 'memory' }),
    'to t 10 timeout 30000ms gc_interval 10000ms policy 1 size 1000');
  // With elements, as nft prints what it is about to send.
  const s: NftSet = { family: 'ip', table: 'test-ip4', name: '__set%d', flags: ['anonymous', 'constant'], keyType: 'ct_state', size: 2,
    elements: [{ key: Buffer.from('08000000', 'hex') }, { key: Buffer.from('02000000', 'hex') }] };
  assert.equal(formatSet(s, { elements: true }), '__set%d test-ip4 3 size 2\n\telement 00000008  : 0 [end]\telement 00000002  : 0 [end]');
});

test('the wire tracer prints set and element messages', () => {
  const set: NftSet = { family: 'inet', table: 't', name: 's', keyType: 'ipv4_addr', flags: ['interval'], id: 1 };
  const w = new AttrWriter();
  let s = w.beginMessage(nftType(NFT_MSG_NEWSET), 0x401, 7, familyNumber('inet'));
  encodeSet(w, set);
  w.endMessage(s);
  s = w.beginMessage(nftType(NFT_MSG_NEWSETELEM), 0x401, 8, familyNumber('inet'));
  encodeElementListHeader(w, 't', 's', 1);
  const n = w.beginNest(NFTA_SET_ELEM_LIST_ELEMENTS);
  const wire = prepareElements(setShape(set), [{ key: '10.0.0.0/8' }]);
  for (let j = 0; j < wire.count; j++) encodeWireElement(w, wire, j, j + 1);
  w.endNest(n);
  w.endMessage(s);
  const b = Buffer.from(w.finish());
  const [m1, m2] = parseMessages(b, 0, b.length);
  assert.equal(formatWireMessage('send', m1!).split('\n')[1], 's t 4');
  assert.equal(formatWireMessage('send', m2!).split('\n').slice(1).join('\n'), 's t 0\n\telement 0000000a  : 0 [end]\telement 0000000b  : 1 [end]');
  assert.equal(decodeSet(m1!).name, 's');
});
