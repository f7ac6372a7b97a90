// Dumps read without leaving the current tick. The kernel builds a dump's
// first datagram inside sendmsg and each following one inside the recvmsg
// that takes the previous, so a small dump (one chain's rules, one set's
// elements) is complete by the time sendmsg returns and a loop of
// non-blocking reads collects a big one. Thousands of small dumps issued this
// way cost a few microseconds of JavaScript each; through the thread pool
// each would wait for a worker twice.

import { NLM_F_DUMP_INTR, NLMSG_DONE, NLMSG_ERROR } from './constants.js';
import { decodeError, NetlinkError, parseMessages, SocketError, type MessageView } from './message.js';
import type { NetlinkSocket } from './socket.js';

/** Room a read needs before it starts (a dump datagram is at most 32 KiB). */
const MIN_ROOM = 64 << 10;
/** How long a dump may wait for data the kernel has not queued yet. */
const WAIT_MS = 30_000;

export interface SyncDumpResult {
  messages: number;
  /** A message carried NLM_F_DUMP_INTR: the dumped objects changed meanwhile. */
  interrupted: boolean;
}

/**
 * Runs one dump: sends `request` (sequence `seq`) and calls onMessage for
 * every object message until NLMSG_DONE. `buf` is the receive buffer (reused:
 * decode or copy what you keep). Throws NetlinkError for an error reply. The
 * caller holds the socket (sock.exclusive) and issues one dump at a time.
 */
export async function dumpInline(
  sock: NetlinkSocket,
  request: Uint8Array,
  seq: number,
  buf: Uint8Array,
  onMessage: (m: MessageView) => void,
): Promise<SyncDumpResult> {
  const native = sock.native;
  sock.sendSync(request);
  let messages = 0;
  let interrupted = false;
  for (;;) {
    let r = native.recv(buf, 0, MIN_ROOM);
    if (r.count === 0 && !r.error) {
      // Not queued yet (a dump of another socket's making, or a busy kernel): wait for it.
      r = await native.recvAsync(buf, 0, MIN_ROOM, WAIT_MS);
      if (r.count === 0 && !r.error) throw new SocketError('ETIMEDOUT', 110, 'recv', `the dump stalled: no data within ${WAIT_MS} ms`);
    }
    let done = false;
    let failure: NetlinkError | undefined;
    for (const m of parseMessages(buf, 0, r.bytes)) {
      if (sock.tracer) sock.tracer('recv', m);
      if (done || m.seq !== seq) continue;
      if (m.type === NLMSG_DONE) {
        done = true;
      } else if (m.type === NLMSG_ERROR) {
        const e = decodeError(m);
        if (e.errno !== 0) failure = new NetlinkError(e, 'dump');
        done = true;
      } else {
        if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
        messages++;
        onMessage(m);
      }
    }
    if (r.error) {
      const e = r.error;
      throw new SocketError(e.code, e.errno, e.syscall, e.message, { cause: e });
    }
    if (failure) throw failure;
    if (done) return { messages, interrupted };
  }
}
