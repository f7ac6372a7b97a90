// The kernel's floor for a listing: the same dumps listTable issues, read
// and thrown away, with no decoding beyond the names the next dumps need
// (the method of workload.md §7.5: a bare client that counts bytes).

import { Worker } from 'node:worker_threads';
import { AttrWriter, hostU16 } from '../../src/netlink/attr.js';
import { NLM_F_DUMP, NLM_F_REQUEST, NLMSG_HDRLEN } from '../../src/netlink/constants.js';
import { parseMessages, type MessageView } from '../../src/netlink/message.js';
import { dumpInline } from '../../src/netlink/syncdump.js';
import {
  familyNumber,
  NFT_MSG_GETCHAIN,
  NFT_MSG_GETFLOWTABLE,
  NFT_MSG_GETOBJ,
  NFT_MSG_GETRULE,
  NFT_MSG_GETSET,
  NFT_MSG_GETSETELEM,
  NFT_MSG_GETTABLE,
  nftType,
  type Family,
} from '../../src/nftables/constants.js';
import type { Nftables } from '../../src/client/nftables.js';
import type { RuleDumpStrategy } from '../../src/client/list.js';
import type { DumpWorkerData, DumpWorkerMessage } from '../../src/client/dump-worker.js';

const NFTA_TABLE_NAME = 1;
const NFTA_CHAIN_TABLE = 1;
const NFTA_CHAIN_NAME = 3;
const NFTA_SET_TABLE = 1;
const NFTA_SET_NAME = 2;
const NFTA_RULE_TABLE = 1;
const NFTA_RULE_CHAIN = 2;

function request(msg: number, family: Family, seq: number, dump: boolean, attrs: [number, string][]): Buffer {
  const w = new AttrWriter(256);
  const s = w.beginMessage(nftType(msg), NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0), seq, familyNumber(family));
  for (const [t, v] of attrs) w.str(t, v);
  w.endMessage(s);
  return w.finish();
}

/** The string attribute `type` of a message, without decoding the rest. */
function nameOf(m: MessageView, type: number): string | undefined {
  let p = m.start + NLMSG_HDRLEN + 4;
  while (p + 4 <= m.end) {
    const len = hostU16(m.buf, p);
    if (len < 4) return undefined;
    if ((hostU16(m.buf, p + 2) & 0x3fff) === type) {
      let e = p + 4;
      while (e < p + len && m.buf[e] !== 0) e++;
      return Buffer.from(m.buf.buffer, m.buf.byteOffset + p + 4, e - p - 4).toString('utf8');
    }
    p += (len + 3) & ~3;
  }
  return undefined;
}

export interface RawListResult {
  bytes: number;
  dumps: number;
}

/** Issues listTable's dumps for `strategy` and discards the replies. */
export async function rawListTable(nft: Nftables, family: Family, table: string, strategy: RuleDumpStrategy, workers = 2): Promise<RawListResult> {
  const sock = nft.sock;
  const buf = new Uint8Array(1 << 20);
  let bytes = 0;
  let dumps = 0;
  const chains: string[] = [];
  const sets: string[] = [];
  const one = async (req: (seq: number) => Buffer, onMessage?: (m: MessageView) => void): Promise<void> => {
    const seq = sock.allocSeq();
    await dumpInline(sock, req(seq), seq, buf, (m) => {
      bytes += m.end - m.start;
      onMessage?.(m);
    });
    dumps++;
  };
  await sock.exclusive(async () => {
    // The table itself (a single GET, answered inside sendmsg).
    const seq = sock.allocSeq();
    sock.sendSync(request(NFT_MSG_GETTABLE, family, seq, false, [[NFTA_TABLE_NAME, table]]));
    for (;;) {
      const r = sock.native.recv(buf, 0, 64 << 10);
      if (r.count > 0 && parseMessages(buf, 0, r.bytes).some((m) => m.seq === seq)) break;
      if (r.count === 0) await new Promise((res) => setImmediate(res));
    }
    // Chain dumps are not filtered by table in the kernel.
    await one((s) => request(NFT_MSG_GETCHAIN, family, s, true, []), (m) => {
      if (nameOf(m, NFTA_CHAIN_TABLE) === table) chains.push(nameOf(m, NFTA_CHAIN_NAME)!);
    });
    await one((s) => request(NFT_MSG_GETSET, family, s, true, [[NFTA_SET_TABLE, table]]), (m) => sets.push(nameOf(m, NFTA_SET_NAME)!));
    await one((s) => request(NFT_MSG_GETOBJ, family, s, true, [[1, table]]));
    await one((s) => request(NFT_MSG_GETFLOWTABLE, family, s, true, [[1, table]]));
    // The parallel strategy's workers dump the elements too.
    if (strategy !== 'parallel') for (const set of sets) await one((s) => request(NFT_MSG_GETSETELEM, family, s, true, [[1, table], [2, set]]));
    if (strategy === 'table') {
      await one((s) => request(NFT_MSG_GETRULE, family, s, true, [[NFTA_RULE_TABLE, table]]));
    } else if (strategy === 'chains') {
      for (const c of chains) await one((s) => request(NFT_MSG_GETRULE, family, s, true, [[NFTA_RULE_TABLE, table], [NFTA_RULE_CHAIN, c]]));
    }
  });
  if (strategy === 'parallel') {
    const n = Math.min(workers, Math.max(1, chains.length + sets.length));
    const per = Math.ceil(chains.length / n);
    const perSet = Math.ceil(sets.length / n);
    const runs: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const data: DumpWorkerData & { kind: string } = {
        kind: 'nftlink-dump', netns: nft.netns, family: familyNumber(family), table,
        sets: sets.slice(i * perSet, (i + 1) * perSet), chains: chains.slice(i * per, (i + 1) * per), blockSize: 256 << 10,
      };
      runs.push(new Promise<void>((resolve, reject) => {
        const w = new Worker(new URL('../../src/client/dump-worker.js', import.meta.url), { workerData: data });
        w.on('message', (m: DumpWorkerMessage) => {
          if (m.type === 'block') bytes += m.bytes;
          else if (m.type === 'done') {
            dumps += m.dumps;
            resolve();
          } else reject(new Error(m.message));
        });
        w.on('error', reject);
        w.on('exit', () => resolve());
      }));
    }
    await Promise.all(runs);
  }
  return { bytes, dumps };
}
