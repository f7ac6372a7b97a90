// Interface names from rtnetlink (RTM_GETLINK dump), read inside a network
// namespace: packet traces name interfaces by index, and an index only means
// something in its own namespace.

import { HOST_LE, forEachAttr, hostI32, readCString } from './attr.js';
import { NLM_F_DUMP, NLM_F_REQUEST, NLMSG_HDRLEN } from './constants.js';
import { NetlinkSocket } from './socket.js';

export const NETLINK_ROUTE = 0;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const IFINFOMSG_LEN = 16;
const IFLA_IFNAME = 3;

/** index → name of every interface in the namespace (this process's when netns is left out). */
export async function listLinks(netns?: string): Promise<Map<number, string>> {
  const sock = NetlinkSocket.open({ protocol: NETLINK_ROUTE, ...(netns ? { netns } : {}) });
  try {
    const seq = sock.allocSeq();
    const req = Buffer.alloc(NLMSG_HDRLEN + IFINFOMSG_LEN);
    const u16 = (v: number, o: number): number => (HOST_LE ? req.writeUInt16LE(v, o) : req.writeUInt16BE(v, o));
    const u32 = (v: number, o: number): number => (HOST_LE ? req.writeUInt32LE(v, o) : req.writeUInt32BE(v, o));
    u32(req.length, 0);
    u16(RTM_GETLINK, 4);
    u16(NLM_F_REQUEST | NLM_F_DUMP, 6);
    u32(seq, 8);
    // ifinfomsg: family AF_UNSPEC, everything else zero.
    const out = new Map<number, string>();
    await sock.dump(req, seq, (m) => {
      if (m.type !== RTM_NEWLINK || m.end - m.start < NLMSG_HDRLEN + IFINFOMSG_LEN) return;
      const index = hostI32(m.buf, m.start + NLMSG_HDRLEN + 4);
      forEachAttr(m.buf, m.start + NLMSG_HDRLEN + IFINFOMSG_LEN, m.end, (type, off, len) => {
        if (type === IFLA_IFNAME) out.set(index, readCString(m.buf, off, off + len));
      });
    });
    return out;
  } finally {
    sock.close();
  }
}
