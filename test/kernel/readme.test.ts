// The API example of README.md, run for real: the code between the region
// markers below must be the README's example (its import line aside), and
// what it prints must be what the README says it prints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Nftables, TransactionError } from '../../src/index.js';
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

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const SELF = fileURLToPath(new URL('../../../test/kernel/readme.test.ts', import.meta.url));

function region(text: string): string {
  const m = /\/\/ #region readme-example\n([\s\S]*?)\/\/ #endregion readme-example/.exec(text);
  assert.ok(m, 'region markers');
  return m[1]!;
}

test('the README example is this test\'s code', () => {
  const readme = readFileSync(README, 'utf8');
  const block = /<!-- readme-example -->\n```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README.md has the example block after <!-- readme-example -->');
  const lines = block[1]!.split('\n');
  assert.equal(lines[0], "import { Nftables, TransactionError } from 'nftlink';");
  assert.equal(lines.slice(2).join('\n'), region(readFileSync(SELF, 'utf8')));
});

test('the README example runs and prints what the README says', async () => {
  const ns = await Netns.create('readme');
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    printed.push(args.join(' '));
  };
  try {
    await example(ns.path);
  } finally {
    console.log = log;
    await ns.destroy();
  }
  const promised = [...region(readFileSync(SELF, 'utf8')).matchAll(/\/\/ → (.*?)(?: {3}\(.*\))?$/gm)].map((m) => m[1]);
  assert.deepEqual(printed, promised);
});
