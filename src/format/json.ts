// JSON for nftlink's own objects: bigints become numbers when they are exact
// (else decimal strings), byte arrays become lower-case hex strings. Used by
// the CLI's --json output; the shape is otherwise the library's own.

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify has already called Buffer#toJSON on `value`: look at the original.
  const orig = (this as Record<string, unknown>)[key];
  if (orig instanceof Uint8Array) return toHex(orig);
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

/** JSON text of a value holding bigints and byte arrays. */
export function stringifyJSON(value: unknown, space?: number): string {
  return JSON.stringify(value, replacer, space);
}
