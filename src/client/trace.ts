// nft.trace(): packet traces (rules that set `meta nftrace set 1`) joined
// into one record per packet.
//
// The kernel sends one NFT_MSG_TRACE per step (each matching rule, a return,
// a base chain's policy), all with the packet's trace id; the first step of
// each hook a packet goes through also carries its headers. A record collects
// the steps of one id until a verdict that ends the packet (drop, queue,
// stolen), or until no step came for `idleMs` (an accepted packet may go on
// to another hook). Each step gets its rule from a cache of the traced chains,
// so it can be shown as nft would print it; the socket also listens to
// ruleset changes to keep that cache right.

import { NFNLGRP_NFTABLES, NFNLGRP_NFTRACE } from '../netlink/constants.js';
import { type MessageView, type SocketError } from '../netlink/message.js';
import { listLinks } from '../netlink/rtnl.js';
import { NetlinkSocket, type WireTracer } from '../netlink/socket.js';
import {
  NFT_MSG_GETRULE,
  NFT_MSG_TRACE,
  NFTA_RULE_CHAIN,
  NFTA_RULE_TABLE,
  nftMsg,
  type Family,
} from '../nftables/constants.js';
import type { Verdict } from '../nftables/data.js';
import { decodeChange } from '../nftables/events.js';
import { decodeRule, formatRule, type Rule } from '../nftables/rule.js';
import { decodePacket, decodeTrace, type PacketInfo, type TraceEvent, type TraceType } from '../nftables/trace.js';
import { EventStream } from './stream.js';
import type { Nftables } from './nftables.js';

export interface InterfaceInfo {
  index: number;
  /** The name inside the traced namespace, when it could be looked up. */
  name?: string;
  /** ARPHRD_* type (1 Ethernet, 772 loopback …). */
  type?: number;
}

/** One step of a packet through the ruleset. */
export interface TraceStep {
  /** 'rule': a rule matched; 'return': end of a regular chain; 'policy': a base chain's policy applied. */
  type: TraceType | number;
  family: Family;
  table?: string;
  chain?: string;
  /** The matching rule's handle. */
  handle?: number;
  /** The rule, from the cache (absent if it was deleted before it could be read). */
  rule?: Rule;
  /** The rule in libnftnl's format, one line: `[ meta load … ] [ cmp … ]`. */
  ruleText?: string;
  /** The rule's verdict (continue when it only matched). */
  verdict?: Verdict;
  /** The base chain's policy ('policy' steps). */
  policy?: 'accept' | 'drop' | number;
  /** The packet mark at this step, when not zero. */
  mark?: number;
}

/** Everything traced about one packet. */
export interface TraceRecord {
  type: 'trace';
  /** The kernel's trace id (NFTA_TRACE_ID). */
  id: number;
  /** Family of the table the first step is in. */
  family: Family;
  /** NFPROTO_* of the packet. */
  nfproto?: number;
  /** Decoded headers (from the first hook's dump). */
  packet: PacketInfo;
  /** The raw headers as the kernel copied them. */
  headers: { ll?: Uint8Array; network?: Uint8Array; transport?: Uint8Array };
  iif?: InterfaceInfo;
  oif?: InterfaceInfo;
  /** Mark when the packet was first traced, when not zero. */
  mark?: number;
  steps: TraceStep[];
  /** The last verdict that decided the packet's fate at a hook: 'accept', 'drop', 'queue', 'stolen'. */
  verdict?: string;
  /** Trace events were lost while this packet was being traced: steps may be missing. */
  incomplete?: boolean;
}

/** Trace messages were lost (the receive queue overflowed). */
export interface TraceOverrunEvent {
  type: 'overrun';
}

export type TraceOutput = TraceRecord | TraceOverrunEvent;

export interface TraceOptions {
  signal?: AbortSignal;
  /** A record is complete when no step came for this long (ms, default 100). */
  idleMs?: number;
  /** Look up interface names in the namespace (default true). */
  resolveInterfaces?: boolean;
  /** Read the traced rules to show them (default true). */
  resolveRules?: boolean;
  /** Receive buffer (bytes, default 16 MiB). */
  receiveBuffer?: number;
  /** Records waiting for the consumer before reading pauses (default 10 000). */
  queueLimit?: number;
}

