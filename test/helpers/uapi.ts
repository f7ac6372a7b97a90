// The kernel's own names for attribute numbers, read from the installed uapi
// headers: an oracle for the decoder's names that shares nothing with our schemas.

import { existsSync, readFileSync } from 'node:fs';

export const UAPI_HEADERS = ['/usr/include/linux/netfilter/nf_tables.h', '/usr/include/linux/netfilter/nfnetlink.h'];

/** Every enumerator of every enum in the headers, with its value. */
export function uapiEnums(paths = UAPI_HEADERS): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const text = readFileSync(p, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const m of text.matchAll(/enum\s+\w*\s*\{([^}]*)\}/g)) {
      let next = 0;
      for (const raw of m[1]!.split(',')) {
        const item = raw.trim();
        if (!item) continue;
        const [name, value] = item.split('=').map((x) => x.trim());
        if (!/^[A-Z_][A-Z0-9_]*$/.test(name!)) continue;
        let v = next;
        if (value !== undefined) {
          const n = Number(value);
          if (Number.isFinite(n)) v = n;
          else if (out.has(value.replace(/[()]/g, ''))) v = out.get(value.replace(/[()]/g, ''))!;
          else continue;
        }
        out.set(name!, v);
        next = v + 1;
      }
    }
  }
  return out;
}
