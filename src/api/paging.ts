/**
 * One paging style for every list of the API (spec/api.md, Paging):
 * `?limit=&cursor=` in, `next` out — the cursor of the following page, or
 * null on the last one. Clients learn it once and walk any list the same way.
 *
 * A cursor is opaque to clients: base64url of a tiny JSON object, `{"o": n}`
 * for a list read by position (the offset the next page starts at) or
 * `{"b": key}` for a list read below a key (a height, a position, a
 * proposal id). Nothing is signed or secret in it: a client that forges one
 * only reads a page it could have asked for with the older parameters. It
 * is bounded (CURSOR_CHARS_MAX) and checked strictly; anything else is
 * CURSOR_INVALID, as is a cursor sent together with the older parameter it
 * replaces (`before`, `offset`), which still works alone for existing
 * clients.
 */
import { PolityError } from '../ledger/errors.js';
import { CURSOR_CHARS_MAX } from '../schemas/common.js';

/** The largest offset a cursor carries: the older `offset` parameters' bound. */
const OFFSET_MAX = 100_000_000;

const encode = (position: { o: number } | { b: string | number }): string => Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
/** The cursor of a page that starts at this offset. */
export const offsetCursor = (offset: number): string => encode({ o: offset });
/** The cursor of a page that lists what comes below this key. */
export const keyCursor = (key: string | number): string => encode({ b: key });

const invalid = (): PolityError => new PolityError('CURSOR_INVALID', "cursor: not a cursor this list gave; pass back the previous page's next unchanged");

function decode(cursor: string, member: 'o' | 'b'): unknown {
  if (cursor.length > CURSOR_CHARS_MAX || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid();
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== member) throw invalid();
  return (value as Record<string, unknown>)[member];
}

function refuseBoth(cursor: string | undefined, older: unknown, name: string): void {
  if (cursor !== undefined && older !== undefined) throw new PolityError('CURSOR_INVALID', `cursor and ${name}: give one (cursor replaces ${name})`);
}

/** Where a list read by position starts: the cursor's offset, else the older parameter's (`offset`, or `name`), else 0. */
export function startOffset(cursor: string | undefined, offset: number | undefined, name = 'offset'): number {
  refuseBoth(cursor, offset, name);
  if (cursor === undefined) return offset ?? 0;
  const o = decode(cursor, 'o');
  if (!Number.isSafeInteger(o) || (o as number) < 0 || (o as number) > OFFSET_MAX) throw invalid();
  return o as number;
}

/** What a list read below a key starts below: the cursor's key, else the older `before` (undefined: from the top). */
export function startBelow<K extends string | number>(cursor: string | undefined, before: K | undefined, valid: (key: unknown) => key is K): K | undefined {
  refuseBoth(cursor, before, 'before');
  if (cursor === undefined) return before;
  const b = decode(cursor, 'b');
  if (!valid(b)) throw invalid();
  return b;
}

/** The `next` of a list read by position: the offset after this page, or null when it reached the end. */
export const nextOffset = (offset: number, count: number, total: number): string | null => (count > 0 && offset + count < total ? offsetCursor(offset + count) : null);

/** A positive safe integer key (a height, a position). */
export const isPosition = (key: unknown): key is number => Number.isSafeInteger(key) && (key as number) >= 1;
/** A 64-hex key (an id). */
export const isHex32 = (key: unknown): key is string => typeof key === 'string' && /^[0-9a-f]{64}$/.test(key);