export interface TraceHost {
  netns?: string | undefined;
  tracer?: WireTracer | undefined;
  nft: Nftables;
  /** Told once when the tracer stops. */
  onClose?: () => void;
}

interface Open {
  record: TraceRecord;
  timer: NodeJS.Timeout | undefined;
  /** What identifies the packet across hooks (see fingerprint). */
  fingerprint: string | undefined;
}

/**
 * Header fields that stay the same while one packet goes from hook to hook:
 * NAT rewrites addresses, ports and checksums and forwarding lowers the TTL,
 * but lengths, the IPv4 id, TCP sequence numbers and flags, ICMP type and
 * sequence stay. Two different packets of a flow differ in at least one.
 */
function fingerprint(ev: TraceEvent): string {
  const n = ev.networkHeader!;
  const t = ev.transportHeader;
  const hex = (b: Uint8Array | undefined, s: number, e: number): string => (b ? Buffer.from(b.subarray(s, Math.min(e, b.length))).toString('hex') : '');
  const version = n.length ? n[0]! >> 4 : 0;
  let l4 = -1;
  let net = '';
  if (version === 4 && n.length >= 20) {
    l4 = n[9]!;
    net = `4:${hex(n, 2, 8)}:${l4}`; // total length, id, fragment field
  } else if (version === 6 && n.length >= 8) {
    l4 = n[6]!;
    net = `6:${hex(n, 1, 6)}`; // flow label, payload length, next header
  } else {
    net = hex(n, 0, n.length);
  }
  let tr = '';
  if (l4 === 6) tr = hex(t, 4, 16);
  else if (l4 === 17 || l4 === 136) tr = hex(t, 4, 6);
  else if (l4 === 1 || l4 === 58) tr = `${hex(t, 0, 2)}${hex(t, 6, 8)}`;
  else tr = hex(t, 0, 16);
  return `${net}/${tr}`;
}

const FINAL = new Set(['drop', 'queue', 'stolen']);

export class Tracer implements AsyncIterableIterator<TraceOutput> {
  private readonly sock: NetlinkSocket;
  private readonly stream: EventStream<TraceOutput>;
  private readonly host: TraceHost;
  private readonly idleMs: number;
  private readonly resolveInterfaces: boolean;
  private readonly resolveRules: boolean;
  private stopListening: (() => void) | undefined;
  private paused = false;
  private open = new Map<number, Open>();
  /** Records are finished one after another so they come out in the order they closed. */
  private finishing: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private rules = new Map<string, Promise<Map<number, Rule>>>();
  private links: Promise<Map<number, string>> | undefined;
  private linksRefreshed = 0;

  constructor(host: TraceHost, opts: TraceOptions = {}) {
    this.host = host;
    this.idleMs = opts.idleMs ?? 100;
    this.resolveInterfaces = opts.resolveInterfaces !== false;
    this.resolveRules = opts.resolveRules !== false;
    this.sock = NetlinkSocket.open({
      ...(host.netns ? { netns: host.netns } : {}),
      groups: [NFNLGRP_NFTRACE, NFNLGRP_NFTABLES],
    });
    try {
      if (opts.receiveBuffer !== undefined) this.sock.native.setBuffers({ rcv: opts.receiveBuffer });
      else this.sock.ensureBuffers(0, 16 << 20);
    } catch {
      // Keep the default buffer without the privilege to raise it.
    }
    if (host.tracer) this.sock.tracer = host.tracer;
    this.stream = new EventStream<TraceOutput>({
      onClose: () => this.shutdown(),
      onDrain: () => this.maybeResume(),
    }, opts.queueLimit ?? 10_000, opts.signal);
    this.listen();
  }

  next(): Promise<IteratorResult<TraceOutput, undefined>> {
    return this.stream.next();
  }

