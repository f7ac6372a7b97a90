// Kernel dumps of a sample of corpus records (test/fixtures/corpus-dumps.json,
// regenerate with dist/test/fixtures/capture-corpus-dumps.js): decoded and
// printed, each must equal the record's dumpNetlink as nft printed it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttrWriter } from '../../src/netlink/attr.js';
import { parseMessages } from '../../src/netlink/message.js';
import { decodeRule, encodeRule, formatRule } from '../../src/nftables/rule.js';
import { corpusRules, exprKinds, ruleLines } from '../helpers/corpus-sample.js';
import type { Expr } from '../../src/nftables/expr/index.js';

const fixture = JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'corpus-dumps.json'), 'utf8')) as {
  records: { id: string; messages: string[] }[];
};
/** What is sent back for a dumped expression: values the kernel dumps but refuses on input are left out. */
function asSent(e: Expr): Expr {
  if (e.type === 'dynset' && (e.timeout === 0 || e.timeout === 0n)) {
    const { timeout: _t, ...rest } = e;
    return rest;
  }
  if (e.type === 'osf' && e.flags === 0) {
    const { flags: _f, ...rest } = e;
    return rest;
  }
  return e;
}

const byId = new Map(corpusRules().map((r) => [r.id, r]));

test('the sample covers every kind of this branch found in the corpus', () => {
  const kinds = new Set(fixture.records.flatMap((f) => exprKinds(byId.get(f.id)!)));
  for (const k of ['meta', 'ct', 'bitwise', 'byteorder', 'range', 'lookup', 'dynset', 'objref', 'limit', 'quota',
    'hash', 'numgen', 'rt', 'socket', 'fib', 'osf', 'xfrm', 'payload', 'cmp', 'immediate', 'counter']) {
    assert.ok(kinds.has(k), `no sampled record uses ${k}`);
  }
});

for (const f of fixture.records) {
  test(`corpus ${f.id}`, () => {
    const record = byId.get(f.id);
    assert.ok(record, 'record not in the corpus');
    const text: string[] = [];
    for (const hex of f.messages) {
      const b = Buffer.from(hex, 'hex');
      for (const m of parseMessages(b, 0, b.length)) {
        const rule = decodeRule(m);
        text.push(...formatRule(rule).split('\n'));
        // Re-encoding what was decoded must decode to the same rule again.
        const w = new AttrWriter(1024);
        const s = w.beginMessage(m.type, 0, 0, b[16]!);
        encodeRule(w, rule);
        w.endMessage(s);
        const again = decodeRule(parseMessages(w.finish(), 0, w.pos)[0]!);
        assert.deepEqual(again, { ...rule, exprs: rule.exprs.map(asSent) });
      }
    }
    assert.deepEqual(text, ruleLines(record));
  });
}
