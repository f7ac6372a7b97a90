// The kube-proxy nftables ruleset (workload.md §1) and its partial syncs
// (§2), written to a Sink: the fixed skeleton, then per service its chains,
// rules and map elements, in syncProxyRules order. Two shapes: v1.35 (one
// chain per endpoint, `jump mark-for-masquerade`, `numgen … vmap`) and v1.36
// (no endpoint chains except for session affinity, inline masquerade mark, a
// hairpin set, `dnat ip to numgen … map { i : addr . port }`).

import type { Expr } from '../../src/nftables/expr/index.js';
import type { NftSet } from '../../src/nftables/set.js';
import type { SetElement } from '../../src/nftables/element.js';
import * as x from './exprs.js';
import {
  AFFINITY_TIMEOUT_MS,
  MASQ_MARK,
  NODE_IP,
  Service,
  type Endpoint,
  type Shape,
} from './model.js';
import type { ChainDef, ElementDef, RuleDef, SetDef, Sink } from './sink.js';

const POD_NET = (10 << 24) >>> 0;
const SVC_NET = ((172 << 24) | (30 << 16)) >>> 0;
const MASQ = `0x${MASQ_MARK.toString(16)}`;

export interface WorkloadOptions {
  /** Number of services (N). */
  services: number;
  /** Endpoints per service (K); 10 in workload.md. */
  endpoints: number;
  shape: Shape;
}

// --- sets -------------------------------------------------------------------

const SERVICE_KEY = ['ipv4_addr', 'inet_proto', 'inet_service'];
const PORT_KEY = ['inet_proto', 'inet_service'];

function namedSet(name: string, keyType: string | string[], comment: string, text: string, dataType?: 'verdict'): SetDef {
  const set: Omit<NftSet, 'family' | 'table'> = { name, keyType, comment };
  if (dataType) set.dataType = dataType;
  return { set, text: `{ ${text} ; comment ${JSON.stringify(comment)} ; }`, isMap: dataType !== undefined };
}

const SETS = {
  clusterIps: () => namedSet('cluster-ips', 'ipv4_addr', 'Active ClusterIPs', 'type ipv4_addr'),
  nodeportIps: () => namedSet('nodeport-ips', 'ipv4_addr', 'IPs that accept NodePort traffic', 'type ipv4_addr'),
  noEndpointServices: () => namedSet('no-endpoint-services', SERVICE_KEY, 'vmap to drop or reject packets to services with no endpoints',
    'type ipv4_addr . inet_proto . inet_service : verdict', 'verdict'),
  noEndpointNodeports: () => namedSet('no-endpoint-nodeports', PORT_KEY, 'vmap to drop or reject packets to service nodeports with no endpoints',
    'type inet_proto . inet_service : verdict', 'verdict'),
  firewallIps: () => namedSet('firewall-ips', SERVICE_KEY, 'destinations that are subject to LoadBalancerSourceRanges',
    'type ipv4_addr . inet_proto . inet_service : verdict', 'verdict'),
  serviceIps: () => namedSet('service-ips', SERVICE_KEY, 'ClusterIP, ExternalIP and LoadBalancer IP traffic',
    'type ipv4_addr . inet_proto . inet_service : verdict', 'verdict'),
  serviceNodeports: () => namedSet('service-nodeports', PORT_KEY, 'NodePort traffic', 'type inet_proto . inet_service : verdict', 'verdict'),
  hairpin: () => namedSet('hairpin-connections', ['ipv4_addr', 'ipv4_addr', 'inet_proto', 'inet_service'], 'service hairpin connections',
    'type ipv4_addr . ipv4_addr . inet_proto . inet_service'),
};

/**
 * The named sets and maps of the table, by name: what element changes of a
 * partial sync need to know about them (their types), without reading them
 * back from the kernel.
 */
export function namedSets(shape: Shape): Map<string, SetDef['set']> {
  const out = new Map<string, SetDef['set']>();
  const all = [SETS.clusterIps, SETS.nodeportIps, SETS.noEndpointServices, SETS.noEndpointNodeports, SETS.firewallIps, SETS.serviceIps, SETS.serviceNodeports];
  if (shape !== 'v135') all.push(SETS.hairpin);
  for (const f of all) {
    const d = f();
    out.set(d.set.name, d.set);
  }
  return out;
}

