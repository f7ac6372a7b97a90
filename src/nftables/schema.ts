// Attribute sets declared once with their kernel names: used to say which
// attribute an extended-ack offset points at, and by the `decode` command to
// annotate raw messages. Codecs add their own sets with registerSchema().

import { hostU16, readCString } from '../netlink/attr.js';
import { NLMSG_HDRLEN, NFGENMSG_LEN, NLA_TYPE_MASK } from '../netlink/constants.js';
import { nftMsg } from './constants.js';

export type AttrKind =
  | 'str' | 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'u32host' | 'bin' | 'flag'
  /** a nest whose attributes follow the named schema */
  | { nest: string }
  /** a nest of repeated elements, each a nest following the named schema */
  | { list: string }
  /** a nest of repeated plain attributes of one kind */
  | { repeat: AttrKind }
  /**
   * a nest whose schema depends on the integer value of a sibling attribute
   * (NFTA_OBJ_DATA follows NFTA_OBJ_TYPE; NFTA_CT_TIMEOUT_DATA follows the L4 protocol)
   */
  | { nestBy: { attr: number; schemas: Record<number, string> } };

export interface AttrSpec {
  name: string;
  kind: AttrKind;
}

export type Schema = Record<number, AttrSpec>;

const schemas = new Map<string, Schema>();
/** Expression data schemas by expression name ('payload', 'cmp' …). */
const exprSchemas = new Map<string, Schema>();

export function registerSchema(name: string, schema: Schema): void {
  schemas.set(name, schema);
}

export function registerExprSchema(exprName: string, schema: Schema): void {
  exprSchemas.set(exprName, schema);
}

export function getSchema(name: string): Schema | undefined {
  return schemas.get(name);
}

export function getExprSchema(name: string): Schema | undefined {
  return exprSchemas.get(name);
}

/** Which schema the attributes of each NFT_MSG_* follow. */
const MSG_SCHEMA: Record<number, string> = {
  0: 'table', 1: 'table', 2: 'table', 26: 'table',
  3: 'chain', 4: 'chain', 5: 'chain', 27: 'chain',
  6: 'rule', 7: 'rule', 8: 'rule', 25: 'rule', 28: 'rule',
  9: 'set', 10: 'set', 11: 'set', 29: 'set',
  12: 'setelem_list', 13: 'setelem_list', 14: 'setelem_list', 30: 'setelem_list', 33: 'setelem_list',
  15: 'gen', 16: 'gen',
  17: 'trace',
  18: 'obj', 19: 'obj', 20: 'obj', 21: 'obj', 31: 'obj',
  22: 'flowtable', 23: 'flowtable', 24: 'flowtable', 32: 'flowtable',
};

export function schemaForMessage(nlmsgType: number): string | undefined {
  const msg = nftMsg(nlmsgType);
  return msg < 0 ? (nlmsgType === 0x10 || nlmsgType === 0x11 ? 'batch' : undefined) : MSG_SCHEMA[msg];
}

registerSchema('batch', { 1: { name: 'NFNL_BATCH_GENID', kind: 'u32' } });
registerSchema('table', {
  1: { name: 'NFTA_TABLE_NAME', kind: 'str' },
  2: { name: 'NFTA_TABLE_FLAGS', kind: 'u32' },
  3: { name: 'NFTA_TABLE_USE', kind: 'u32' },
  4: { name: 'NFTA_TABLE_HANDLE', kind: 'u64' },
  5: { name: 'NFTA_TABLE_PAD', kind: 'bin' },
  6: { name: 'NFTA_TABLE_USERDATA', kind: 'bin' },
  7: { name: 'NFTA_TABLE_OWNER', kind: 'u32' },
});
registerSchema('chain', {
  1: { name: 'NFTA_CHAIN_TABLE', kind: 'str' },
  2: { name: 'NFTA_CHAIN_HANDLE', kind: 'u64' },
  3: { name: 'NFTA_CHAIN_NAME', kind: 'str' },
  4: { name: 'NFTA_CHAIN_HOOK', kind: { nest: 'hook' } },
  5: { name: 'NFTA_CHAIN_POLICY', kind: 'u32' },
  6: { name: 'NFTA_CHAIN_USE', kind: 'u32' },
  7: { name: 'NFTA_CHAIN_TYPE', kind: 'str' },
  8: { name: 'NFTA_CHAIN_COUNTERS', kind: { nest: 'counter' } },
  9: { name: 'NFTA_CHAIN_PAD', kind: 'bin' },
  10: { name: 'NFTA_CHAIN_FLAGS', kind: 'u32' },
  11: { name: 'NFTA_CHAIN_ID', kind: 'u32' },
  12: { name: 'NFTA_CHAIN_USERDATA', kind: 'bin' },
});
registerSchema('hook', {
  1: { name: 'NFTA_HOOK_HOOKNUM', kind: 'u32' },
  2: { name: 'NFTA_HOOK_PRIORITY', kind: 'i32' },
  3: { name: 'NFTA_HOOK_DEV', kind: 'str' },
  4: { name: 'NFTA_HOOK_DEVS', kind: { repeat: 'str' } },
});
registerSchema('counter', {
  1: { name: 'NFTA_COUNTER_BYTES', kind: 'u64' },
  2: { name: 'NFTA_COUNTER_PACKETS', kind: 'u64' },
  3: { name: 'NFTA_COUNTER_PAD', kind: 'bin' },
});
registerSchema('gen', {
  1: { name: 'NFTA_GEN_ID', kind: 'u32' },
  2: { name: 'NFTA_GEN_PROC_PID', kind: 'u32' },
  3: { name: 'NFTA_GEN_PROC_NAME', kind: 'str' },
});

