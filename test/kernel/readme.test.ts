// The code of README.md, run for real: the code between each pair of region
// markers below must be the README's code block of the same name (the
// example's import line aside; the tour's blocks are fragments of one
// function, compared without their indentation), and what it prints must be
// what the README's `// →` comments say it prints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import {
  Nftables,
  TransactionError,
  GenerationConflictError,
  ValidationError,
  Reconciler,
  formatRule,
  formatObject,
  type DesiredTable,
} from '../../src/index.js';
import { Netns } from '../helpers/netns.js';

// #region readme-example
export async function example(netns: string): Promise<void> {
  await using nft = await Nftables.open({ netns });

  // One transaction: one batch, applied all or nothing.
  const tx = nft.transaction();
  tx.addTable({ family: 'inet', name: 'demo', comment: 'managed by nftlink' });
  const input = tx.addChain({
    family: 'inet', table: 'demo', name: 'input',
    hook: { type: 'filter', hook: 'input', priority: 'filter' }, policy: 'accept',
  });
  tx.addChain({ family: 'inet', table: 'demo', name: 'services' });
  const { generation } = await tx.commit();
  console.log(`generation ${generation}, input chain handle ${input.handle}`);
  // → generation 2, input chain handle 1   (in a fresh namespace)

  // A guarded transaction that the kernel refuses: nothing is applied, and
  // the error names the operation, the errno and the attribute.
  const bad = nft.transaction({ generation });
  bad.addChain({ family: 'inet', table: 'demo', name: 'extra' });
  bad.deleteChain({ family: 'inet', table: 'demo', name: 'no-such-chain' });
  try {
    await bad.commit();
  } catch (e) {
    if (!(e instanceof TransactionError)) throw e;
    for (const f of e.failures) console.log(`#${f.index} ${f.label}: ${f.code} at ${f.attribute}`);
    // → #1 deleteChain inet demo no-such-chain: ENOENT at NFTA_CHAIN_NAME
  }

  const rs = await nft.listRuleset();
  console.log(rs.chains.map((c) => c.name).join(', '));
  // → input, services
}
// #endregion readme-example

