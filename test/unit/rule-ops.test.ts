// Rule operations in a batch, without a kernel: the messages nft sends for
// insert, add/insert at a position, replace and delete (test/fixtures/
// rules-golden.json, `ops`), in-batch references (RULE_ID, POSITION_ID,
// CHAIN_ID, VERDICT_CHAIN_ID), and where an error offset points.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBatch } from '../../src/client/commit.js';
import type { Op } from '../../src/client/operation.js';
import { Transaction } from '../../src/client/transaction.js';
import { AttrTable } from '../../src/netlink/attr.js';
import { parseMessages, type MessageView } from '../../src/netlink/message.js';
import { NFT_MSG_DELRULE, NFT_MSG_DESTROYRULE, NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE, nftType } from '../../src/nftables/constants.js';
import { decodeRule, NFTA_RULE_EXPRESSIONS, NFTA_RULE_ID, NFTA_RULE_POSITION, NFTA_RULE_POSITION_ID } from '../../src/nftables/rule.js';
import type { RuleSpec } from '../../src/client/ops/rule.js';

const ops = (JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'rules-golden.json'), 'utf8')) as { ops: { cmd: string; hex: string }[] }).ops;

function offline(): Transaction {
  return new Transaction({
    socket: () => {
      throw new Error('no socket in unit tests');
    },
    chainHandle: () => Promise.reject(new Error('not looked up')),
  });
}

async function messages(tx: Transaction, echo = false): Promise<MessageView[]> {
  const b = await encodeBatch(tx.operations as Op[], 100, { echo, dryRun: false });
  const buf = Buffer.from(b.finish());
  // BEGIN and END left out.
  return parseMessages(buf, 0, buf.length).slice(1, -1);
}

/** A message without its sequence number, as hex. */
function bare(m: MessageView): string {
  const b = Buffer.from(m.buf.subarray(m.start, m.end));
  b.fill(0, 8, 12);
  return b.toString('hex');
}

function nft(cmd: string): string {
  const o = ops.find((x) => x.cmd === cmd);
  assert.ok(o, cmd);
  const b = Buffer.from(o.hex, 'hex');
  return bare(parseMessages(b, 0, b.length)[0]!);
}

const counter: RuleSpec = { family: 'ip', table: 'kp', chain: 'c', exprs: [{ type: 'counter' }] };

test('insert, add or insert at a position, replace and delete send what nft sends', async () => {
  const cases: [string, (tx: Transaction) => void][] = [
    ['insert rule ip kp c counter', (tx) => tx.insertRule(counter)],
    ['insert rule ip kp c position 3 counter', (tx) => tx.insertRule(counter, { before: 3 })],
    ['insert rule ip kp c position 3 counter', (tx) => tx.addRule(counter, { before: 3 })],
    ['add rule ip kp c position 3 counter', (tx) => tx.addRule(counter, { after: 3 })],
    ['add rule ip kp c position 3 counter', (tx) => tx.insertRule(counter, { after: 3 })],
    ['replace rule ip kp c handle 3 counter', (tx) => tx.replaceRule({ ...counter, handle: 3 })],
    ['delete rule ip kp c handle 3', (tx) => tx.deleteRule({ family: 'ip', table: 'kp', chain: 'c', handle: 3 })],
  ];
  for (const [cmd, build] of cases) {
    const tx = offline();
    build(tx);
    const [m] = await messages(tx);
    assert.equal(bare(m!), nft(cmd), cmd);
  }
});

test('append is CREATE|APPEND; with echo the kernel is asked for the handle', async () => {
  const tx = offline();
  tx.addRule(counter);
  tx.destroyRule({ family: 'ip', table: 'kp', chain: 'c', handle: 9 });
  const [add, destroy] = await messages(tx, true);
  assert.equal(add!.type, nftType(NFT_MSG_NEWRULE));
  assert.equal(add!.flags, 0x1 | 0x400 | 0x800 | 0x8);
  assert.equal(destroy!.type, nftType(NFT_MSG_DESTROYRULE));
  assert.equal(destroy!.flags, 0x1);
});

