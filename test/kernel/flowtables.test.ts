// Flowtables on a kernel built without flowtable support: the refusal must
// surface as a TransactionError naming the operation with the errno, nothing
// applied, the same refusal nft gets; listing and the other requests still
// work. (The encoding itself is pinned against nft's bytes in the unit tests.)

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Nftables, NotFoundError } from '../../src/client/nftables.js';
import { TransactionError } from '../../src/client/errors.js';
import { Netns } from '../helpers/netns.js';

async function withNs<T>(fn: (nft: Nftables, ns: Netns) => Promise<T>): Promise<T> {
  const ns = await Netns.create('ft');
  let nft: Nftables | undefined;
  try {
    nft = await Nftables.open({ netns: ns.path });
    return await fn(nft, ns);
  } finally {
    await nft?.close();
    await ns.destroy();
  }
}

async function failure(p: Promise<unknown>): Promise<TransactionError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  assert.ok(e instanceof TransactionError, `expected a TransactionError, got ${String(e)}`);
  return e;
}

describe('flowtables on this kernel', () => {
  it('addFlowtable is refused with ENOENT, named `addFlowtable inet t ft`, as nft is; nothing is applied', async () => {
    await withNs(async (nft, ns) => {
      const nftSays = await ns.exec('nft', ['add table inet x; add flowtable inet x ft { hook ingress priority 0 ; devices = { lo } ; }']);
      assert.notEqual(nftSays.code, 0);
      assert.match(nftSays.stderr, /No such file or directory/);
      assert.equal(await ns.listRuleset(), '');

      const tx = nft.transaction();
      tx.addTable({ family: 'inet', name: 't' });
      tx.addFlowtable({ family: 'inet', table: 't', name: 'ft', priority: 0, devices: ['lo'], flags: ['counter'] });
      const err = await failure(tx.commit());
      assert.equal(err.failures.length, 1);
      const f = err.failures[0]!;
      assert.equal(f.label, 'addFlowtable inet t ft');
      assert.equal(f.kind, 'addFlowtable');
      assert.equal(f.index, 1);
      assert.equal(f.code, 'ENOENT');
      assert.equal(f.errno, 2);
      assert.match(err.message, /#1 addFlowtable inet t ft: ENOENT \(No such file or directory\)/);
      assert.equal(await ns.listRuleset(), '');
    });
  });

  it('createFlowtable and a netdev flowtable are refused the same way', async () => {
    await withNs(async (nft) => {
      const tx = nft.transaction();
      tx.addTable({ family: 'netdev', name: 'n' });
      tx.createFlowtable({ family: 'netdev', table: 'n', name: 'f', priority: 'filter - 5', devices: ['lo'] });
      const err = await failure(tx.commit());
      assert.equal(err.failures[0]!.label, 'createFlowtable netdev n f');
      assert.equal(err.failures[0]!.code, 'ENOENT');
      // The dry run says the same, and leaves the transaction usable.
      const dry = await failure(tx.check());
      assert.equal(dry.failures[0]!.label, 'createFlowtable netdev n f');
    });
  });

  it('listing works and is empty; deleting a missing flowtable is ENOENT, destroying it is fine; get is NotFoundError', async () => {
    await withNs(async (nft, ns) => {
      await ns.nft(['add table inet t']);
      assert.deepEqual(await nft.listFlowtables(), []);
      assert.deepEqual(await nft.listFlowtables({ family: 'inet', table: 't' }), []);
      assert.deepEqual((await nft.listRuleset()).flowtables, []);
      await assert.rejects(nft.getFlowtable({ family: 'inet', table: 't', name: 'ft' }), NotFoundError);

      const del = nft.transaction();
      del.deleteFlowtable({ family: 'inet', table: 't', name: 'ft' });
      const err = await failure(del.commit());
      assert.equal(err.failures[0]!.label, 'deleteFlowtable inet t ft');
      assert.equal(err.failures[0]!.code, 'ENOENT');

      const destroy = nft.transaction();
      destroy.destroyFlowtable({ family: 'inet', table: 't', name: 'ft' });
      destroy.destroyFlowtable({ family: 'inet', table: 't', handle: 12345 });
      await destroy.commit();
    });
  });
});
