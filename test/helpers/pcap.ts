// Writes netlink captures the way an nlmon device records them (link type
// NETLINK 253: a 16-byte cooked header, then the datagram), for tests of the
// decode command. Written from the format descriptions, not from our parser.

export interface CapturedPacket {
  data: Uint8Array;
  /** true: sent by a process to the kernel (PACKET_KERNEL 7); false: to a process (PACKET_USER 6). */
  toKernel: boolean;
}

function cookedHeader(toKernel: boolean): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(toKernel ? 7 : 6, 0);
  h.writeUInt16BE(824, 2); // ARPHRD_NETLINK
  h.writeUInt16BE(12, 14); // NETLINK_NETFILTER
  return h;
}

/** Classic pcap, microsecond timestamps, in the given byte order. */
export function writePcap(packets: CapturedPacket[], order: 'le' | 'be' = 'le'): Uint8Array {
  const parts: Buffer[] = [];
  const u32 = (b: Buffer, v: number, o: number): void => {
    if (order === 'le') b.writeUInt32LE(v, o);
    else b.writeUInt32BE(v, o);
  };
  const u16 = (b: Buffer, v: number, o: number): void => {
    if (order === 'le') b.writeUInt16LE(v, o);
    else b.writeUInt16BE(v, o);
  };
  const g = Buffer.alloc(24);
  u32(g, 0xa1b2c3d4, 0);
  u16(g, 2, 4);
  u16(g, 4, 6);
  u32(g, 262144, 16);
  u32(g, 253, 20);
  parts.push(g);
  let t = 1_700_000_000;
  for (const p of packets) {
    const body = Buffer.concat([cookedHeader(p.toKernel), Buffer.from(p.data)]);
    const h = Buffer.alloc(16);
    u32(h, t++, 0);
    u32(h, 500, 4);
    u32(h, body.length, 8);
    u32(h, body.length, 12);
    parts.push(h, body);
  }
  return Buffer.concat(parts);
}

/** pcapng: a section header, one NETLINK interface, one enhanced packet block per packet. */
export function writePcapng(packets: CapturedPacket[]): Uint8Array {
  const blocks: Buffer[] = [];
  const block = (type: number, body: Buffer): void => {
    const pad = (4 - (body.length % 4)) % 4;
    const len = 12 + body.length + pad;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(len, 4);
    body.copy(b, 8);
    b.writeUInt32LE(len, len - 4);
    blocks.push(b);
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  block(0x0a0d0d0a, shb);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(253, 0);
  idb.writeUInt32LE(262144, 4);
  block(1, idb);
  let ts = 1_700_000_000_000_000n;
  for (const p of packets) {
    const data = Buffer.concat([cookedHeader(p.toKernel), Buffer.from(p.data)]);
    const epb = Buffer.alloc(20);
    epb.writeUInt32LE(0, 0);
    epb.writeUInt32LE(Number(ts >> 32n), 4);
    epb.writeUInt32LE(Number(ts & 0xffffffffn), 8);
    epb.writeUInt32LE(data.length, 12);
    epb.writeUInt32LE(data.length, 16);
    ts += 1000n;
    block(6, Buffer.concat([epb, data]));
  }
  return Buffer.concat(blocks);
}
