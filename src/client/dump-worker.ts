// A worker thread for listTable's 'parallel' strategy: opens its own socket
// in the same namespace, dumps the rules of its share of the chains one
// chain at a time, and hands the raw replies to the main thread in large
// transferred blocks (decoding stays on the main thread: structured-cloning
// decoded rules would cost more than decoding them).

import { parentPort, workerData } from 'node:worker_threads';
import { AttrWriter } from '../netlink/attr.js';
import { NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from '../netlink/constants.js';
import { NetlinkSocket } from '../netlink/socket.js';
import { NFT_MSG_GETRULE, nftType } from '../nftables/constants.js';
import { NFTA_RULE_CHAIN, NFTA_RULE_TABLE } from '../nftables/rule.js';
import { HOST_LE } from '../netlink/attr.js';

export interface DumpWorkerData {
  netns: string | undefined;
  family: number;
  table: string;
  chains: string[];
  /** Size of the blocks handed over. */
  blockSize: number;
}

export type DumpWorkerMessage =
  | { type: 'block'; buf: ArrayBuffer; bytes: number }
  | { type: 'done'; dumps: number }
  | { type: 'error'; chain?: string; errno?: number; code?: string; message: string };

const MIN_ROOM = 64 << 10;

function u32(b: Uint8Array, o: number): number {
  return HOST_LE ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000 : b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}
function u16(b: Uint8Array, o: number): number {
  return HOST_LE ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
}

function run(d: DumpWorkerData): void {
  const port = parentPort!;
  const sock = NetlinkSocket.open(d.netns ? { netns: d.netns } : {});
  try {
    const native = sock.native;
    const rbuf = new Uint8Array(1 << 20);
    let block = new Uint8Array(d.blockSize);
    let used = 0;
    const flush = (): void => {
      if (used === 0) return;
      const out = block;
      port.postMessage({ type: 'block', buf: out.buffer, bytes: used } satisfies DumpWorkerMessage, [out.buffer as ArrayBuffer]);
      block = new Uint8Array(d.blockSize);
      used = 0;
    };
    const w = new AttrWriter(512);
    let dumps = 0;
    for (const chain of d.chains) {
      const seq = sock.allocSeq();
      w.reset();
      const s = w.beginMessage(nftType(NFT_MSG_GETRULE), NLM_F_REQUEST | NLM_F_DUMP, seq, d.family);
      w.str(NFTA_RULE_TABLE, d.table);
      w.str(NFTA_RULE_CHAIN, chain);
      w.endMessage(s);
      native.send(w.finish());
      let done = false;
      while (!done) {
        const r = native.recv(rbuf, 0, MIN_ROOM);
        if (r.error) throw r.error;
        if (r.count === 0) {
          // The kernel queues dumps inside sendmsg/recvmsg; nothing queued means something else went wrong.
          throw Object.assign(new Error(`no reply to the dump of chain ${chain}`), { code: 'ETIMEDOUT' });
        }
        // Find the end of the dump and any error; keep the object messages.
        let p = 0;
        while (p + 16 <= r.bytes) {
          const len = u32(rbuf, p);
          if (len < 16) break;
          const type = u16(rbuf, p + 4);
          if (u32(rbuf, p + 8) === seq) {
            if (type === NLMSG_DONE) done = true;
            else if (type === NLMSG_ERROR) {
              const errno = -(u32(rbuf, p + 16) | 0);
              if (errno !== 0) {
                port.postMessage({ type: 'error', chain, errno, message: `dump of chain ${chain} failed with errno ${errno}` } satisfies DumpWorkerMessage);
                return;
              }
              done = true;
            }
          }
          p += (len + 3) & ~3;
        }
        if (used + r.bytes > block.length) flush();
        if (r.bytes > block.length) block = new Uint8Array(r.bytes);
        block.set(rbuf.subarray(0, r.bytes), used);
        used += r.bytes;
      }
      dumps++;
    }
    flush();
    port.postMessage({ type: 'done', dumps } satisfies DumpWorkerMessage);
  } catch (e) {
    const x = e as { code?: string; errno?: number; message?: string };
    port.postMessage({ type: 'error', message: x.message ?? String(e), ...(x.code ? { code: x.code } : {}), ...(x.errno ? { errno: x.errno } : {}) } satisfies DumpWorkerMessage);
  } finally {
    sock.close();
  }
}

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'nftlink-dump') run(workerData as DumpWorkerData);
