// Transactions without a kernel: validation before anything is sent, labels,
// batch records and sequence numbers, attribute paths for ext-ack offsets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from '../../src/client/transaction.js';
import { encodeBatch } from '../../src/client/commit.js';
import { findRecord, type MessageRecord } from '../../src/client/batch.js';
import type { Op } from '../../src/client/operation.js';
import { ValidationError } from '../../src/errors.js';
import { attributePath, formatPath } from '../../src/nftables/schema.js';
import type { Chain } from '../../src/nftables/chain.js';

function offline(): Transaction {
  return new Transaction({
    socket: () => {
      throw new Error('a transaction that failed validation must never reach the socket');
    },
    chainHandle: () => Promise.reject(new Error('not looked up')),
  });
}

function rejects(f: (tx: Transaction) => unknown, field: string, op: RegExp): void {
  const tx = offline();
  tx.addTable({ family: 'inet', name: 'ok' });
  assert.throws(() => f(tx), (e: unknown) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.code, 'ERR_NFTLINK_VALIDATION');
    assert.equal(e.field, field);
    assert.match(e.message, op);
    assert.equal(e.index, 1, 'the index the operation would have had');
    return true;
  });
  assert.equal(tx.size, 1, 'the bad operation was not added');
}

test('validation: names longer than 255 bytes', () => {
  rejects((tx) => tx.addTable({ family: 'ip', name: 'x'.repeat(256) }), 'name', /addTable ip x+…\(256 chars\): name: is 256 bytes/);
  // 255 bytes is the limit; multi-byte characters count in bytes.
  offline().addTable({ family: 'ip', name: 'x'.repeat(255) });
  rejects((tx) => tx.addTable({ family: 'ip', name: 'é'.repeat(128) }), 'name', /256 bytes/);
  rejects((tx) => tx.addChain({ family: 'ip', table: 't'.repeat(300), name: 'c' }), 'table', /is 300 bytes/);
  rejects((tx) => tx.renameChain({ family: 'ip', table: 't', handle: 3, newName: 'n'.repeat(256) }), 'newName', /renameChain/);
  rejects((tx) => tx.addTable({ family: 'ip', name: '' }), 'name', /non-empty/);
  rejects((tx) => tx.addTable({ family: 'ip', name: 'a\0b' }), 'name', /NUL/);
});

test('validation: unknown family, hook, type, priority; devices', () => {
  rejects((tx) => tx.addTable({ family: 'ipv4' as 'ip', name: 't' }), 'family', /unknown family "ipv4"/);
  rejects((tx) => tx.deleteChain({ family: 99 as unknown as 'ip', table: 't', name: 'c' }), 'family', /unknown family 99/);
  const base = (hook: Partial<NonNullable<Chain['hook']>>, family: Chain['family'] = 'inet'): Chain =>
    ({ family, table: 't', name: 'c', hook: { hook: 'input', priority: 0, ...hook } as NonNullable<Chain['hook']> });
  rejects((tx) => tx.addChain(base({ hook: 'inbound' as 'input' })), 'hook.hook', /unknown hook "inbound" for family inet/);
  rejects((tx) => tx.addChain(base({ hook: 'prerouting' }, 'arp')), 'hook.hook', /family arp/);
  rejects((tx) => tx.addChain(base({ hook: 'egress' }, 'ip')), 'hook.hook', /family ip/);
  rejects((tx) => tx.addChain(base({ type: 'mangle' as 'filter' })), 'hook.type', /unknown chain type "mangle"/);
  rejects((tx) => tx.addChain(base({ priority: 'fast' })), 'hook.priority', /not a priority/);
  rejects((tx) => tx.addChain(base({ priority: 1.5 })), 'hook.priority', /not a priority/);
  rejects((tx) => tx.addChain(base({ hook: 'ingress' }, 'netdev')), 'hook.device', /needs a device/);
  rejects((tx) => tx.addChain(base({ hook: 'ingress', device: 'a-name-that-is-too-long' }, 'netdev')), 'hook.device', /1 to 15 bytes/);
  rejects((tx) => tx.addChain({ family: 'inet', table: 't', name: 'c', hook: 'input' as unknown as Chain['hook'] }), 'hook', /must be an object/);
});

