// Several writers at once: generation guards lose no update, and listRuleset
// returns consistent snapshots while another process keeps committing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Nftables } from '../../src/client/nftables.js';
import { GenerationConflictError } from '../../src/client/errors.js';
import { Netns } from '../helpers/netns.js';

const UPDATES_PER_CLIENT = 25;

/** The counter is the number in the name of the one chain called counter-N. */
async function readCounter(nft: Nftables): Promise<{ n: number; generation: number }> {
  const rs = await nft.listRuleset({ family: 'inet' });
  const counters = rs.chains.filter((c) => c.table === 'race' && c.name.startsWith('counter-'));
  assert.equal(counters.length, 1, `one counter chain, got ${counters.map((c) => c.name)}`);
  return { n: Number(counters[0]!.name.slice(8)), generation: rs.generation };
}

/** Increments the counter and records the update as its own chain: a read-modify-write. */
function increment(nft: Nftables, n: number, id: string, generation?: number): Promise<unknown> {
  const tx = nft.transaction(generation === undefined ? {} : { generation });
  // destroy + add are blind writes: without a guard, a stale writer silently
  // rewrites what the other one already wrote.
  tx.destroyChain({ family: 'inet', table: 'race', name: `counter-${n}` });
  tx.addChain({ family: 'inet', table: 'race', name: `counter-${n + 1}` });
  tx.addChain({ family: 'inet', table: 'race', name: `update-${id}` });
  return tx.commit();
}

async function raceNamespace<T>(fn: (a: Nftables, b: Nftables, ns: Netns) => Promise<T>): Promise<T> {
  const ns = await Netns.create('race');
  const a = await Nftables.open({ netns: ns.path });
  const b = await Nftables.open({ netns: ns.path });
  try {
    await ns.nftFile('add table inet race\nadd chain inet race counter-0\n');
    return await fn(a, b, ns);
  } finally {
    await a.close();
    await b.close();
    await ns.destroy();
  }
}

test('control: without a generation guard, two interleaved read-modify-writes lose an update', () =>
  raceNamespace(async (a, b) => {
    const ra = await readCounter(a);
    const rb = await readCounter(b);
    await increment(a, ra.n, 'a');
    await increment(b, rb.n, 'b');
    // Two updates landed as chains, but the counter moved once.
    assert.equal((await readCounter(a)).n, 1);
  }));

/** One guarded update: read, then commit against the generation read. */
async function guardedUpdate(nft: Nftables, id: string, beforeCommit?: () => Promise<void>): Promise<boolean> {
  const { n, generation } = await readCounter(nft);
  await beforeCommit?.();
  try {
    await increment(nft, n, id, generation);
    return true;
  } catch (e) {
    if (e instanceof GenerationConflictError) return false;
    throw e;
  }
}

/** Resolves when `parties` callers have arrived. */
function barrier(parties: number): () => Promise<void> {
  let waiting: (() => void)[] = [];
  return () => new Promise<void>((resolve) => {
    waiting.push(resolve);
    if (waiting.length === parties) {
      for (const w of waiting) w();
      waiting = [];
    }
  });
}

test('no lost update: two clients racing with generation guards land every update exactly once', () =>
  raceNamespace(async (a, b, ns) => {
    let conflicts = 0;
    // Lockstep: both read the same generation, then both commit. One wins,
    // the other gets a GenerationConflictError and retries in the next round.
    const pending = new Map<Nftables, { who: string; next: number }>([[a, { who: 'a', next: 0 }], [b, { who: 'b', next: 0 }]]);
    for (let round = 0; pending.size > 0; round++) {
      assert.ok(round < 4 * UPDATES_PER_CLIENT, 'every round lands at least one update');
      const meet = barrier(pending.size);
      await Promise.all([...pending].map(async ([nft, p]) => {
        if (await guardedUpdate(nft, `${p.who}-${p.next}`, meet)) {
          if (++p.next === UPDATES_PER_CLIENT) pending.delete(nft);
        } else {
          conflicts++;
        }
      }));
    }
    assert.ok(conflicts >= UPDATES_PER_CLIENT, `the clients collided (${conflicts} conflicts)`);
    // Free-running: no coordination, whatever interleaving the loop gives.
    const client = async (nft: Nftables, who: string): Promise<void> => {
      for (let i = 0; i < UPDATES_PER_CLIENT; i++) {
        let attempt = 0;
        while (!(await guardedUpdate(nft, `${who}-${i}`))) assert.ok(++attempt < 500, `${who} update ${i} never landed`);
      }
    };
    await Promise.all([client(a, 'free-a'), client(b, 'free-b')]);

    const total = 4 * UPDATES_PER_CLIENT;
    assert.equal((await readCounter(a)).n, total, 'the counter saw every update');
    const updates = (await a.listChains({ family: 'inet', table: 'race' })).map((c) => c.name).filter((n) => n.startsWith('update-')).sort();
    const expected = ['a', 'b', 'free-a', 'free-b'].flatMap((w) => Array.from({ length: UPDATES_PER_CLIENT }, (_, i) => `update-${w}-${i}`)).sort();
    assert.deepEqual(updates, expected, 'each update exactly once');
    assert.match(await ns.nft(`list chain inet race counter-${total}`), new RegExp(`chain counter-${total}`));
  }));

test('listRuleset is a consistent snapshot while another process commits (retries on change)', async () => {
  const ns = await Netns.create('snap');
  const nft = await Nftables.open({ netns: ns.path });
  let writer: ReturnType<typeof spawn> | undefined;
  try {
    // Enough chains that each dump takes many datagrams.
    const prefill = ['add table inet t'];
    for (let i = 0; i < 2000; i++) prefill.push(`add chain inet t fill-${i}`);
    await ns.nftFile(prefill.join('\n') + '\n');
    // Another process adds chains a-i and b-i together, in one transaction each.
    writer = spawn('ip', ['netns', 'exec', ns.name, 'bash', '-c',
      'for i in $(seq 1 3000); do printf "add chain inet t a-%d\\nadd chain inet t b-%d\\n" $i $i | nft -f - || exit 1; done'], { stdio: 'ignore' });

    let generationReads = 0;
    const getGeneration = nft.getGeneration.bind(nft);
    nft.getGeneration = () => {
      generationReads++;
      return getGeneration();
    };
    let snapshots = 0;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (snapshots < 20 || generationReads <= 2 * snapshots)) {
      const rs = await nft.listRuleset();
      snapshots++;
      const names = new Set(rs.chains.map((c) => c.name));
      let pairs = 0;
      for (const n of names) {
        if (!n.startsWith('a-')) continue;
        assert.ok(names.has(`b-${n.slice(2)}`), `snapshot ${snapshots} has ${n} without its pair`);
        pairs++;
      }
      assert.equal(names.size, 2000 + 2 * pairs, `snapshot ${snapshots}: no b-i without its a-i`);
      assert.equal(rs.tables[0]!.use, 2000 + 2 * pairs, 'the table\'s chain count matches the chains listed');
    }
    assert.ok(snapshots >= 20, `took ${snapshots} snapshots`);
    assert.ok(generationReads > 2 * snapshots, `some snapshot had to retry (${generationReads} generation reads for ${snapshots} snapshots)`);
  } finally {
    if (writer?.pid !== undefined && writer.exitCode === null) writer.kill('SIGKILL');
    await nft.close();
    await ns.destroy();
  }
});
