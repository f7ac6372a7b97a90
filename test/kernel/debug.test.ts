// NFTLINK_DEBUG=netlink / Nftables.open({ debug }): every message sent and
// received, with direction, type, seq and size, then libnftnl's text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Nftables } from '../../src/index.js';
import { withNetns } from '../helpers/netns.js';
import { nftlink } from '../helpers/cli.js';

test('debug output: every message of a commit, a dump, an error and the monitor, in libnftnl words', async () => {
  await withNetns(async (ns) => {
    const lines: string[] = [];
    const nft = await Nftables.open({ netns: ns.path, debug: (l) => lines.push(...l.split('\n')) });
    const ac = new AbortController();
    try {
      const mon = nft.monitor({ signal: ac.signal });
      const tx = nft.transaction();
      tx.addTable({ family: 'ip', name: 't' });
      tx.addChain({ family: 'ip', table: 't', name: 'c' });
      tx.addRule({ family: 'ip', table: 't', chain: 'c', exprs: [{ type: 'counter' }] });
      const res = await tx.commit();
      await nft.listRules({ family: 'ip', table: 't' });
      const bad = nft.transaction();
      bad.deleteTable({ family: 'ip', name: 'nope' });
      await assert.rejects(bad.commit());
      for await (const e of mon) if (e.type === 'generation') break;

      const heads = lines.filter((l) => /^(->|<-) /.test(l));
      // Every header names direction, type, seq and size.
      for (const h of heads) assert.match(h, /^(->|<-) [A-Z_]+ seq \d+ len \d+ flags 0x[0-9a-f]+( pid \d+)?$/, h);
      const sent = heads.filter((h) => h.startsWith('->')).map((h) => h.split(' ')[1]);
      assert.deepEqual(sent.slice(0, 6), ['BATCH_BEGIN', 'NEWTABLE', 'NEWCHAIN', 'NEWRULE', 'BATCH_END', 'GETGEN']);
      const text = lines.join('\n');
      assert.match(text, /-> NEWTABLE seq \d+ len \d+ flags 0x[0-9a-f]+\ntable t ip flags 0 use 0 handle 0\n/);
      assert.match(text, /-> NEWRULE seq \d+ len \d+ flags 0xc0\d\nip t c\n {2}\[ counter pkts 0 bytes 0 \]\n/);
      // Echoes, the commit's generation, the dump and its end, the error, the monitor's events.
      assert.match(text, /<- NEWRULE seq \d+ len \d+ flags 0x[0-9a-f]+ pid \d+\nip t c \d+\n {2}\[ counter pkts 0 bytes 0 \]/);
      assert.match(text, new RegExp(`<- NEWGEN seq \\d+ len \\d+ flags 0x0 pid \\d+\\ngen id ${res.generation} pid ${process.pid} name \\S+`));
      assert.match(text, /-> GETRULE seq \d+ len \d+ flags 0x301\nfamily ip/);
      assert.match(text, /<- NLMSG_DONE seq \d+ len 20/);
      assert.match(text, /<- NLMSG_ERROR seq \d+ len \d+ flags 0x[0-9a-f]+ pid \d+\nerror ENOENT for seq \d+/);
      const newTables = heads.filter((h) => h.startsWith('<- NEWTABLE'));
      assert.ok(newTables.length >= 2, 'the echo and the monitor event both show');
    } finally {
      ac.abort();
      await nft.close();
    }

    const r = await nftlink(['--netns', ns.path, 'gen'], { env: { NFTLINK_DEBUG: 'netlink' } });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^generation \d+\n$/);
    assert.match(r.stderr, /^-> GETGEN seq (\d+) len 20 flags 0x1\n<- NEWGEN seq \1 len \d+ flags 0x0 pid \d+\ngen id \d+ pid \d+ name node\n$/);
  }, 'dbg');
});
