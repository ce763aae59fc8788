/**
 * Claims checked against a credential type's JSON Schema, with ajv — the
 * validator Fastify already uses for every request body, so it is in the
 * dependency tree at a pinned version and is maintained. (TypeBox's `Value`
 * checks only schemas built with TypeBox; a type's schema arrives as plain
 * JSON from a governance decision.)
 *
 * The chain itself never runs this: it stores the schema after checking its
 * size and shape (module.ts), because a JSON Schema engine's verdict on a
 * schema could change with its version, and nodes must never disagree. The
 * issuer's tools check claims before signing, and every verifier checks
 * them after.
 *
 * Compiled validators are cached by schema text, at most CACHE_MAX of them.
 */
import AjvModule from 'ajv';
import { canonicalJson } from '../../crypto/canonical-json.js';

const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const CACHE_MAX = 256;
type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

const ajv = new (Ajv as unknown as new (options: object) => { compile(schema: object): Validate; validateSchema(schema: object): boolean; errorsText(errors?: unknown): string; errors?: unknown })({
  strict: true,
  allErrors: false,
  // No remote references are ever fetched; a schema is self-contained.
  addUsedSchema: false,
});
const cache = new Map<string, Validate>();
/**
 * The same schema object (a type read from the committed state, which keeps
 * its value object until the key changes) is not canonicalised again on
 * each verification: a verifier checks many credentials of one type.
 */
const byObject = new WeakMap<object, Validate>();

function compiled(schema: object): Validate {
  const known = byObject.get(schema);
  if (known) return known;
  const v = compiledByText(schema);
  byObject.set(schema, v);
  return v;
}

function compiledByText(schema: object): Validate {
  const text = canonicalJson(schema);
  let v = cache.get(text);
  if (!v) {
    v = ajv.compile(JSON.parse(text) as object);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(text, v);
  }
  return v;
}

/** What is wrong with a claims schema as JSON Schema (ajv's verdict), or undefined. */
export function schemaProblem(schema: object): string | undefined {
  try {
    compiled(schema);
    return undefined;
  } catch (e) {
    return `the schema is not a JSON Schema ajv compiles: ${(e as Error).message.slice(0, 200)}`;
  }
}

/** Where the claims break the schema ("/age: must be integer"), or undefined when they match. Names paths, never values. */
export function claimsProblem(schema: object, claims: unknown): string | undefined {
  let v: Validate;
  try {
    v = compiled(schema);
  } catch (e) {
    return `the type's schema does not compile: ${(e as Error).message.slice(0, 200)}`;
  }
  if (v(claims)) return undefined;
  const first = v.errors?.[0];
  return first ? `${first.instancePath || '/'}: ${first.message ?? 'invalid'}` : 'the claims do not match the schema';
}