  return(): Promise<IteratorResult<TraceOutput, undefined>> {
    return this.stream.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  close(): void {
    this.stream.close();
  }

  /** Whether the tracer has stopped and closed its socket. */
  get closed(): boolean {
    return this.sock.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  private listen(): void {
    this.stopListening = this.sock.listen((msgs) => this.onMessages(msgs), (e) => this.onError(e));
  }

  private shutdown(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    for (const o of this.open.values()) if (o.timer) clearTimeout(o.timer);
    this.open.clear();
    this.sock.close();
    this.host.onClose?.();
  }

  private mustPause(): boolean {
    return this.stream.weight + this.inFlight >= this.stream.limit;
  }

  private maybeResume(): void {
    if (!this.paused || this.stream.isClosed || this.mustPause()) return;
    this.paused = false;
    this.listen();
  }

  private onMessages(msgs: MessageView[]): boolean {
    if (this.stream.isClosed) return false;
    for (const m of msgs) {
      const msg = nftMsg(m.type);
      if (msg === NFT_MSG_TRACE) {
        let ev: TraceEvent;
        try {
          ev = decodeTrace(m);
        } catch {
          continue;
        }
        this.onTrace(ev);
      } else {
        const c = decodeChange(m);
        // A change of rules, chains or the table may change what a handle means: forget the table's rules.
        if (c && (c.kind === 'rule' || c.kind === 'chain' || c.kind === 'table')) {
          const o = c.object as { table?: string; name?: string };
          const table = c.kind === 'table' ? o.name : o.table;
          if (table !== undefined) this.forgetTable(c.family, table);
        }
      }
    }
    if (this.mustPause()) {
      this.paused = true;
      return false;
    }
    return true;
  }

  private onError(e: SocketError): void {
    if (this.stream.isClosed) return;
    if (e.code !== 'ENOBUFS') {
      this.stream.fail(e);
      return;
    }
    for (const o of this.open.values()) o.record.incomplete = true;
    this.rules.clear();
    this.enqueue(Promise.resolve({ type: 'overrun' }));
  }

  private forgetTable(family: Family, table: string): void {
    const prefix = `${family}\0${table}\0`;
    for (const k of this.rules.keys()) if (k.startsWith(prefix)) this.rules.delete(k);
  }

  private onTrace(ev: TraceEvent): void {
    let o = this.open.get(ev.id);
    if (o && ev.networkHeader && o.fingerprint !== undefined && fingerprint(ev) !== o.fingerprint) {
      // The kernel's trace id is derived from the socket buffer, and buffers
      // are reused: a header dump of another packet under the same id starts a new record.
      this.close1(ev.id);
      o = undefined;
    }
    if (!o) {
      o = { record: { type: 'trace', id: ev.id, family: ev.family, packet: {}, headers: {}, steps: [] }, timer: undefined, fingerprint: undefined };
      this.open.set(ev.id, o);
    }
    if (ev.networkHeader && o.fingerprint === undefined) o.fingerprint = fingerprint(ev);
    const r = o.record;
    if (r.nfproto === undefined && ev.nfproto !== undefined) r.nfproto = ev.nfproto;
    if (!r.headers.network && (ev.networkHeader || ev.llHeader || ev.transportHeader)) {
      if (ev.llHeader) r.headers.ll = ev.llHeader;
      if (ev.networkHeader) r.headers.network = ev.networkHeader;
      if (ev.transportHeader) r.headers.transport = ev.transportHeader;
      r.packet = decodePacket(ev);
    }
    if (!r.iif && ev.iif !== undefined) r.iif = { index: ev.iif, ...(ev.iifType !== undefined ? { type: ev.iifType } : {}) };
    if (!r.oif && ev.oif !== undefined) r.oif = { index: ev.oif, ...(ev.oifType !== undefined ? { type: ev.oifType } : {}) };
    if (r.mark === undefined && ev.mark !== undefined && r.steps.length === 0) r.mark = ev.mark;
    if (ev.type === 'rule' && ev.ruleHandle === undefined && (!ev.verdict || ev.verdict.verdict === 'continue')) {
      // The kernel also reports running out of a chain's rules (no handle,
      // verdict continue; it carries the headers when no rule matched). The
      // policy or return step that follows says it all: not a step of its own.
      this.touch(o, ev.id, undefined);
      return;
    }
    const step: TraceStep = { type: ev.type, family: ev.family };
    if (ev.table !== undefined) step.table = ev.table;
    if (ev.chain !== undefined) step.chain = ev.chain;
    if (ev.ruleHandle !== undefined) step.handle = ev.ruleHandle;
    if (ev.verdict) step.verdict = ev.verdict;
    if (ev.policy !== undefined) step.policy = ev.policy === 0 ? 'drop' : ev.policy === 1 ? 'accept' : ev.policy;
    if (ev.mark !== undefined) step.mark = ev.mark;
    r.steps.push(step);
    const fate = step.type === 'policy' ? (typeof step.policy === 'string' ? step.policy : undefined) : step.verdict?.verdict;
    if (fate === 'accept' || (fate !== undefined && FINAL.has(fate))) r.verdict = fate;
    this.touch(o, ev.id, fate);
  }

  /** Restarts the record's idle timer, or closes it at once on a verdict that ends the packet. */
  private touch(o: Open, id: number, fate: string | undefined): void {
    if (o.timer) clearTimeout(o.timer);
    o.timer = undefined;
    if (fate !== undefined && FINAL.has(fate)) this.close1(id);
    else o.timer = setTimeout(() => this.close1(id), this.idleMs);
  }

  private close1(id: number): void {
    const o = this.open.get(id);
    if (!o) return;
    if (o.timer) clearTimeout(o.timer);
    this.open.delete(id);
    this.enqueue(this.finish(o.record));
  }

  private enqueue(p: Promise<TraceOutput>): void {
    this.inFlight++;
    this.finishing = this.finishing.then(async () => {
      let out: TraceOutput;
      try {
        out = await p;
      } finally {
        this.inFlight--;
      }
      this.stream.push(out);
    }).catch((e) => this.stream.fail(e));
  }

  /** Fills in rule texts and interface names. */
  private async finish(r: TraceRecord): Promise<TraceRecord> {
    if (this.resolveRules) {
      for (const s of r.steps) {
        if (s.handle === undefined || s.table === undefined || s.chain === undefined) continue;
        const rules = await this.chainRules(s.family, s.table, s.chain);
        const rule = rules.get(s.handle);
        if (rule) {
          s.rule = rule;
          s.ruleText = formatRule(rule).split('\n').slice(1).map((l) => l.trim()).join(' ');
        }
      }
    }
    if (this.resolveInterfaces && (r.iif || r.oif)) {
      for (const i of [r.iif, r.oif]) {
        if (!i) continue;
        const name = await this.linkName(i.index);
        if (name !== undefined) i.name = name;
      }
    }
    return r;
  }

  private chainRules(family: Family, table: string, chain: string): Promise<Map<number, Rule>> {
    const key = `${family}\0${table}\0${chain}`;
    let p = this.rules.get(key);
    if (!p) {
      p = (async () => {
        const out = new Map<number, Rule>();
        try {
          await this.host.nft.dump(NFT_MSG_GETRULE, family, (w) => {
            w.str(NFTA_RULE_TABLE, table);
            w.str(NFTA_RULE_CHAIN, chain);
          }, (m) => {
            const rule = decodeRule(m);
            if (rule.handle !== undefined) out.set(rule.handle, rule);
          });
        } catch {
          // The chain is gone: its steps are shown without rule text.
          this.rules.delete(key);
        }
        return out;
      })();
      this.rules.set(key, p);
    }
    return p;
  }

  private async linkName(index: number): Promise<string | undefined> {
    try {
      this.links ??= listLinks(this.host.netns);
      let names = await this.links;
      if (!names.has(index) && Date.now() - this.linksRefreshed > 1000) {
        // A new interface: read the list again, but not more than once a second.
        this.linksRefreshed = Date.now();
        this.links = listLinks(this.host.netns);
        names = await this.links;
      }
      return names.get(index);
    } catch {
      this.links = undefined;
      return undefined;
    }
  }
}
