// counter: packets and bytes seen by the rule.

import { beU64, copyBytes } from '../../netlink/attr.js';
import { attrLen, attrType } from './common.js';
import { DecodeError } from '../../errors.js';
import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export interface CounterExpr extends ExprExtras {
  type: 'counter';
  packets?: number | bigint;
  bytes?: number | bigint;
}

const declared = defineExpr<CounterExpr>('counter', [
  { attr: 1, name: 'NFTA_COUNTER_BYTES', key: 'bytes', kind: 'u64' },
  { attr: 2, name: 'NFTA_COUNTER_PACKETS', key: 'packets', kind: 'u64' },
  { attr: 3, name: 'NFTA_COUNTER_PAD', key: '', kind: 'pad' },
], (e) => `pkts ${e.packets ?? 0} bytes ${e.bytes ?? 0} `);

export const counterCodec = registerExpr<CounterExpr>({
  ...declared,
  // Hand-written: a counter is in most rules of a dump, and one literal with
  // both values costs one allocation where adding them one by one costs two.
  decode(buf, start, end, path) {
    let bytes: number | bigint | undefined;
    let packets: number | bigint | undefined;
    let unknown: Uint8Array[] | undefined;
    let p = start;
    while (p < end) {
      const l = attrLen(buf, p, end, 'counter', path);
      const t = attrType(buf, p);
      if (t === 1 || t === 2) {
        if (l < 12) throw new DecodeError(`${t === 1 ? 'NFTA_COUNTER_BYTES' : 'NFTA_COUNTER_PACKETS'} has ${l - 4} bytes, needs 8`, p, path);
        if (t === 1) bytes = beU64(buf, p + 4);
        else packets = beU64(buf, p + 4);
      } else if (t !== 3) {
        (unknown ??= []).push(copyBytes(buf, p, p + l));
      }
      p += (l + 3) & ~3;
    }
    const e: CounterExpr = bytes !== undefined && packets !== undefined
      ? { type: 'counter', bytes, packets }
      : { type: 'counter' };
    if (e.bytes === undefined) {
      if (bytes !== undefined) e.bytes = bytes;
      if (packets !== undefined) e.packets = packets;
    }
    if (unknown) e.unknownAttrs = unknown;
    return e;
  },
});
