// The conformance runner itself, on a small corpus made in a temporary
// directory from records of the shared corpus (one of them altered so that it
// must fail): exit status, summary line, report fields, exceptions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCorpusRules, REPO_ROOT } from '../helpers/corpus.js';

const RUNNER = join(REPO_ROOT, 'dist', 'test', 'conformance', 'run.js');

function runner(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [RUNNER, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

test('the runner reports decode mismatches, round trips and rulesets, and honours exceptions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nftlink-conf-'));
  try {
    const all = loadCorpusRules();
    const pick = (id: string) => {
      const r = all.find((x) => x.id === id);
      assert.ok(r, id);
      return r;
    };
    const good = pick('any/counter.t:12:ip:test-ip4:input');
    const anon = pick('any/ct.t:9:inet:test-inet:output');
    const broken = { ...pick('any/counter.t:12:ip6:test-ip6:input') };
    broken.id = 'synthetic:broken';
    broken.dumpNetlink = [...broken.dumpNetlink!.slice(0, -1), '  [ counter pkts 1 bytes 0 ]'];
    const refused = all.find((x) => !x.kernelAccepts)!;
    writeFileSync(join(dir, 'rules.jsonl'), [good, anon, broken, refused].map((r) => JSON.stringify(r)).join('\n') + '\n');
    mkdirSync(join(dir, 'rulesets', 'mine'), { recursive: true });
    writeFileSync(join(dir, 'rulesets', 'mine', 'small_0.nft'),
      'table inet x {\n\tset s {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.1 }\n\t}\n\n\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tip saddr @s counter accept\n\t}\n}\n');
    writeFileSync(join(dir, 'rulesets', 'mine', 'small_0.nft.netlink.txt'), 'ignored\n');
    const exc = join(dir, 'exceptions.json');
    const report = join(dir, 'report.json');

    writeFileSync(exc, JSON.stringify({ rules: [], rulesets: [] }));
    const r1 = await runner(['--corpus', dir, '--report', report, '--exceptions', exc]);
    assert.equal(r1.code, 1, r1.stderr);
    assert.match(r1.stdout, /^conformance FAIL: rules 2\/3 decode-match, 3\/3 round-trip; rulesets 1\/1 round-trip; 0 excepted, 1 unexpected failure /);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    assert.equal(rep.rules.total, 3);
    assert.equal(rep.rules.decodeMatch, 2);
    assert.equal(rep.rules.roundTrip, 3);
    assert.equal(rep.rules.failures.length, 1);
    const f = rep.rules.failures[0];
    assert.equal(f.id, 'synthetic:broken');
    assert.equal(f.stage, 'decodeMatch');
    assert.match(f.expected, /counter pkts 1 bytes 0/);
    assert.match(f.got, /counter pkts 0 bytes 0/);
    assert.deepEqual(rep.rulesets, { total: 1, roundTrip: 1, failures: [] });

    // Listed with its reason, the failure no longer fails the run; an exception
    // for something that passes is reported as stale.
    writeFileSync(exc, JSON.stringify({
      rules: [{ id: 'synthetic:broken', stage: 'decodeMatch', reason: 'altered on purpose' },
        { id: good.id, stage: 'roundTrip', reason: 'passes' }],
      rulesets: [],
    }));
    const r2 = await runner(['--corpus', dir, '--report', report, '--exceptions', exc]);
    assert.equal(r2.code, 0, r2.stdout + r2.stderr);
    assert.match(r2.stdout, /^conformance PASS: .* 1 excepted, 0 unexpected failures/);
    const rep2 = JSON.parse(readFileSync(report, 'utf8'));
    assert.equal(rep2.rules.failures[0].excepted, 'altered on purpose');
    assert.deepEqual(rep2.staleExceptions, [`${good.id} roundTrip`]);
    assert.match(r2.stderr, /no longer fail/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