/** One step of an attribute path: the attribute's name and where it starts. */
export interface PathStep {
  name: string;
  type: number;
  /** Offset of the attribute header from the start of the message. */
  offset: number;
  /** For list elements: the element's index in its list. */
  index?: number;
  /** For expressions: the expression's name. */
  expr?: string;
}

/**
 * The attribute an extended-ack offset points at, outermost first. `offset`
 * counts from the start of the message's nlmsghdr, as the kernel reports it.
 */
export function attributePath(buf: Uint8Array, msgStart: number, msgEnd: number, offset: number): PathStep[] {
  const schemaName = schemaForMessage(hostU16(buf, msgStart + 4));
  const out: PathStep[] = [];
  const target = msgStart + offset;
  walk(buf, msgStart + NLMSG_HDRLEN + NFGENMSG_LEN, msgEnd, schemaName ? schemas.get(schemaName) : undefined, target, msgStart, out);
  return out;
}

function walk(
  buf: Uint8Array, start: number, end: number, schema: Schema | undefined, target: number, base: number, out: PathStep[],
): void {
  let p = start;
  while (p + 4 <= end) {
    const len = hostU16(buf, p);
    if (len < 4 || p + len > end) return;
    const type = hostU16(buf, p + 2) & NLA_TYPE_MASK;
    if (target >= p && target < p + len) {
      const spec = schema?.[type];
      const step: PathStep = { name: spec?.name ?? `attr ${type}`, type, offset: p - base };
      out.push(step);
      if (target === p || !spec) return;
      const k = spec.kind;
      if (typeof k === 'object' && 'nest' in k) {
        walk(buf, p + 4, p + len, schemas.get(k.nest), target, base, out);
      } else if (typeof k === 'object' && 'nestBy' in k) {
        const sel = siblingValue(buf, start, end, k.nestBy.attr);
        const name = sel === undefined ? undefined : k.nestBy.schemas[sel];
        walk(buf, p + 4, p + len, name ? schemas.get(name) : undefined, target, base, out);
      } else if (typeof k === 'object' && 'list' in k) {
        walkList(buf, p + 4, p + len, k.list, target, base, out);
      }
      return;
    }
    p += (len + 3) & ~3;
  }
}