test('a rule placed by another of the same batch: RULE_ID on that one, POSITION_ID on this one', async () => {
  const tx = offline();
  const a = tx.addRule(counter);
  const b = tx.addRule(counter);
  tx.insertRule(counter, { before: a });
  tx.addRule(counter, { after: a });
  tx.deleteRule({ family: 'ip', table: 'kp', chain: 'c', handle: b });
  const ms = await messages(tx);
  const attrs = (m: MessageView) => new AttrTable(m.buf, m.start + 20, m.end, 11);
  const idA = attrs(ms[0]!).u32(NFTA_RULE_ID, 'id');
  const idB = attrs(ms[1]!).u32(NFTA_RULE_ID, 'id');
  assert.notEqual(idA, idB);
  assert.equal(attrs(ms[2]!).u32(NFTA_RULE_POSITION_ID, 'pos'), idA);
  assert.equal(ms[2]!.flags & 0x800, 0, 'before: no APPEND');
  assert.equal(attrs(ms[3]!).u32(NFTA_RULE_POSITION_ID, 'pos'), idA);
  assert.equal(ms[3]!.flags & 0x800, 0x800, 'after: APPEND');
  assert.ok(!attrs(ms[2]!).has(NFTA_RULE_POSITION));
  // Unreferenced rules carry no id.
  assert.ok(!attrs(ms[2]!).has(NFTA_RULE_ID));
  assert.equal(ms[4]!.type, nftType(NFT_MSG_DELRULE));
  assert.equal(attrs(ms[4]!).u32(NFTA_RULE_ID, 'id'), idB);
});

test('a jump to a chain of the same batch by id: NFTA_CHAIN_ID on the chain, NFTA_VERDICT_CHAIN_ID in the verdict', async () => {
  const tx = offline();
  const chain = tx.addChain({ family: 'ip', table: 'kp', name: 'svc' });
  const id = tx.chainId(chain);
  assert.equal(tx.chainId(chain), id, 'stable');
  tx.addRule({ ...counter, exprs: [{ type: 'immediate', dreg: 0, data: { verdict: 'jump', chainId: id } }] });
  tx.addRule({ family: 'ip', table: 'kp', chainId: id, exprs: [{ type: 'counter' }] });
  const [c, r, r2] = await messages(tx);
  assert.equal(c!.type, nftType(NFT_MSG_NEWCHAIN));
  assert.equal(new AttrTable(c!.buf, c!.start + 20, c!.end, 12).u32(11, 'NFTA_CHAIN_ID'), id);
  assert.deepEqual(decodeRule(r!).exprs, [{ type: 'immediate', dreg: 0, data: { verdict: 'jump', chainId: id } }]);
  const rule2 = decodeRule(r2!);
  assert.equal(rule2.chainId, id);
  assert.equal(rule2.chain, '', 'no NFTA_RULE_CHAIN');
  assert.throws(() => tx.chainId(offline().addChain({ family: 'ip', table: 'kp', name: 'other' })), /added earlier in this transaction/);
});

test('an error offset inside an expression names that expression', async () => {
  const tx = offline();
  tx.addRule({
    ...counter,
    exprs: [
      { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 },
      { type: 'lookup', set: 'nope', sreg: 1 },
      { type: 'counter' },
    ],
    comment: 'c',
  });
  const b = await encodeBatch(tx.operations as Op[], 100, { echo: false, dryRun: false });
  const rec = b.records[0]!;
  const op = tx.operations[0] as Op;
  // Marks are not kept while encoding (a bootstrap writes tens of thousands
  // of rules): the op finds the expressions again in the batch. Here they are
  // found independently, by walking the message's attributes.
  assert.equal(rec.marks, undefined);
  const buf = Buffer.from(rec.buf!.buffer, rec.buf!.byteOffset, rec.buf!.byteLength);
  const marks: number[] = [];
  for (let p = rec.start + 20; p + 4 <= rec.end; p += (buf.readUInt16LE(p) + 3) & ~3) {
    if ((buf.readUInt16LE(p + 2) & 0x7fff) !== NFTA_RULE_EXPRESSIONS) continue;
    const end = p + buf.readUInt16LE(p);
    for (let q = p + 4; q < end; q += (buf.readUInt16LE(q) + 3) & ~3) marks.push(q - rec.start);
    marks.push(end - rec.start);
  }
  assert.equal(marks.length, 4, 'three starts and the end of the last');
  for (let i = 0; i < 3; i++) {
    assert.equal(op.expressionAt(rec, marks[i]!), i);
    assert.equal(op.expressionAt(rec, marks[i + 1]! - 1), i);
  }
  assert.equal(op.expressionAt(rec, marks[3]!), undefined, 'the userdata after the list');
  assert.equal(op.expressionAt(rec, 20), undefined, 'the table name');
  assert.match(op.detail(rec, marks[1]! + 8) ?? '', /^expression #1: \[ lookup reg 1 set nope \]$/);
});