/** The guided tour: one client in a fresh namespace, the README's blocks in order. */
export async function tour(nft: Nftables, netns: string): Promise<void> {
  // #region readme-transactions
  const tx = nft.transaction();
  tx.addTable({ family: 'inet', name: 'fw' });
  const dns = tx.addChain({ family: 'inet', table: 'fw', name: 'svc-dns' });
  try {
    // Bad input throws in the call, naming the field; nothing is sent.
    tx.addChain({ family: 'inet', table: 'fw', name: 'web', policy: 'drop' });
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    console.log(e.message);
    // → addChain inet fw web: policy: a policy is only allowed on a base chain (one with a hook)
  }
  await tx.check();                       // dry run: the kernel validates, nothing changes
  const done = await tx.commit();
  console.log(`${done.operations} operations, ${done.messages} messages, chain handle ${dns.handle}`);
  // → 2 operations, 4 messages, chain handle 1

  // The generation guard: commit only if nobody committed since `id`.
  const { id } = await nft.getGeneration();
  const someoneElse = nft.transaction();
  someoneElse.addChain({ family: 'inet', table: 'fw', name: 'svc-web' });
  await someoneElse.commit();
  const guarded = nft.transaction({ generation: id });
  guarded.addChain({ family: 'inet', table: 'fw', name: 'svc-ntp' });
  try {
    await guarded.commit();
  } catch (e) {
    if (!(e instanceof GenerationConflictError)) throw e;
    console.log(e.code);                  // re-read, rebuild, retry
    // → ERR_NFTLINK_GENERATION_CONFLICT
  }
  // #endregion readme-transactions

  // #region readme-sets
  const sets = nft.transaction();
  sets.addSet({
    family: 'inet', table: 'fw', name: 'blocked', keyType: 'ipv4_addr', flags: ['interval'],
    elements: [{ key: '10.0.0.0/8' }, { key: '192.168.1.1-192.168.1.9' }],
  });
  sets.addSet({
    family: 'inet', table: 'fw', name: 'services',
    keyType: ['ipv4_addr', 'inet_proto', 'inet_service'], dataType: 'verdict',
  });
  sets.addElements({
    family: 'inet', table: 'fw', set: 'services',
    elements: [
      { key: ['10.96.0.10', 'udp', 53], data: { verdict: 'goto', chain: 'svc-dns' } },
      { catchAll: true, data: 'drop' },
    ],
  });
  sets.addSet({ family: 'inet', table: 'fw', name: 'recent', keyType: 'ipv4_addr', timeout: 60_000 });
  sets.addElements({ family: 'inet', table: 'fw', set: 'recent', elements: [{ key: '198.51.100.7', timeout: 5_000 }] });
  await sets.commit();

  const blocked = await nft.listElements({ family: 'inet', table: 'fw', set: 'blocked' }, { values: true });
  console.log(blocked.map((e) => e.key).sort().join(', '));
  // → 10.0.0.0/8, 192.168.1.1-192.168.1.9
  const [svc] = await nft.getElements({ family: 'inet', table: 'fw', set: 'services', elements: [{ key: ['10.96.0.10', 'udp', 53] }] }, { values: true });
  console.log(svc?.data);
  // → { verdict: 'goto', chain: 'svc-dns' }
  // #endregion readme-sets

  // #region readme-rules
  const rules = nft.transaction();
  rules.addChain({
    family: 'inet', table: 'fw', name: 'input',
    hook: { type: 'filter', hook: 'input', priority: 'filter' }, policy: 'accept',
  });
  // ip saddr @blocked drop
  rules.addRule({
    family: 'inet', table: 'fw', chain: 'input', exprs: [
      { type: 'meta', key: 'nfproto', dreg: 1 },
      { type: 'cmp', op: 'eq', sreg: 1, data: 'ipv4' },
      { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 },
      { type: 'lookup', set: 'blocked', sreg: 1 },
      { type: 'immediate', dreg: 0, data: { verdict: 'drop' } },
    ],
  });
  // tcp dport 22 counter accept
  rules.addRule({
    family: 'inet', table: 'fw', chain: 'input', exprs: [
      { type: 'meta', key: 'l4proto', dreg: 1 },
      { type: 'cmp', op: 'eq', sreg: 1, data: 'tcp' },
      { type: 'payload', base: 'transport', offset: 2, len: 2, dreg: 1 },
      { type: 'cmp', op: 'eq', sreg: 1, data: 22 },
      { type: 'counter' },
      { type: 'immediate', dreg: 0, data: { verdict: 'accept' } },
    ],
  });
  await rules.commit();
  for (const r of await nft.listRules({ family: 'inet', table: 'fw', chain: 'input' })) console.log(formatRule(r));
  // → inet fw input 7
  // →   [ meta load nfproto => reg 1 ]
  // →   [ cmp eq reg 1 0x00000002 ]
  // →   [ payload load 4b @ network header + 12 => reg 1 ]
  // →   [ lookup reg 1 set blocked 0x0 ]
  // →   [ immediate reg 0 drop ]
  // → inet fw input 8 7
  // →   [ meta load l4proto => reg 1 ]
  // →   [ cmp eq reg 1 0x00000006 ]
  // →   [ payload load 2b @ transport header + 2 => reg 1 ]
  // →   [ cmp eq reg 1 0x00001600 ]
  // →   [ counter pkts 0 bytes 0 ]
  // →   [ immediate reg 0 accept ]
  // #endregion readme-rules

  // #region readme-objects
  const objs = nft.transaction();
  objs.addObject({ family: 'inet', table: 'fw', name: 'dns', type: 'counter' });
  objs.addObject({ family: 'inet', table: 'fw', name: 'cap', type: 'quota', bytes: 10 * 2 ** 20, over: true });
  objs.addRule({
    family: 'inet', table: 'fw', chain: 'svc-dns', exprs: [
      { type: 'objref', objType: 'counter', name: 'dns' },
      { type: 'immediate', dreg: 0, data: { verdict: 'accept' } },
    ],
  });
  await objs.commit();
  const counter = await nft.resetObject({ family: 'inet', table: 'fw', type: 'counter', name: 'dns' });
  console.log(formatObject(counter));    // the values from before the reset
  // → table fw name dns use 1 [ counter pkts 0 bytes 0 ]
  // #endregion readme-objects

  // #region readme-listing
  const fw = await nft.listTable({ family: 'inet', name: 'fw' });
  console.log(`${fw.chains.length} chains, ${fw.sets.length} sets, ${fw.objects.length} objects, ${fw.rules.length} rules ('${fw.strategy}' dump)`);
  // → 3 chains, 3 sets, 2 objects, 3 rules ('table' dump)
  const everything = await nft.listRuleset();
  console.log(everything.generation === fw.generation);
  // → true
  // #endregion readme-listing

  // #region readme-reconciler
  const reconciler = new Reconciler(nft, { family: 'ip', table: 'lb' });
  const desired: DesiredTable = {
    family: 'ip', name: 'lb',
    sets: [{ name: 'cluster-ips', keyType: 'ipv4_addr', elements: [{ key: '172.30.0.1' }] }],
    chains: [{
      name: 'services',
      rules: [{
        exprs: [
          { type: 'payload', base: 'network', offset: 16, len: 4, dreg: 1 },
          { type: 'lookup', set: 'cluster-ips', sreg: 1 },
          { type: 'immediate', dreg: 0, data: { verdict: 'accept' } },
        ],
      }],
    }],
  };
  let synced = await reconciler.sync(desired);
  console.log(`${synced.operations} operations: ${synced.setsAdded} set, ${synced.chainsAdded} chain`);
  // → 5 operations: 1 set, 1 chain
  desired.sets[0]!.elements.push({ key: '172.30.0.2' });
  synced = await reconciler.sync(desired);
  console.log(`${synced.operations} operation: ${synced.elementsAdded} element added`);
  // → 1 operation: 1 element added
  synced = await reconciler.sync(desired);
  console.log(synced.commit === undefined ? 'nothing to send' : 'sent');
  // → nothing to send
  // #endregion readme-reconciler

  // #region readme-monitor
  const events = nft.monitor({ groupByTransaction: true });   // subscribed from here on
  const add = nft.transaction();
  add.addElements({ family: 'inet', table: 'fw', set: 'recent', elements: [{ key: '203.0.113.9' }] });
  const added = await add.commit();
  for await (const ev of events) {
    // 'overrun': the kernel dropped events; ev.snapshot is the ruleset at ev.generation.
    if (ev.type !== 'transaction' || ev.generation !== added.generation) continue;
    const what = ev.changes.map((c) => `${c.type} ${c.kind}`).join(', ');
    console.log(`${what} by ${ev.process?.name}, ours: ${ev.portId === nft.portId}`);
    // → add element by node, ours: true
    break;                                // ends the iteration, closes the monitor's socket
  }
  // #endregion readme-monitor

  // #region readme-watch
  const watch = nft.watch({ family: 'inet', table: 'fw' });
  await watch.ready;
  const more = nft.transaction();
  more.addChain({ family: 'inet', table: 'fw', name: 'svc-ntp' });
  await watch.waitForGeneration((await more.commit()).generation);
  console.log(watch.snapshot().chains.map((c) => c.name).join(', '));
  // → svc-dns, svc-web, input, svc-ntp
  await watch.close();
  // #endregion readme-watch

  // #region readme-debug
  const lines: string[] = [];
  await using traced = await Nftables.open({ netns, debug: (line) => lines.push(line) });
  const flush = traced.transaction();
  flush.flushChain({ family: 'inet', table: 'fw', name: 'svc-web' });
  await flush.commit();
  console.log(lines.filter((l) => l.startsWith('-> ')).map((l) => l.split(' ')[1]).join(' '));
  // → BATCH_BEGIN DELRULE BATCH_END GETGEN
  // #endregion readme-debug
}

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const SELF = fileURLToPath(new URL('../../../test/kernel/readme.test.ts', import.meta.url));
const TOUR = ['transactions', 'sets', 'rules', 'objects', 'listing', 'reconciler', 'monitor', 'watch', 'debug'].map((n) => `readme-${n}`);

