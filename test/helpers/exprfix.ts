// Expression fixtures captured from nft (test/fixtures/exprs/*.json, written
// by test/fixtures/exprs/capture.py): the NEWRULE nft sent and the one the
// kernel dumped back, with libnftnl's prints of both.

import { readFileSync } from 'node:fs';
import { decodeRule, type Rule } from '../../src/nftables/rule.js';
import { parseMessages } from '../../src/netlink/message.js';

export interface FixtureCase {
  name: string;
  family: string;
  rule: string;
  command: string;
  /** NEWRULE message nft sent, hex, header included. */
  sent: string;
  /** `nft --debug=netlink add rule …`: the rule line, then one `  [ … ]` line per expression. */
  sentNetlink: string[];
  /** Whether the kernel took the rule. */
  accepted: boolean;
  error?: string;
  /** NEWRULE message the kernel dumped for `nft list chain`, hex. */
  dumped?: string;
  /** libnftnl's print of the dumped rule. */
  dumpNetlink?: string[];
}

const ROOT = new URL('../../../', import.meta.url);

export function loadFixture(kind: string): FixtureCase[] {
  const f = JSON.parse(readFileSync(new URL(`test/fixtures/exprs/${kind}.json`, ROOT), 'utf8')) as { cases: FixtureCase[] };
  return f.cases;
}

/** One expression element inside a captured NEWRULE. */
export interface CapturedExpr {
  name: string;
  /** The NFTA_LIST_ELEM attribute, header included, as captured. */
  elem: Uint8Array;
  /** Index in the rule's expression list. */
  index: number;
}

function u16(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}

/** Walks the NEWRULE's NFTA_RULE_EXPRESSIONS by hand (independently of the codecs under test). */
export function capturedExprs(hex: string): CapturedExpr[] {
  const m = Buffer.from(hex, 'hex');
  const out: CapturedExpr[] = [];
  for (let p = 20; p + 4 <= m.length; p += (u16(m, p) + 3) & ~3) {
    if ((u16(m, p + 2) & 0x3fff) !== 4) continue;
    const end = p + u16(m, p);
    let index = 0;
    for (let q = p + 4; q + 4 <= end; q += (u16(m, q) + 3) & ~3, index++) {
      const elem = m.subarray(q, q + u16(m, q));
      let name = '';
      for (let r = 4; r + 4 <= elem.length; r += (u16(elem, r) + 3) & ~3) {
        if ((u16(elem, r + 2) & 0x3fff) === 1) name = elem.subarray(r + 4, r + u16(elem, r)).toString('latin1').replace(/\0+$/, '');
      }
      out.push({ name, elem, index });
    }
  }
  return out;
}

/**
 * The same bytes with NLA_F_NESTED cleared everywhere: libmnl sets it on every
 * nest, nftlink does not (the kernel accepts both and never sets it in dumps).
 */
export function withoutNestedFlag(b: Uint8Array): Buffer {
  const out = Buffer.from(b);
  const walk = (s: number, e: number): void => {
    for (let p = s; p + 4 <= e; p += (u16(out, p) + 3) & ~3) {
      const len = u16(out, p);
      if (len < 4 || p + len > e) return;
      if (out[p + 3]! & 0x80) {
        out[p + 3] = out[p + 3]! & 0x7f;
        walk(p + 4, p + len);
      }
    }
  };
  walk(0, out.length);
  return out;
}

/** Payload of an NFTA_LIST_ELEM (NAME + DATA), for decodeExpr. */
export function elemPayload(elem: Uint8Array): [Uint8Array, number, number] {
  return [elem, 4, elem.length];
}

/** Decodes a whole captured NEWRULE with nftlink's rule codec. */
export function decodeCapturedRule(hex: string): Rule {
  const buf = Buffer.from(hex, 'hex');
  const [m] = parseMessages(buf, 0, buf.length);
  return decodeRule(m!);
}
