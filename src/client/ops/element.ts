// Element operations: add, create, delete, destroy (and the elements of a
// set created in the same transaction). Large lists are split over several
// NEWSETELEM messages so that no nest exceeds 64 KiB; all of them stay in the
// one batch, so the change is still atomic.

import { ValidationError } from '../../errors.js';
import { NLM_F_CREATE, NLM_F_EXCL } from '../../netlink/constants.js';
import { NLA_MAX_LEN } from '../../netlink/attr.js';
import {
  NFT_MSG_DELSETELEM,
  NFT_MSG_DESTROYSETELEM,
  NFT_MSG_NEWSETELEM,
  NFT_SET_ELEM_CATCHALL,
  NFT_SET_ELEM_INTERVAL_END,
  NFTA_SET_ELEM_LIST_ELEMENTS,
  type Family,
} from '../../nftables/constants.js';
import { formatRange, formatValue, intervalKeyType } from '../../nftables/datatypes.js';
import {
  encodeElementListHeader,
  encodeWireElement,
  mergeIntervals,
  prepareElements,
  wireElementSize,
  type SetElement,
  type WireElements,
} from '../../nftables/element.js';
import { setShape, type NftSet, type SetShape } from '../../nftables/set.js';
import type { BatchBuilder, MessageRecord } from '../batch.js';
import { checkFamily, checkName, labelOf, Op } from '../operation.js';

/** The fields of a set that say how its elements look, when the set is not created in the same transaction. */
export type SetDefinition = Pick<NftSet, 'keyType'> & Partial<Pick<NftSet, 'keyLen' | 'dataType' | 'dataLen' | 'objectType' | 'flags' | 'keyByteorder' | 'dataByteorder' | 'dataInterval'>>;

export interface ElementsInput {
  family: Family;
  table: string;
  /** The set's name (or the operation that adds it in this transaction). */
  set: string | { readonly kind: string; readonly object: NftSet };
  elements: SetElement[];
  /**
   * Send the elements as they are on the wire (as listElements returns them):
   * no interval expansion, flags as written. Default false: elements are values.
   */
  raw?: boolean;
  /**
   * The set's types, when it was created elsewhere. Without it (and without a
   * set of this transaction), the set is read from the kernel before the
   * commit whenever a key is not given as raw bytes.
   */
  definition?: SetDefinition;
}

/** Where the set comes from: its definition, and its in-batch id when it is new. */
export interface SetSource {
  object: NftSet;
  shape: SetShape;
  setId?: number;
}

export type ElementAction = 'add' | 'create' | 'delete' | 'destroy';

/** Wire elements of one set, planned into messages. */
export class ElementMessages {
  readonly wire: WireElements;
  /** Start index of each message's elements; plus `count` at the end. */
  readonly bounds: number[];
  private readonly sizes: Int32Array;

  constructor(wire: WireElements) {
    this.wire = wire;
    this.sizes = new Int32Array(wire.count);
    const bounds = [0];
    // The ELEMENTS nest (header included) must fit in nla_len.
    const budget = NLA_MAX_LEN - 4;
    let used = 0;
    let bytes = 0;
    for (let j = 0; j < wire.count; j++) {
      const sz = wireElementSize(wire, j);
      this.sizes[j] = sz;
      bytes += sz;
      if (used + sz > budget && used > 0) {
        bounds.push(j);
        used = 0;
      }
      used += sz;
    }
    if (wire.count > 0) bounds.push(wire.count);
    this.bounds = bounds;
    this.bytes = bytes;
  }

  /** Bytes of all the element nests. */
  private readonly bytes: number = 0;

  get messages(): number {
    return Math.max(0, this.bounds.length - 1);
  }

  encode(b: BatchBuilder, msg: number, flags: number, family: Family, table: string, set: string, setId: number | undefined): void {
    const w = b.w;
    const we = this.wire;
    // Room for every message at once: one allocation instead of a doubling chain of copies.
    w.reserve(this.bytes + this.messages * (64 + Buffer.byteLength(table) + Buffer.byteLength(set)));
    for (let m = 0; m + 1 < this.bounds.length; m++) {
      const from = this.bounds[m]!;
      const to = this.bounds[m + 1]!;
      const rec = b.message(msg, flags, family);
      encodeElementListHeader(w, table, set, setId);
      const marks: number[] = new Array(to - from);
      let bytes = 0;
      for (let j = from; j < to; j++) bytes += this.sizes[j]!;
      w.reserve(bytes + 4);
      const nest = w.beginNest(NFTA_SET_ELEM_LIST_ELEMENTS);
      for (let j = from; j < to; j++) {
        marks[j - from] = encodeWireElement(w, we, j, j - from + 1, this.sizes[j]) - rec.start;
      }
      w.endNest(nest);
      rec.marks = marks;
      rec.firstItem = from;
      b.close(rec);
    }
  }

