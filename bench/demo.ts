// `npm run demo`: nftlink end to end, in a throwaway network namespace that is
// removed afterwards (also when something fails). Commits a table with several
// chains in one transaction, lists the result with nftlink and with nft, and
// shows what a refused transaction reports. Exits non-zero on failure.

import { Nftables } from '../src/client/nftables.js';
import { TransactionError } from '../src/client/errors.js';
import type { Chain } from '../src/nftables/chain.js';
import { Netns } from '../test/helpers/netns.js';

const say = (s = ''): void => {
  process.stdout.write(s + '\n');
};

function describeChain(c: Chain): string {
  if (!c.hook) return `chain ${c.name} (regular)${c.comment ? ` — ${c.comment}` : ''}`;
  const h = c.hook;
  const dev = h.device ? ` device ${h.device}` : h.devices ? ` devices ${h.devices.join(',')}` : '';
  return `chain ${c.name}: ${h.type} hook ${h.hook}${dev} priority ${h.priority}, policy ${c.policy ?? 'accept'}` +
    `${c.comment ? ` — ${c.comment}` : ''}`;
}

async function main(): Promise<void> {
  const ns = await Netns.create('demo');
  try {
    say(`throwaway network namespace: ${ns.path}`);
    await using nft = await Nftables.open({ netns: ns.path });

    const tx = nft.transaction();
    const table = tx.addTable({ family: 'inet', name: 'demo', comment: 'made by npm run demo' });
    const chains = [
      tx.addChain({ family: 'inet', table: 'demo', name: 'input', hook: { type: 'filter', hook: 'input', priority: 'filter' }, policy: 'accept', comment: 'inbound' }),
      tx.addChain({ family: 'inet', table: 'demo', name: 'forward', hook: { type: 'filter', hook: 'forward', priority: 0 }, policy: 'drop' }),
      tx.addChain({ family: 'inet', table: 'demo', name: 'nat-prerouting', hook: { type: 'nat', hook: 'prerouting', priority: 'dstnat' } }),
      tx.addChain({ family: 'inet', table: 'demo', name: 'ingress-lo', hook: { type: 'filter', hook: 'ingress', device: 'lo', priority: -500 } }),
      tx.addChain({ family: 'inet', table: 'demo', name: 'services', comment: 'jump target for services' }),
      tx.addChain({ family: 'inet', table: 'demo', name: 'service-ULMVA6XW-ns1/svc1/tcp/p80' }),
    ];
    const result = await tx.commit();
    say(`\ncommitted ${result.operations} operations in one batch (${result.bytes} bytes): generation ${result.generation}, ` +
      `${result.timings.encodeMs.toFixed(2)} ms encoding, ${result.timings.sendMs.toFixed(2)} ms in the kernel, ` +
      `${result.timings.replyMs.toFixed(2)} ms reading replies`);
    say(`handles from the kernel: table ${table.handle}, chains ${chains.map((c) => c.handle).join(', ')}`);

    const rs = await nft.listRuleset();
    say(`\nnftlink listRuleset (generation ${rs.generation}):`);
    for (const t of rs.tables) {
      say(`table ${t.family} ${t.name} (handle ${t.handle}, ${t.use} chains)${t.comment ? ` — ${t.comment}` : ''}`);
      for (const c of rs.chains.filter((x) => x.family === t.family && x.table === t.name)) say(`  ${describeChain(c)}`);
    }

    say('\nnft list ruleset:');
    process.stdout.write(await ns.listRuleset());

    // A refused transaction: nothing changes, and the error names the operation.
    const bad = nft.transaction();
    bad.addChain({ family: 'inet', table: 'demo', name: 'extra' });
    bad.deleteChain({ family: 'inet', table: 'demo', name: 'no-such-chain' });
    try {
      await bad.commit();
      throw new Error('the kernel accepted a transaction it should refuse');
    } catch (e) {
      if (!(e instanceof TransactionError)) throw e;
      say(`\na refused transaction reports:\n${e.message}`);
    }
    const after = await nft.listRuleset();
    if (after.generation !== rs.generation || after.chains.length !== rs.chains.length) {
      throw new Error('the refused transaction changed the ruleset');
    }
    say('(nothing was applied: same generation, same chains)');
  } finally {
    await ns.destroy();
    say(`\nremoved ${ns.path}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
