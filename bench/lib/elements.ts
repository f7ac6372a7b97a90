// S3's bulk elements: M IPv4 addresses from 100.64.0.1 up, as nft text and as values.

import { ipv4 } from '../workload/model.js';

const BASE = (100 << 24 | 64 << 16) >>> 0;

export function bulkIps(count: number): string[] {
  const out: string[] = new Array(count);
  for (let j = 0; j < count; j++) out[j] = ipv4((BASE + 1 + j) >>> 0);
  return out;
}

/** `nft -f` text: a table, a set and its elements as one command. */
export function bulkSetText(count: number): string {
  return `add table ip bench\nadd set ip bench s3 { type ipv4_addr ; }\nadd element ip bench s3 { ${bulkIps(count).join(', ')} }\n`;
}

/** The same into a service-ips-like verdict map. */
export function bulkVmapText(count: number): string {
  const els = bulkIps(count).map((ip, j) => `${ip} . tcp . 80 : goto ${j & 1 ? 'c1' : 'c0'}`);
  return `add table ip bench\nadd chain ip bench c0\nadd chain ip bench c1\nadd map ip bench vm { type ipv4_addr . inet_proto . inet_service : verdict ; }\nadd element ip bench vm { ${els.join(', ')} }\n`;
}