test('validation: a policy only on base chains; flags, comments, userdata', () => {
  rejects((tx) => tx.addChain({ family: 'ip', table: 't', name: 'c', policy: 'drop' }), 'policy', /only allowed on a base chain/);
  rejects((tx) => tx.addChain({ family: 'ip', table: 't', name: 'c', hook: { hook: 'input', priority: 0 }, policy: 'reject' as 'drop' }), 'policy', /'accept' or 'drop'/);
  rejects((tx) => tx.addTable({ family: 'ip', name: 't', flags: ['sleepy' as 'dormant'] }), 'flags', /unknown table flag "sleepy"/);
  rejects((tx) => tx.addTable({ family: 'ip', name: 't', comment: 'c'.repeat(254) }), 'comment', /at most 253/);
  rejects((tx) => tx.addChain({ family: 'ip', table: 't', name: 'c', userdata: new Uint8Array(257) }), 'userdata', /at most 256/);
  rejects((tx) => tx.addChain({ family: 'ip', table: 't', name: 'c', counters: { packets: 0, bytes: 0 } }), 'counters', /only base chains/);
  rejects((tx) => tx.deleteTable({ family: 'ip' }), 'name', /by name or handle/);
  rejects((tx) => tx.deleteChain({ family: 'ip', table: 't', handle: -1 }), 'handle', /non-negative integer/);
});

test('labels name the operation and its object', () => {
  const tx = offline();
  const ops = [
    tx.addTable({ family: 'inet', name: 't' }),
    tx.createChain({ family: 'inet', table: 't', name: 'c' }),
    tx.deleteChain({ family: 'inet', table: 't', handle: 5 }),
    tx.flushTable({ family: 'inet', name: 't' }),
    tx.renameChain({ family: 'inet', table: 't', name: 'c', newName: 'd' }),
    tx.destroyTable({ family: 'ip', name: 'gone' }),
  ];
  assert.deepEqual(ops.map((o) => [o.index, o.kind, o.label]), [
    [0, 'addTable', 'addTable inet t'],
    [1, 'createChain', 'createChain inet t c'],
    [2, 'deleteChain', 'deleteChain inet t handle 5'],
    [3, 'flushTable', 'flushTable inet t'],
    [4, 'renameChain', 'renameChain inet t c to d'],
    [5, 'destroyTable', 'destroyTable ip gone'],
  ]);
});

test('batch records map every seq to its operation; sequence numbers may wrap inside a batch', async () => {
  const tx = offline();
  for (let i = 0; i < 10; i++) tx.addChain({ family: 'ip', table: 't', name: `c${i}` });
  const b = await encodeBatch(tx.operations as Op[], 0xfffffffa, { echo: false, dryRun: false });
  assert.equal(b.beginSeq, 0xfffffffa);
  const seqs = b.records.map((r) => r.seq);
  assert.deepEqual(seqs.slice(0, 6), [0xfffffffb, 0xfffffffc, 0xfffffffd, 0xfffffffe, 0xffffffff, 0]);
  for (const r of b.records) assert.equal(findRecord(b.records, r.seq), r);
  assert.equal(findRecord(b.records, 0xfffffffa), undefined);
  assert.equal(findRecord(b.records, 100), undefined);
  assert.deepEqual(b.records.map((r: MessageRecord) => r.op), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('an ext-ack offset names the attribute, down into nests', async () => {
  const tx = offline();
  tx.addChain({ family: 'netdev', table: 't', name: 'c', hook: { hook: 'ingress', devices: ['v0', 'v1'], priority: 0 } });
  const b = await encodeBatch(tx.operations as Op[], 1, { echo: false, dryRun: false });
  const buf = b.finish();
  const r = b.records[0]!;
  const at = (offset: number): string => formatPath(attributePath(buf, r.start, r.end, offset));
  assert.equal(at(20), 'NFTA_CHAIN_TABLE');
  assert.equal(at(28), 'NFTA_CHAIN_NAME');
  // TABLE "t" (8) + NAME "c" (8) + TYPE "filter" (12) = 28 bytes after the 20 of headers.
  assert.equal(at(48), 'NFTA_CHAIN_HOOK');
  assert.equal(at(52), 'NFTA_CHAIN_HOOK > NFTA_HOOK_HOOKNUM');
  assert.equal(at(60), 'NFTA_CHAIN_HOOK > NFTA_HOOK_PRIORITY');
  assert.equal(at(68), 'NFTA_CHAIN_HOOK > NFTA_HOOK_DEVS');
  assert.equal(at(500), '');
});