/** The typeof record nft writes for the verdict data of `numgen … vmap { … }` (its EXPR_VERDICT, no data). */
const VERDICT_TYPEOF = Uint8Array.of(0x00, 0x04, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00);

const DNAT_MAP_UDATA = Uint8Array.from(Buffer.from('000401000000010400000000060400000000', 'hex'));

function affinitySet(name: string): SetDef {
  return {
    set: { name, keyType: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeout: AFFINITY_TIMEOUT_MS },
    text: '{ type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }',
    isMap: false,
  };
}

// --- rules ------------------------------------------------------------------

/** Joins rule pieces (text and expressions) into one rule. */
function rule(parts: { t: string; x: Expr | Expr[] }[], comment?: string): RuleDef {
  const exprs: Expr[] = [];
  for (const p of parts) {
    if (Array.isArray(p.x)) exprs.push(...p.x);
    else exprs.push(p.x);
  }
  const r: RuleDef = { text: parts.map((p) => p.t).join(' '), exprs };
  if (comment) r.comment = comment;
  return r;
}

const P = {
  ctNew: () => ({ t: 'ct state new', x: x.ctStateNew() }),
  jump: (c: string) => ({ t: `jump ${c}`, x: x.jump(c) }),
  goto: (c: string) => ({ t: `goto ${c}`, x: x.goto(c) }),
  ret: () => ({ t: 'return', x: x.verdict({ verdict: 'return' }) }),
  drop: () => ({ t: 'drop', x: x.verdict({ verdict: 'drop' }) }),
  daddrEq: (ip: string, addr: number) => ({ t: `ip daddr ${ip}`, x: x.ipAddrEq('daddr', addr) }),
  saddrEq: (ip: string, addr: number) => ({ t: `ip saddr ${ip}`, x: x.ipAddrEq('saddr', addr) }),
  saddrNotPodNet: () => ({ t: 'ip saddr != 10.0.0.0/8', x: x.ipPrefixCmp('saddr', 'neq', POD_NET, 8) }),
  daddrInSvcNet: () => ({ t: 'ip daddr { 172.30.0.0/16 }', x: x.ipPrefixCmp('daddr', 'eq', SVC_NET, 16) }),
  markOr: () => ({ t: `mark set mark or ${MASQ}`, x: x.markOr(MASQ_MARK) }),
  markXor: () => ({ t: `mark set mark xor ${MASQ}`, x: x.markXor(MASQ_MARK) }),
  markAndIs: (op: 'eq' | 'neq') => ({ t: `mark and ${MASQ} ${op === 'eq' ? '==' : '!='} 0`, x: x.markAndCmp(MASQ_MARK, op) }),
  masq: () => ({ t: 'masquerade fully-random', x: x.masqFullyRandom() }),
  reject: () => ({ t: 'reject', x: x.reject() }),
  inSet: (which: 'saddr' | 'daddr', set: string) => ({ t: `ip ${which} @${set}`, x: [x.ipAddr(which), x.lookup(set)] }),
  serviceVmap: (set: string) => ({ t: `ip daddr . meta l4proto . th dport vmap @${set}`, x: [...x.daddrProtoPort(), x.lookup(set, { vmap: true })] }),
  portVmap: (set: string) => ({ t: `meta l4proto . th dport vmap @${set}`, x: [...x.protoPort(), x.lookup(set, { vmap: true })] }),
};

function anonVmap(targets: string[]): { text: string; set: NftSet } {
  const elements: SetElement[] = targets.map((chain, j) => ({ key: j, data: { verdict: 'goto', chain } }));
  return {
    text: `{ ${targets.map((c, j) => `${j} : goto ${c}`).join(' , ')} }`,
    set: {
      family: 'ip',
      table: 'kube-proxy',
      name: '__map%d',
      flags: ['anonymous', 'constant'],
      keyType: { type: 'integer', bits: 32 },
      keyByteorder: 'host',
      dataType: 'verdict',
      dataTypeof: VERDICT_TYPEOF,
      size: targets.length,
      elements,
    },
  };
}