/** The value of the first attribute of type `attr` in buf[start, end), read as a big-endian integer of its length. */
export function siblingValue(buf: Uint8Array, start: number, end: number, attr: number): number | undefined {
  let p = start;
  while (p + 4 <= end) {
    const len = hostU16(buf, p);
    if (len < 4 || p + len > end) return undefined;
    if ((hostU16(buf, p + 2) & NLA_TYPE_MASK) === attr) {
      const n = len - 4;
      if (n === 1) return buf[p + 4];
      if (n === 2) return (buf[p + 4]! << 8) | buf[p + 5]!;
      if (n === 4) return ((buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!) >>> 0;
      return undefined;
    }
    p += (len + 3) & ~3;
  }
  return undefined;
}

function walkList(buf: Uint8Array, start: number, end: number, elemSchema: string, target: number, base: number, out: PathStep[]): void {
  let p = start;
  let index = 0;
  while (p + 4 <= end) {
    const len = hostU16(buf, p);
    if (len < 4 || p + len > end) return;
    if (target >= p && target < p + len) {
      const step: PathStep = { name: elemSchema === 'expr' ? 'expression' : 'element', type: hostU16(buf, p + 2) & NLA_TYPE_MASK, offset: p - base, index };
      out.push(step);
      if (elemSchema === 'expr') {
        // An expression: NFTA_EXPR_NAME picks the schema of NFTA_EXPR_DATA.
        let q = p + 4;
        let exprName: string | undefined;
        let data = -1;
        while (q + 4 <= p + len) {
          const l = hostU16(buf, q);
          if (l < 4 || q + l > p + len) break;
          const t = hostU16(buf, q + 2) & NLA_TYPE_MASK;
          if (t === 1) exprName = readCString(buf, q + 4, q + l);
          if (t === 2) data = q;
          q += (l + 3) & ~3;
        }
        if (exprName) step.expr = exprName;
        if (data >= 0 && target >= data && target < data + hostU16(buf, data)) {
          out.push({ name: 'NFTA_EXPR_DATA', type: 2, offset: data - base });
          const dataSchema = exprName ? exprSchemas.get(exprName) : undefined;
          if (target !== data && dataSchema) walk(buf, data + 4, data + hostU16(buf, data), dataSchema, target, base, out);
        } else if (target !== p) {
          out.push({ name: 'NFTA_EXPR_NAME', type: 1, offset: p + 4 - base });
        }
      } else {
        walk(buf, p + 4, p + len, schemas.get(elemSchema), target, base, out);
      }
      return;
    }
    p += (len + 3) & ~3;
    index++;
  }
}

export function formatPath(path: PathStep[]): string {
  return path
    .map((s) => (s.index !== undefined ? `${s.name} #${s.index}${s.expr ? ` (${s.expr})` : ''}` : s.name))
    .join(' > ');
}

registerSchema('data', {
  1: { name: 'NFTA_DATA_VALUE', kind: 'bin' },
  2: { name: 'NFTA_DATA_VERDICT', kind: { nest: 'verdict' } },
});
registerSchema('verdict', {
  1: { name: 'NFTA_VERDICT_CODE', kind: 'i32' },
  2: { name: 'NFTA_VERDICT_CHAIN', kind: 'str' },
  3: { name: 'NFTA_VERDICT_CHAIN_ID', kind: 'u32' },
});

registerSchema('set', {
  1: { name: 'NFTA_SET_TABLE', kind: 'str' },
  2: { name: 'NFTA_SET_NAME', kind: 'str' },
  3: { name: 'NFTA_SET_FLAGS', kind: 'u32' },
  4: { name: 'NFTA_SET_KEY_TYPE', kind: 'u32' },
  5: { name: 'NFTA_SET_KEY_LEN', kind: 'u32' },
  6: { name: 'NFTA_SET_DATA_TYPE', kind: 'u32' },
  7: { name: 'NFTA_SET_DATA_LEN', kind: 'u32' },
  8: { name: 'NFTA_SET_POLICY', kind: 'u32' },
  9: { name: 'NFTA_SET_DESC', kind: { nest: 'set_desc' } },
  10: { name: 'NFTA_SET_ID', kind: 'u32' },
  11: { name: 'NFTA_SET_TIMEOUT', kind: 'u64' },
  12: { name: 'NFTA_SET_GC_INTERVAL', kind: 'u32' },
  13: { name: 'NFTA_SET_USERDATA', kind: 'bin' },
  14: { name: 'NFTA_SET_PAD', kind: 'bin' },
  15: { name: 'NFTA_SET_OBJ_TYPE', kind: 'u32' },
  16: { name: 'NFTA_SET_HANDLE', kind: 'u64' },
  17: { name: 'NFTA_SET_EXPR', kind: { nest: 'expr' } },
  18: { name: 'NFTA_SET_EXPRESSIONS', kind: { list: 'expr' } },
  19: { name: 'NFTA_SET_TYPE', kind: 'str' },
  20: { name: 'NFTA_SET_COUNT', kind: 'u32' },
});
registerSchema('set_desc', {
  1: { name: 'NFTA_SET_DESC_SIZE', kind: 'u32' },
  2: { name: 'NFTA_SET_DESC_CONCAT', kind: { list: 'set_field' } },
});
registerSchema('set_field', {
  1: { name: 'NFTA_SET_FIELD_LEN', kind: 'u32' },
});
registerSchema('setelem_list', {
  1: { name: 'NFTA_SET_ELEM_LIST_TABLE', kind: 'str' },
  2: { name: 'NFTA_SET_ELEM_LIST_SET', kind: 'str' },
  3: { name: 'NFTA_SET_ELEM_LIST_ELEMENTS', kind: { list: 'setelem' } },
  4: { name: 'NFTA_SET_ELEM_LIST_SET_ID', kind: 'u32' },
});
registerSchema('setelem', {
  1: { name: 'NFTA_SET_ELEM_KEY', kind: { nest: 'data' } },
  2: { name: 'NFTA_SET_ELEM_DATA', kind: { nest: 'data' } },
  3: { name: 'NFTA_SET_ELEM_FLAGS', kind: 'u32' },
  4: { name: 'NFTA_SET_ELEM_TIMEOUT', kind: 'u64' },
  5: { name: 'NFTA_SET_ELEM_EXPIRATION', kind: 'u64' },
  6: { name: 'NFTA_SET_ELEM_USERDATA', kind: 'bin' },
  7: { name: 'NFTA_SET_ELEM_EXPR', kind: { nest: 'expr' } },
  8: { name: 'NFTA_SET_ELEM_PAD', kind: 'bin' },
  9: { name: 'NFTA_SET_ELEM_OBJREF', kind: 'str' },
  10: { name: 'NFTA_SET_ELEM_KEY_END', kind: { nest: 'data' } },
  11: { name: 'NFTA_SET_ELEM_EXPRESSIONS', kind: { list: 'expr' } },
});
// A single expression nested directly (NFTA_SET_EXPR, NFTA_SET_ELEM_EXPR): NAME and DATA.
if (!getSchema('expr')) {
  registerSchema('expr', {
    1: { name: 'NFTA_EXPR_NAME', kind: 'str' },
    2: { name: 'NFTA_EXPR_DATA', kind: 'bin' },
  });
}
