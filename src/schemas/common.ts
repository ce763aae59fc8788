/**
 * The HTTP contract's building blocks, written once in TypeBox: what the
 * server validates and serialises with, what the OpenAPI document publishes,
 * and what the SDK, the CLI and the web pages take their types from
 * (`Static<typeof X>`). Pure: TypeBox only, so the browser may import the
 * types (type-only imports ship nothing).
 *
 * A schema with a `title` is published once under components/schemas of the
 * OpenAPI document and referenced from every operation that uses it
 * (src/api/openapi.ts); the title is its name there.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Json } from '../crypto/canonical-json.js';

export const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: '32 bytes, lowercase hex' });
export const Hex64 = Type.String({ pattern: '^[0-9a-f]{128}$', description: '64 bytes, lowercase hex' });
/** A SHA-256 hash, lowercase hex. */
export const Hash = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 hash, 64 lowercase hex characters' });
export const Height = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'a block height (0: before the first block)' });
/** Milliseconds since the epoch. */
export const TimeMs = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'milliseconds since the Unix epoch' });
/** A block time as ISO 8601 in UTC, beside its ms (`2026-12-05T14:03:00.000Z`). */
export const TimeIso = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$', description: 'ISO 8601 in UTC, the same time as the ms beside it' });
export const ChainId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,47}$', description: 'the chain id' });
/** Any JSON value (state values, transaction arguments): passed through as stored. */
export const AnyJson = Type.Unsafe<Json>(Type.Unknown({ description: 'a JSON value' }));

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'a stable code: spec/errors.md and the service pages of spec/services/' }),
    message: Type.String({ description: 'one sentence for a person; never personal data' }),
    details: Type.Optional(Type.Unknown({ description: "typed per code (the code's table in spec/errors.md)" })),
  },
  { title: 'Error', description: 'Every error: a stable code, a sentence, and for some codes typed details.' },
);
export type ErrorBodyT = Static<typeof ErrorBody>;

/**
 * One of two object shapes, told apart by one member's value: written as
 * if/then/else (JSON Schema 2020-12, OpenAPI 3.1) rather than anyOf, so the
 * server's serialiser checks that one member to pick the shape instead of
 * validating the whole value against every branch (for a list of 1,000
 * receipts, the difference between a fast answer and a slow one).
 */
export function Either<A extends TSchema, B extends TSchema>(member: string, value: string, a: A, b: B, options: { title?: string; description?: string } = {}) {
  return Type.Unsafe<Static<A> | Static<B>>({
    ...options,
    if: { type: 'object', properties: { [member]: { const: value } }, required: [member] },
    then: a,
    else: b,
  });
}

/**
 * One of a few strings, in an answer: `enum`, which the server's serialiser
 * writes as a plain string (an anyOf of literals costs a validation per value).
 * Requests keep TypeBox unions, which its validator checks.
 */
export function Word<const V extends string>(values: readonly V[], options: { description?: string } = {}) {
  return Type.Unsafe<V>(Type.String({ ...options, enum: [...values] }));
}

/** A value of any of these JSON types, in an answer: a type list, written without validating each value. */
export function AnyOf<T>(types: readonly ('string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array')[], options: { description?: string; pattern?: string } = {}) {
  return Type.Unsafe<T>({ ...options, type: [...types] });
}

/** The error answers most routes may give: a bad request (schema) and, where named, others. */
export function errorResponses<S extends number>(...statuses: S[]): { [K in 400 | S]: typeof ErrorBody } {
  const out = { 400: ErrorBody } as { [K in 400 | S]: typeof ErrorBody };
  for (const s of statuses) (out as Record<number, TSchema>)[s] = ErrorBody;
  return out;
}

/**
 * Compile-time check that a schema's static type and a hand-written ledger
 * type describe the same JSON (each assignable to the other): the ledger's
 * interfaces and these schemas cannot drift apart.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export function sameType<T extends true>(): T | undefined {
  return undefined;
}

// --- paging (api/paging.ts; spec/api.md, Paging)
/** The longest cursor accepted: a 64-hex key encodes in about 100 characters. */
export const CURSOR_CHARS_MAX = 200;
/** The `cursor` query parameter of every list. */
export const CursorParam = Type.String({ minLength: 1, maxLength: CURSOR_CHARS_MAX, description: "where the page starts: the previous page's `next` (opaque; spec/api.md, Paging)" });
/** The `next` member of every list's answer. */
export const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'the cursor of the next page (`?cursor=`), or null on the last page (spec/api.md, Paging)' });