  /** The wire element an ext-ack offset falls in, or -1. */
  elementAt(rec: MessageRecord, offset: number): number {
    const marks = rec.marks;
    if (!marks || marks.length === 0 || offset < marks[0]!) return -1;
    let lo = 0;
    let hi = marks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (marks[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return (rec.firstItem ?? 0) + lo;
  }
}

/** Words for one caller element: its key as given, or as nft would print it. */
export function describeElement(src: SetSource | undefined, e: SetElement | undefined, wire: WireElements, j: number): string {
  if (!e) return '';
  if (e.catchAll || wire.flags[j]! & NFT_SET_ELEM_CATCHALL) return '*';
  const k = e.key;
  if (typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint') return String(k);
  if (Array.isArray(k) && k.every((x) => !(x instanceof Uint8Array))) return k.map(String).join(' . ');
  const shape = src?.shape;
  const kt = shape?.key && shape.interval ? intervalKeyType(shape.key) : shape?.key;
  const key = wire.keys.subarray(j * wire.keyLen, (j + 1) * wire.keyLen);
  if (!kt) return '0x' + Buffer.from(key).toString('hex');
  if (wire.hasKeyEnd?.[j]) return formatRange(kt, key, wire.keyEnds!.subarray(j * wire.keyLen, (j + 1) * wire.keyLen));
  return formatValue(kt, key);
}

function setNameOf(s: ElementsInput['set']): string | undefined {
  return typeof s === 'string' ? s : s?.object?.name;
}

export class ElementsOp extends Op<ElementsInput> {
  /** Set when the set is created by an operation of the same transaction. */
  private source: SetSource | undefined;
  private readonly setOp: { setId: number; shape: SetShape; object: NftSet; name: string } | undefined;
  private planned: ElementMessages | undefined;

  constructor(input: ElementsInput, readonly action: ElementAction, setOp?: { setId: number; shape: SetShape; object: NftSet; name: string }) {
    const kind = `${action}Elements`;
    const label = labelOf(kind, input?.family, input?.table, setNameOf(input?.set));
    checkFamily(input?.family, label);
    checkName('table', input.table, label);
    checkName('set', setNameOf(input.set), label);
    if (!Array.isArray(input.elements)) throw new ValidationError('elements', 'must be an array of elements', label);
    super(kind, input, label);
    this.setOp = setOp;
    if (setOp) {
      this.source = { object: setOp.object, shape: setOp.shape, setId: setOp.setId };
    } else if (input.definition) {
      const def = { family: input.family, table: input.table, name: setNameOf(input.set)!, ...input.definition };
      this.source = { object: def, shape: setShape(def, label) };
    }
    if (this.source || this.rawOnly()) this.plan();
  }

  private get keysOnly(): boolean {
    return this.action === 'delete' || this.action === 'destroy';
  }

  /** Raw keys everywhere and wire mode: the set's types are not needed. */
  private rawOnly(): boolean {
    const o = this.object;
    return o.raw === true && o.elements.every((e) => e.catchAll || e.key instanceof Uint8Array);
  }

  private plan(): void {
    const o = this.object;
    let shape = this.source?.shape;
    if (!shape) {
      // Wire mode with raw keys and no definition: take the key length from the keys.
      const first = o.elements.find((e) => e.key instanceof Uint8Array)?.key as Uint8Array | undefined;
      const keyLen = first?.length ?? 4;
      shape = { keyId: 0, keyLen, key: undefined, dataId: undefined, dataLen: 0, data: undefined, flags: 0x8 | 0x10 | 0x40, interval: false, concat: false };
    }
    let wire = prepareElements(shape, o.elements, { raw: o.raw === true, keysOnly: this.keysOnly, op: this.label, permissive: !this.source });
    // nft's auto-merge: overlapping and adjacent ranges of one list go out joined.
    if (this.source?.object.autoMerge && !o.raw && !this.keysOnly && shape.interval && !shape.concat) wire = mergeIntervals(wire);
    this.planned = new ElementMessages(wire);
  }

  /** Reads the set's definition when it is needed and not known. */
  async prepare(getSet: (ref: { family: Family; table: string; name: string }) => Promise<NftSet>): Promise<void> {
    if (this.planned) return;
    const o = this.object;
    const set = await getSet({ family: o.family, table: o.table, name: setNameOf(o.set)! });
    this.source = { object: set, shape: setShape(set, this.label) };
    this.plan();
  }

  get ready(): boolean {
    return this.planned !== undefined;
  }

  override echoes(): number {
    return 0;
  }

  override messageCount(): number {
    return this.planned?.messages ?? 1;
  }

  encode(b: BatchBuilder): void {
    if (!this.planned) throw new ValidationError('set', 'the set was not resolved before encoding', this.label);
    const o = this.object;
    const msg = this.action === 'delete' ? NFT_MSG_DELSETELEM : this.action === 'destroy' ? NFT_MSG_DESTROYSETELEM : NFT_MSG_NEWSETELEM;
    const flags = this.action === 'add' ? NLM_F_CREATE : this.action === 'create' ? NLM_F_CREATE | NLM_F_EXCL : 0;
    const name = this.setOp ? this.setOp.name : setNameOf(o.set)!;
    this.planned.encode(b, msg, flags, o.family, o.table, name, this.setOp?.setId);
  }

  override detail(rec: MessageRecord, offset: number): string | undefined {
    const p = this.planned;
    if (!p) return undefined;
    const j = p.elementAt(rec, offset);
    if (j < 0) return undefined;
    const i = p.wire.source[j]!;
    const e = this.object.elements[i];
    const what = describeElement(this.source, e, p.wire, j);
    const end = p.wire.flags[j]! & NFT_SET_ELEM_INTERVAL_END && !e?.intervalEnd ? ', the end of its interval' : '';
    return `element #${i}${what ? ` (${what})` : ''}${end}`;
  }
}