function anonDnatMap(eps: Endpoint[]): { text: string; set: NftSet } {
  const elements: SetElement[] = eps.map((ep, j) => ({ key: j, data: [ep.ip, ep.port] }));
  return {
    text: `{ ${eps.map((ep, j) => `${j} : ${ep.ip} . ${ep.port}`).join(', ')} }`,
    set: {
      family: 'ip',
      table: 'kube-proxy',
      name: '__map%d',
      flags: ['anonymous', 'constant'],
      keyType: { type: 'integer', bits: 32 },
      keyByteorder: 'host',
      dataType: ['ipv4_addr', 'inet_service'],
      // nft writes no typeof record for this map (the data is a nat target,
      // not a typed expression): key byte order host, data byte order unset, no interval.
      userdata: DNAT_MAP_UDATA,
      size: eps.length,
      elements,
    },
  };
}

// --- the skeleton -------------------------------------------------------------

const BASE_CHAINS: ChainDef[] = [
  { name: 'filter-prerouting-pre-dnat', hook: { type: 'filter', hook: 'prerouting', priority: -110 } },
  { name: 'filter-output-pre-dnat', hook: { type: 'filter', hook: 'output', priority: -110 } },
  { name: 'filter-input', hook: { type: 'filter', hook: 'input', priority: 0 } },
  { name: 'filter-forward', hook: { type: 'filter', hook: 'forward', priority: 0 } },
  { name: 'filter-output', hook: { type: 'filter', hook: 'output', priority: 0 } },
  { name: 'nat-prerouting', hook: { type: 'nat', hook: 'prerouting', priority: -100 } },
  { name: 'nat-output', hook: { type: 'nat', hook: 'output', priority: -100 } },
  { name: 'nat-postrouting', hook: { type: 'nat', hook: 'postrouting', priority: 100 } },
];

