// The kube-proxy service model of workload.md §6: N services with K endpoints
// in a deterministic mix (ClusterIP, NodePort, LoadBalancer, session
// affinity, no endpoints), named the way kube-proxy names its chains.

import { createHash } from 'node:crypto';

export type Shape = 'v135' | 'v136';
export const SHAPES: readonly Shape[] = ['v135', 'v136'];

export const TABLE = 'kube-proxy';
export const FAMILY = 'ip' as const;
export const POD_CIDR = '10.0.0.0/8';
export const SVC_CIDR = '172.30.0.0/16';
export const NODE_IP = '192.168.0.2';
export const MASQ_MARK = 0x4000;
export const SERVICE_PORT = 80;
export const TARGET_PORT = 8080;
/** ClientIP affinity timeout: 10 800 s. */
export const AFFINITY_TIMEOUT_MS = 10_800_000;

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** kube-proxy's hashAndTruncate prefix: the first 8 base32 characters of sha256(name). */
export function hash8(name: string): string {
  const d = createHash('sha256').update(name).digest();
  // 8 base32 characters are the first 40 bits.
  let bits = 0;
  for (let i = 0; i < 5; i++) bits = bits * 256 + d[i]!;
  let s = '';
  for (let i = 7; i >= 0; i--) s += B32[Math.floor(bits / 2 ** (5 * i)) % 32];
  return s;
}

export function hashed(prefix: string, name: string): string {
  return `${prefix}${hash8(name)}-${name}`;
}

/** A dotted IPv4 address from its 32-bit value. */
export function ipv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const IP_172_30 = (172 << 24 | 30 << 16) >>> 0;
const IP_5 = (5 << 24) >>> 0;
const IP_10 = (10 << 24) >>> 0;

export interface Endpoint {
  ip: string;
  /** The address as a 32-bit value. */
  addr: number;
  port: number;
}

/**
 * One service port (tcp/80 → 8080). `generation` > 0 moves endpoint 0 to a
 * new pod address, which is what a churn (a pod restart) does.
 */
export class Service {
  readonly i: number;
  readonly ns: string;
  readonly name: string;
  /** kube-proxy's "ns/svc/tcp/p80". */
  readonly base: string;
  readonly clusterIp: string;
  readonly clusterAddr: number;
  readonly port = SERVICE_PORT;
  readonly isLoadBalancer: boolean;
  readonly isNodePort: boolean;
  /** 0 when the service has none. */
  readonly nodePort: number;
  readonly lbIp: string | undefined;
  readonly affinity: boolean;
  readonly endpoints: Endpoint[];
  readonly serviceChain: string;
  readonly externalChain: string;
  /** The element comment of no-endpoint entries: "ns/svc:p80". */
  readonly comment: string;

  constructor(i: number, k: number, generation = 0) {
    this.i = i;
    this.ns = `ns${Math.floor(i / 100)}`;
    this.name = `svc${i}`;
    this.base = `${this.ns}/${this.name}/tcp/p80`;
    this.clusterAddr = (IP_172_30 + 1 + i) >>> 0;
    this.clusterIp = ipv4(this.clusterAddr);
    const nep = i % 100 === 99 ? 0 : k;
    let lb = i % 20 === 0;
    let np = i % 10 === 5;
    let nodePort = lb || np ? 30000 + Math.floor(i / 5) : 0;
    // NodePorts run out at 32767; later services degrade to ClusterIP.
    if (nodePort > 32767) {
      lb = np = false;
      nodePort = 0;
    }
    this.isLoadBalancer = lb;
    this.isNodePort = np;
    this.nodePort = nodePort;
    this.lbIp = lb ? ipv4((IP_5 + i) >>> 0) : undefined;
    this.affinity = i % 50 === 7;
    this.endpoints = [];
    for (let j = 0; j < nep; j++) {
      // Up to 63 endpoints per service without collisions; new pods come from the top of 10/8.
      const idx = j === 0 && generation ? 16_000_000 - (i * 8 + generation) : i * 64 + j + 1;
      const addr = (IP_10 + idx) >>> 0;
      this.endpoints.push({ ip: ipv4(addr), addr, port: TARGET_PORT });
    }
    this.serviceChain = hashed('service-', this.base);
    this.externalChain = hashed('external-', this.base);
    this.comment = `${this.ns}/${this.name}:p80`;
  }

  /** "ns/svc/tcp/p80__IP/PORT" */
  endpointBase(ep: Endpoint): string {
    return `${this.base}__${ep.ip}/${ep.port}`;
  }

  endpointChain(ep: Endpoint): string {
    return hashed('endpoint-', this.endpointBase(ep));
  }

  affinitySet(ep: Endpoint): string {
    return hashed('affinity-', this.endpointBase(ep));
  }

  /** NodePort and LoadBalancer services with endpoints have an external chain. */
  get external(): boolean {
    return (this.isLoadBalancer || this.isNodePort) && this.endpoints.length > 0;
  }

  /** Whether this service has one chain per endpoint in `shape`. */
  endpointChains(shape: Shape): boolean {
    return this.endpoints.length > 0 && (shape === 'v135' || this.affinity);
  }
}
