// Netlink message headers, the nfgenmsg header, NLMSG_ERROR with extended acks.

import { DecodeError, NftlinkError } from '../errors.js';
import { align4, forEachAttr, hostI32, hostU16, hostU32, readCString } from './attr.js';
import {
  NFGENMSG_LEN,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
} from './constants.js';

/** One message inside a receive buffer; `start`/`end` delimit it (header included). */
export interface MessageView {
  buf: Uint8Array;
  start: number;
  end: number;
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export interface NfGenHeader {
  family: number;
  version: number;
  /** Big-endian res_id: the subsystem in batch headers, the generation's low 16 bits in replies. */
  resId: number;
}

/**
 * Splits buf[start, end) into messages. Throws a DecodeError on a length that
 * is shorter than a header or runs past the end.
 */
export function parseMessages(buf: Uint8Array, start: number, end: number): MessageView[] {
  const out: MessageView[] = [];
  let p = start;
  while (p < end) {
    if (end - p < NLMSG_HDRLEN) {
      // Trailing alignment zeros after the last datagram are not a message.
      let zero = true;
      for (let i = p; i < end; i++) if (buf[i] !== 0) zero = false;
      if (zero) break;
      throw new DecodeError(`${end - p} stray bytes where a netlink header was expected`, p, ['nlmsghdr']);
    }
    const len = hostU32(buf, p);
    if (len === 0) {
      // A zero-length header only appears as padding between received datagrams.
      p += 4;
      continue;
    }
    if (len < NLMSG_HDRLEN || p + len > end) {
      throw new DecodeError(`message length ${len} runs past the data (${end - p} bytes left)`, p, ['nlmsghdr']);
    }
    out.push({
      buf,
      start: p,
      end: p + len,
      type: hostU16(buf, p + 4),
      flags: hostU16(buf, p + 6),
      seq: hostU32(buf, p + 8),
      pid: hostU32(buf, p + 12),
    });
    p += align4(len);
  }
  return out;
}

export function readNfGen(m: MessageView): NfGenHeader {
  if (m.end - m.start < NLMSG_HDRLEN + NFGENMSG_LEN) {
    throw new DecodeError('message too short for nfgenmsg', m.start, ['nfgenmsg']);
  }
  const p = m.start + NLMSG_HDRLEN;
  return { family: m.buf[p]!, version: m.buf[p + 1]!, resId: (m.buf[p + 2]! << 8) | m.buf[p + 3]! };
}

/** Offset of the first attribute of an nfnetlink message. */
export function attrStart(m: MessageView): number {
  return m.start + NLMSG_HDRLEN + NFGENMSG_LEN;
}

/** A decoded NLMSG_ERROR: an ack when `error` is 0. */
export interface ErrorMessage {
  /** 0 for an ack, else the positive errno. */
  errno: number;
  /** Header of the request this answers. */
  request: { len: number; type: number; flags: number; seq: number; pid: number };
  /** Extended ack: the kernel's own words. */
  message?: string;
  /** Extended ack: byte offset of the offending attribute from the start of the request's nlmsghdr. */
  offset?: number;
  missingType?: number;
  missingNest?: number;
}

export function decodeError(m: MessageView): ErrorMessage {
  const b = m.buf;
  const p = m.start + NLMSG_HDRLEN;
  if (m.type !== NLMSG_ERROR) throw new DecodeError(`not an error message (type ${m.type})`, m.start);
  if (m.end - p < 4 + NLMSG_HDRLEN) throw new DecodeError('NLMSG_ERROR too short', m.start, ['nlmsgerr']);
  const err = hostI32(b, p);
  const o = p + 4;
  const request = {
    len: hostU32(b, o),
    type: hostU16(b, o + 4),
    flags: hostU16(b, o + 6),
    seq: hostU32(b, o + 8),
    pid: hostU32(b, o + 12),
  };
  // `0 - 0` would be -0 for an ack; keep acks a plain 0.
  const out: ErrorMessage = { errno: err === 0 ? 0 : -err, request };
  if (m.flags & NLM_F_ACK_TLVS) {
    // The echoed request is just its header when capped, else the whole request.
    let tlv = o + NLMSG_HDRLEN;
    if (!(m.flags & NLM_F_CAPPED)) tlv = o + align4(request.len);
    if (tlv < m.end) {
      forEachAttr(b, tlv, m.end, (type, off, len) => {
        switch (type) {
          case NLMSGERR_ATTR_MSG:
            out.message = readCString(b, off, off + len);
            break;
          case NLMSGERR_ATTR_OFFS:
            if (len >= 4) out.offset = hostU32(b, off);
            break;
          case NLMSGERR_ATTR_MISS_TYPE:
            if (len >= 4) out.missingType = hostU32(b, off);
            break;
          case NLMSGERR_ATTR_MISS_NEST:
            if (len >= 4) out.missingNest = hostU32(b, off);
            break;
        }
      }, ['nlmsgerr', 'ext-ack']);
    }
  }
  return out;
}

// errno names for the codes the kernel returns to nf_tables clients.
const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 4: 'EINTR', 5: 'EIO', 7: 'E2BIG', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM',
  13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV', 22: 'EINVAL', 23: 'ENFILE',
  24: 'EMFILE', 27: 'EFBIG', 28: 'ENOSPC', 31: 'EMLINK', 34: 'ERANGE', 40: 'ELOOP', 61: 'ENODATA',
  62: 'ETIME', 71: 'EPROTO', 74: 'EBADMSG', 75: 'EOVERFLOW', 85: 'ERESTART', 90: 'EMSGSIZE',
  93: 'EPROTONOSUPPORT', 95: 'EOPNOTSUPP', 97: 'EAFNOSUPPORT', 105: 'ENOBUFS', 110: 'ETIMEDOUT',
  125: 'ECANCELED',
};