/** The table, base chains, helper chains, sets and maps: what setupNFTables and a full sync write first. */
export function setup(shape: Shape, out: Sink): void {
  out.addTable('rules for kube-proxy');
  for (const c of BASE_CHAINS) {
    out.addChain(c);
    out.flushChain(c.name);
  }
  const created = new Set<string>();
  const ensure = (name: string): void => {
    if (created.has(name)) return;
    created.add(name);
    out.addChain({ name });
    out.flushChain(name);
  };
  const jumps: [string, string, boolean][] = [
    ['nodeport-endpoints-check', 'filter-input', true],
    ['service-endpoints-check', 'filter-input', true],
    ['service-endpoints-check', 'filter-forward', true],
    ['service-endpoints-check', 'filter-output', true],
    ['firewall-check', 'filter-prerouting-pre-dnat', true],
    ['firewall-check', 'filter-output-pre-dnat', true],
    ['services', 'nat-output', false],
    ['services', 'nat-prerouting', false],
    ['masquerading', 'nat-postrouting', false],
    ['cluster-ips-check', 'filter-forward', true],
    ['cluster-ips-check', 'filter-output', true],
  ];
  for (const [dst, src, ctNew] of jumps) {
    ensure(dst);
    out.addRule(src, rule(ctNew ? [P.ctNew(), P.jump(dst)] : [P.jump(dst)]));
  }
  for (const c of ['services', 'cluster-ips-check', 'masquerading', ...(shape === 'v135' ? ['mark-for-masquerade'] : [])]) ensure(c);
  if (shape === 'v135') {
    out.addRule('mark-for-masquerade', rule([P.markOr()]));
    out.addRule('masquerading', rule([P.markAndIs('eq'), P.ret()]));
    out.addRule('masquerading', rule([P.markXor()]));
    out.addRule('masquerading', rule([P.masq()]));
  } else {
    const hp = SETS.hairpin();
    out.addSet(hp);
    out.flushSet(hp.set.name, false);
    out.addRule('masquerading', rule([P.markAndIs('neq'), P.markXor(), P.masq()]));
    out.addRule('masquerading', rule([
      { t: 'ct status dnat', x: x.ctStatusDnat() },
      { t: 'ip saddr . ip daddr . meta l4proto . th dport @hairpin-connections', x: [...x.saddrDaddrProtoPort(), x.lookup('hairpin-connections')] },
      P.masq(),
    ]));
  }
  out.addSet(SETS.clusterIps());
  out.addRule('cluster-ips-check', rule([P.inSet('daddr', 'cluster-ips'), P.reject()], 'Reject traffic to invalid ports of ClusterIPs'));
  out.addRule('cluster-ips-check', rule([P.daddrInSvcNet(), P.drop()], 'Drop traffic to unallocated ClusterIPs'));
  out.addSet(SETS.nodeportIps());
  out.flushSet('nodeport-ips', false);
  out.addElement('nodeport-ips', { element: { key: NODE_IP }, text: NODE_IP });
  out.addSet(SETS.noEndpointServices());
  out.addSet(SETS.noEndpointNodeports());
  out.addChain({ name: 'reject-chain', comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports' });
  out.flushChain('reject-chain');
  out.addRule('reject-chain', rule([P.reject()]));
  out.addRule('service-endpoints-check', rule([P.serviceVmap('no-endpoint-services')]));
  out.addRule('nodeport-endpoints-check', rule([P.inSet('daddr', 'nodeport-ips'), P.portVmap('no-endpoint-nodeports')]));
  out.addSet(SETS.firewallIps());
  ensure('firewall-check');
  out.addRule('firewall-check', rule([P.serviceVmap('firewall-ips')]));
  out.addSet(SETS.serviceIps());
  out.addSet(SETS.serviceNodeports());
  if (shape !== 'v135') {
    out.addRule('services', rule([P.inSet('daddr', 'cluster-ips'), P.saddrNotPodNet(), P.markOr()], 'masquerade clusterIP traffic from outside cluster'));
  }
  out.addRule('services', rule([P.serviceVmap('service-ips')]));
  out.addRule('services', rule([P.inSet('daddr', 'nodeport-ips'), P.portVmap('service-nodeports')]));
  out.flushSet('cluster-ips', false);
  for (const m of ['service-ips', 'firewall-ips', 'no-endpoint-services', 'no-endpoint-nodeports', 'service-nodeports']) out.flushSet(m, true);
}

// --- per service ------------------------------------------------------------------

function goto(chain: string): ElementDef['element']['data'] {
  return { verdict: 'goto', chain };
}

function serviceKey(ip: string, port: number): ElementDef {
  return { element: { key: [ip, 'tcp', port] }, text: `${ip} . tcp . ${port}` };
}

function withData(e: ElementDef, chain: string): ElementDef {
  return { element: { ...e.element, data: goto(chain) }, text: `${e.text} : goto ${chain}` };
}

function withReject(e: ElementDef, comment: string): ElementDef {
  return { element: { ...e.element, data: goto('reject-chain'), comment }, text: `${e.text} comment ${JSON.stringify(comment)} : goto reject-chain` };
}

function hairpinElement(ep: Endpoint): ElementDef {
  return { element: { key: [ep.ip, ep.ip, 'tcp', ep.port] }, text: `${ep.ip} . ${ep.ip} . tcp . ${ep.port}` };
}

/** The map and set elements of one service (what nftElementStorage.ensureElem writes when they are new). */
export function serviceElements(s: Service, shape: Shape, out: Sink): void {
  out.addElement('cluster-ips', { element: { key: s.clusterIp }, text: s.clusterIp });
  const cip = serviceKey(s.clusterIp, s.port);
  const lb = s.lbIp ? serviceKey(s.lbIp, s.port) : undefined;
  const np: ElementDef | undefined = s.nodePort ? { element: { key: ['tcp', s.nodePort] }, text: `tcp . ${s.nodePort}` } : undefined;
  if (s.endpoints.length > 0) {
    out.addElement('service-ips', withData(cip, s.serviceChain));
    if (lb) out.addElement('service-ips', withData(lb, s.externalChain));
    if (np) out.addElement('service-nodeports', withData(np, s.externalChain));
    if (shape !== 'v135') for (const ep of s.endpoints) out.addElement('hairpin-connections', hairpinElement(ep));
  } else {
    out.addElement('no-endpoint-services', withReject(cip, s.comment));
    if (lb) out.addElement('no-endpoint-services', withReject(lb, s.comment));
    if (np) out.addElement('no-endpoint-nodeports', withReject(np, s.comment));
  }
}

/** The chains of one service (ensureChain: add + flush) and all their rules. */
export function serviceChainsAndRules(s: Service, shape: Shape, out: Sink): void {
  if (s.endpoints.length === 0) return;
  const epChains = s.endpointChains(shape);
  if (epChains) {
    for (const ep of s.endpoints) {
      out.addChain({ name: s.endpointChain(ep) });
      out.flushChain(s.endpointChain(ep));
    }
  }
  out.addChain({ name: s.serviceChain });
  out.flushChain(s.serviceChain);
  if (s.external) {
    out.addChain({ name: s.externalChain });
    out.flushChain(s.externalChain);
  }
  if (shape === 'v135') {
    out.addRule(s.serviceChain, rule([P.daddrEq(s.clusterIp, s.clusterAddr), P.saddrNotPodNet(), P.jump('mark-for-masquerade')]));
  }
  if (s.external) {
    out.addRule(s.externalChain, rule([shape === 'v135' ? P.jump('mark-for-masquerade') : P.markOr()]));
    out.addRule(s.externalChain, rule([P.goto(s.serviceChain)]));
  }
  if (s.affinity) {
    for (const ep of s.endpoints) out.addSet(affinitySet(s.affinitySet(ep)));
    for (const ep of s.endpoints) {
      out.addRule(s.serviceChain, rule([P.inSet('saddr', s.affinitySet(ep)), P.goto(s.endpointChain(ep))]));
    }
  }
  if (epChains) {
    const m = anonVmap(s.endpoints.map((ep) => s.endpointChain(ep)));
    const exprs: Expr[] = [x.numgenRandom(s.endpoints.length), { type: 'lookup', set: '__map%d', sreg: 1, dreg: 0 }];
    out.addRule(s.serviceChain, {
      text: `numgen random mod ${s.endpoints.length} vmap ${m.text}`,
      exprs,
      anon: { set: m.set, lookupIndex: 1 },
    });
    for (const ep of s.endpoints) {
      const c = s.endpointChain(ep);
      if (shape === 'v135') out.addRule(c, rule([P.saddrEq(ep.ip, ep.addr), P.jump('mark-for-masquerade')]));
      if (s.affinity) out.addRule(c, rule([{ t: `update @${s.affinitySet(ep)} { ip saddr }`, x: x.updateSaddr(s.affinitySet(ep)) }]));
      out.addRule(c, rule([{ t: 'meta l4proto tcp', x: x.l4protoTcp() }, { t: `dnat to ${ep.ip}:${ep.port}`, x: x.dnatTo(ep.addr, ep.port) }]));
    }
  } else {
    const m = anonDnatMap(s.endpoints);
    const exprs: Expr[] = [
      ...x.l4protoTcp(),
      x.numgenRandom(s.endpoints.length),
      { type: 'lookup', set: '__map%d', sreg: 1, dreg: 1 },
      x.dnatFromMap(),
    ];
    out.addRule(s.serviceChain, {
      text: `meta l4proto tcp dnat ip to numgen random mod ${s.endpoints.length} map ${m.text}`,
      exprs,
      anon: { set: m.set, lookupIndex: 3 },
    });
  }
}

/** One service, as a full sync writes it. */
export function writeService(s: Service, shape: Shape, out: Sink): void {
  serviceChainsAndRules(s, shape, out);
  serviceElements(s, shape, out);
}

// --- transactions -----------------------------------------------------------------

/** kube-proxy's first full sync: the skeleton and services [from, to). */
export function bootstrap(o: WorkloadOptions, out: Sink, range: { from?: number; to?: number } = {}): void {
  setup(o.shape, out);
  services(o, out, range.from ?? 0, range.to ?? o.services);
}

/** Services [from, to) only (the chunks of a chunked bootstrap after `setup`). */
export function services(o: WorkloadOptions, out: Sink, from: number, to: number): void {
  for (let i = from; i < to; i++) writeService(new Service(i, o.endpoints), o.shape, out);
}

/**
 * A partial sync in which services [first, first+count) each had endpoint 0
 * replaced by a new pod (`generation` 1, 2 … gives the successive new pods).
 * The stale endpoint chain is flushed here and deleted by `churnCleanup`.
 */
export function churn(o: WorkloadOptions, out: Sink, first: number, count: number, generation = 1): void {
  for (let i = first; i < first + count; i++) {
    const old = new Service(i, o.endpoints, generation - 1);
    const cur = new Service(i, o.endpoints, generation);
    serviceChainsAndRules(cur, o.shape, out);
    if (o.shape !== 'v135' && cur.endpoints.length > 0) {
      // The hairpin set follows the endpoints: the new pod in, the old one out.
      out.addElement('hairpin-connections', hairpinElement(cur.endpoints[0]!));
      out.deleteElement('hairpin-connections', hairpinElement(old.endpoints[0]!));
    }
    if (old.endpointChains(o.shape)) {
      out.flushChain(old.endpointChain(old.endpoints[0]!));
      if (old.affinity) out.deleteSet(old.affinitySet(old.endpoints[0]!));
    }
  }
}

/** The later sync that deletes the chains `churn` left flushed. */
export function churnCleanup(o: WorkloadOptions, out: Sink, first: number, count: number, generation = 1): void {
  for (let i = first; i < first + count; i++) {
    const old = new Service(i, o.endpoints, generation - 1);
    if (old.endpointChains(o.shape)) out.deleteChain(old.endpointChain(old.endpoints[0]!));
  }
}

/** A partial sync adding services [first, first+count) (indexes ≥ N for new ones). */
export function addServices(o: WorkloadOptions, out: Sink, first: number, count: number): void {
  services(o, out, first, first + count);
}

/**
 * A partial sync removing services [first, first+count): their elements go,
 * their chains are flushed (kube-proxy deletes them a sync later), their
 * affinity sets are deleted at once.
 */
export function deleteServices(o: WorkloadOptions, out: Sink, first: number, count: number): void {
  for (let i = first; i < first + count; i++) {
    const s = new Service(i, o.endpoints);
    const cip = serviceKey(s.clusterIp, s.port);
    const lb = s.lbIp ? serviceKey(s.lbIp, s.port) : undefined;
    const np: ElementDef | undefined = s.nodePort ? { element: { key: ['tcp', s.nodePort] }, text: `tcp . ${s.nodePort}` } : undefined;
    out.deleteElement('cluster-ips', { element: { key: s.clusterIp }, text: s.clusterIp });
    if (s.endpoints.length > 0) {
      out.deleteElement('service-ips', cip);
      if (lb) out.deleteElement('service-ips', lb);
      if (np) out.deleteElement('service-nodeports', np);
      if (o.shape !== 'v135') for (const ep of s.endpoints) out.deleteElement('hairpin-connections', hairpinElement(ep));
      const chains = [s.serviceChain, ...(s.external ? [s.externalChain] : [])];
      if (s.endpointChains(o.shape)) chains.push(...s.endpoints.map((ep) => s.endpointChain(ep)));
      for (const c of chains) out.flushChain(c);
      if (s.affinity) for (const ep of s.endpoints) out.deleteSet(s.affinitySet(ep));
    } else {
      out.deleteElement('no-endpoint-services', cip);
      if (lb) out.deleteElement('no-endpoint-services', lb);
      if (np) out.deleteElement('no-endpoint-nodeports', np);
    }
  }
}

/** The later sync that deletes the chains `deleteServices` left flushed. */
export function deleteServicesCleanup(o: WorkloadOptions, out: Sink, first: number, count: number): void {
  for (let i = first; i < first + count; i++) {
    const s = new Service(i, o.endpoints);
    if (s.endpoints.length === 0) continue;
    const chains = [s.serviceChain, ...(s.external ? [s.externalChain] : [])];
    if (s.endpointChains(o.shape)) chains.push(...s.endpoints.map((ep) => s.endpointChain(ep)));
    for (const c of chains) out.deleteChain(c);
  }
}

/** The kinds of partial sync. */
export type DeltaKind = 'churn' | 'churn-cleanup' | 'add' | 'delete';
export const DELTA_KINDS: readonly DeltaKind[] = ['churn', 'churn-cleanup', 'add', 'delete'];

/**
 * One partial sync of `count` services on top of an N-service ruleset:
 * churn and churn-cleanup of services [0, count), add of [N, N+count), delete
 * of [N-count, N).
 */
export function delta(kind: DeltaKind, o: WorkloadOptions, out: Sink, count: number): void {
  switch (kind) {
    case 'churn': return churn(o, out, 0, count);
    case 'churn-cleanup': return churnCleanup(o, out, 0, count);
    case 'add': return addServices(o, out, o.services, count);
    case 'delete': return deleteServices(o, out, o.services - count, count);
  }
}
