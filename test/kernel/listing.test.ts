// Listing filters and single GETs against the real kernel: what each list
// method returns is exactly what its filter asks for, whatever the kernel's
// own dump filters do.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from '../../src/client/nftables.js';
import { withClient } from './util.js';

const SETUP = [
  'add table ip a',
  'add chain ip a x',
  'add chain ip a y { type filter hook input priority 0; }',
  'add table ip b',
  'add chain ip b z',
  'add table ip6 a',
  'add chain ip6 a w',
  '',
].join('\n');

test('listChains returns the chains of the table asked for, and only those', () =>
  withClient(async (nft, ns) => {
    await ns.nftFile(SETUP);
    const names = (cs: { family: string; table: string; name: string }[]): string[] =>
      cs.map((c) => `${c.family} ${c.table} ${c.name}`).sort();
    assert.deepEqual(names(await nft.listChains({ family: 'ip', table: 'a' })), ['ip a x', 'ip a y']);
    assert.deepEqual(names(await nft.listChains({ family: 'ip', table: 'b' })), ['ip b z']);
    // Without a family, a table name matches in every family.
    assert.deepEqual(names(await nft.listChains({ table: 'a' })), ['ip a x', 'ip a y', 'ip6 a w']);
    assert.deepEqual(names(await nft.listChains({ family: 'ip6' })), ['ip6 a w']);
    assert.equal((await nft.listChains()).length, 4);
  }, 'list'));

test('a GET of something missing is NotFoundError, and the socket stays in step afterwards', () =>
  withClient(async (nft, ns) => {
    await ns.nftFile(SETUP);
    await assert.rejects(nft.getChain({ family: 'ip', table: 'a', name: 'missing' }), NotFoundError);
    await assert.rejects(nft.getTable({ family: 'ip', name: 'missing' }), NotFoundError);
    // GETs ask for an ack; a reply followed by its ack must not leave the ack for the next request.
    for (let i = 0; i < 20; i++) {
      const c = await nft.getChain({ family: 'ip', table: 'a', name: 'y' });
      assert.equal(c.hook?.hook, 'input');
      const g = await nft.getGeneration();
      assert.ok(g.id > 0);
    }
  }, 'list'));