const ERRNO_TEXT: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 4: 'Interrupted system call', 7: 'Argument list too long',
  11: 'Resource temporarily unavailable', 12: 'Cannot allocate memory', 13: 'Permission denied',
  16: 'Device or resource busy', 17: 'File exists', 19: 'No such device', 22: 'Invalid argument',
  27: 'File too large', 28: 'No space left on device', 31: 'Too many links',
  34: 'Numerical result out of range', 40: 'Too many levels of symbolic links', 61: 'No data available',
  75: 'Value too large for defined data type', 85: 'Interrupted system call should be restarted',
  90: 'Message too long', 95: 'Operation not supported', 105: 'No buffer space available',
  110: 'Connection timed out',
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `E${errno}`;
}

export function errnoText(errno: number): string {
  return ERRNO_TEXT[errno] ?? `errno ${errno}`;
}

/** An error the kernel answered to one request. */
export class NetlinkError extends NftlinkError {
  readonly errno: number;
  readonly seq: number;
  readonly msgType: number;
  /** The kernel's extended-ack message, if it sent one. */
  readonly kernelMessage: string | undefined;
  /** Extended-ack attribute offset inside the request, if sent. */
  readonly attributeOffset: number | undefined;
  constructor(e: ErrorMessage, what?: string) {
    const name = errnoName(e.errno);
    super(
      name,
      `${what ? what + ': ' : ''}${name} (${errnoText(e.errno)})${e.message ? `: ${e.message}` : ''}`,
    );
    this.errno = e.errno;
    this.seq = e.request.seq;
    this.msgType = e.request.type;
    this.kernelMessage = e.message;
    this.attributeOffset = e.offset;
  }
}

/** An error from a syscall of the socket itself (sendmsg, recv, setsockopt …). */
export class SocketError extends NftlinkError {
  readonly errno: number;
  readonly syscall: string;
  constructor(code: string, errno: number, syscall: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.errno = errno;
    this.syscall = syscall;
  }
  static from(e: unknown, context?: string): SocketError {
    const x = e as { code?: string; errno?: number; syscall?: string; message?: string };
    return new SocketError(
      x.code ?? 'EIO',
      x.errno ?? 0,
      x.syscall ?? 'netlink',
      `${context ? context + ': ' : ''}${x.message ?? String(e)}`,
      { cause: e },
    );
  }
}