function region(text: string, name = 'readme-example'): string {
  const m = new RegExp(`// #region ${name}\\n([\\s\\S]*?)// #endregion ${name}\\n`).exec(text);
  assert.ok(m, `region markers of ${name}`);
  return m[1]!;
}

/** The region without the indentation all its lines share. */
function dedent(text: string): string {
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n').replace(/^\n+|\n+$/g, '') + '\n';
}

/** The README's code block right after `<!-- name -->`. */
function block(readme: string, name: string): string {
  const m = new RegExp(`<!-- ${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(readme);
  assert.ok(m, `README.md has a code block after <!-- ${name} -->`);
  return m[1]!;
}

/** What the `// → …` comments of some code promise it prints, line by line. */
function promised(code: string): string[] {
  return [...code.matchAll(/\/\/ → (.*?)(?: {3}\(.*\))?$/gm)].map((m) => m[1]!);
}

/** Runs fn with console.log captured: every line printed. */
async function printedBy(fn: () => Promise<void>): Promise<string[]> {
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    printed.push(...args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ').split('\n'));
  };
  try {
    await fn();
  } finally {
    console.log = log;
  }
  return printed;
}

test('the README example is this test\'s code', () => {
  const readme = readFileSync(README, 'utf8');
  const lines = block(readme, 'readme-example').split('\n');
  assert.equal(lines[0], "import { Nftables, TransactionError } from 'nftlink';");
  assert.equal(lines.slice(2).join('\n'), region(readFileSync(SELF, 'utf8')));
});

test('the README tour\'s code blocks are this test\'s code', () => {
  const readme = readFileSync(README, 'utf8');
  const self = readFileSync(SELF, 'utf8');
  for (const name of TOUR) assert.equal(block(readme, name), dedent(region(self, name)), name);
});

test('the README example runs and prints what the README says', async () => {
  const ns = await Netns.create('readme');
  try {
    const printed = await printedBy(() => example(ns.path));
    assert.deepEqual(printed, promised(region(readFileSync(SELF, 'utf8'))));
  } finally {
    await ns.destroy();
  }
});

test('the README tour runs and prints what the README says', { timeout: 30_000 }, async () => {
  const ns = await Netns.create('readme');
  try {
    const nft = await Nftables.open({ netns: ns.path });
    try {
      const printed = await printedBy(() => tour(nft, ns.path));
      const self = readFileSync(SELF, 'utf8');
      assert.deepEqual(printed, TOUR.flatMap((name) => promised(region(self, name))));
    } finally {
      await nft.close();
    }
  } finally {
    await ns.destroy();
  }
});
