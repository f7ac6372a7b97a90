// A worker thread for listTable's 'parallel' strategy: opens its own socket
// in the same namespace, dumps the elements of its share of the sets and the
// rules of its share of the chains, one set or chain at a time, and hands
// the raw replies to the main thread in transferred blocks (decoding stays on
// the main thread: structured-cloning decoded objects would cost more than
// decoding them).

import { parentPort, workerData } from 'node:worker_threads';
import { AttrWriter } from '../netlink/attr.js';
import { NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from '../netlink/constants.js';
import { NetlinkSocket } from '../netlink/socket.js';
import { NFT_MSG_GETRULE, NFT_MSG_GETSETELEM, nftType } from '../nftables/constants.js';
import { NFTA_RULE_CHAIN, NFTA_RULE_TABLE } from '../nftables/rule.js';
import { HOST_LE } from '../netlink/attr.js';

export interface DumpWorkerData {
  netns: string | undefined;
  family: number;
  table: string;
  /** Sets whose elements to dump, first. */
  sets: string[];
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
  let closed = false;
  const closeSocket = (): void => {
    if (closed) return;
    closed = true;
    sock.close();
  };
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
    const one = (what: string, msg: number, attrs: [number, string][]): boolean => {
      const seq = sock.allocSeq();
      w.reset();
      const s = w.beginMessage(nftType(msg), NLM_F_REQUEST | NLM_F_DUMP, seq, d.family);
      for (const [t, v] of attrs) w.str(t, v);
      w.endMessage(s);
      native.send(w.finish());
      let done = false;
      while (!done) {
        const r = native.recv(rbuf, 0, MIN_ROOM);
        if (r.error) throw r.error;
        if (r.count === 0) {
          // The kernel queues dumps inside sendmsg/recvmsg; nothing queued means something else went wrong.
          throw Object.assign(new Error(`no reply to the dump of ${what}`), { code: 'ETIMEDOUT' });
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
                port.postMessage({ type: 'error', chain: what, errno, message: `dump of ${what} failed with errno ${errno}` } satisfies DumpWorkerMessage);
                return false;
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
      return true;
    };
    // NFTA_SET_ELEM_LIST_TABLE 1, NFTA_SET_ELEM_LIST_SET 2.
    for (const set of d.sets) if (!one(`set ${set}`, NFT_MSG_GETSETELEM, [[1, d.table], [2, set]])) return;
    for (const chain of d.chains) if (!one(`chain ${chain}`, NFT_MSG_GETRULE, [[NFTA_RULE_TABLE, d.table], [NFTA_RULE_CHAIN, chain]])) return;
    flush();
    // The socket is closed before the last message: once the main thread has
    // it, it may stop this worker, and a native call cut short by that
    // cannot throw (node-addon-api aborted the process on it).
    closeSocket();
    port.postMessage({ type: 'done', dumps } satisfies DumpWorkerMessage);
  } catch (e) {
    closeSocket();
    const x = e as { code?: string; errno?: number; message?: string };
    port.postMessage({ type: 'error', message: x.message ?? String(e), ...(x.code ? { code: x.code } : {}), ...(x.errno ? { errno: x.errno } : {}) } satisfies DumpWorkerMessage);
  } finally {
    closeSocket();
  }
}

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'nftlink-dump') run(workerData as DumpWorkerData);
