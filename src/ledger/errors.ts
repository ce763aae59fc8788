/**
 * The one error type of Polity: a stable machine code, a human sentence and,
 * for some codes, typed details. Domain failures and rejected input are data,
 * not stack traces (STYLE.md, "Errors").
 *
 * Codes live with their owner, in tables that give each code its HTTP status,
 * where it arises, what it means and the schema of its details: the core's
 * table (core-errors.ts), and each service's `errors.ts` (src/services/<name>/). Every
 * table joins the `ErrorRegistry` interface by declaration merging, so
 * `new PolityError(code, …)` accepts only a declared code and checks its
 * details against that code's type (Lodestar's "code plus typed data"), with
 * no import from this layer up to the services. At run time the API joins the
 * tables of the services it serves into one (src/api/error-table.ts), and
 * spec/errors.md and each service's spec page are checked against them.
 *
 * Messages never carry personal data: they name fields and limits, not values
 * a citizen typed.
 */
import type { Static, TSchema } from '@sinclair/typebox';

export interface ErrorDefinition {
  /** HTTP status when this code answers a request (a code inside a transaction result answers nothing). */
  status: number;
  /** Where it arises: routes, actions, checks. */
  arises: string;
  /** What it means, for the person reading it. */
  meaning: string;
  /** The shape of `details`, when the code carries any. */
  details?: TSchema;
  /** True when the code carries its details only sometimes. */
  detailsOptional?: boolean;
}

export type ErrorTable = Readonly<Record<string, ErrorDefinition>>;

/** A table of error codes; `const` keeps each code's literal name and details schema in its type. */
export function defineErrors<const T extends ErrorTable>(table: T): T {
  return table;
}

/** The details type of each code of a table (`undefined` for a code without details). */
export type DetailsOf<T extends ErrorTable> = {
  [C in keyof T]: T[C] extends { details: infer S extends TSchema } ? (T[C] extends { detailsOptional: true } ? Static<S> | undefined : Static<S>) : undefined;
};

/**
 * Every error code Polity declares, each with the type of its details. Each
 * table adds its own codes — the core's in core-errors.ts, each service's in
 * its errors.ts — with
 * `declare module '…/ledger/errors.js' { interface ErrorRegistry extends DetailsOf<typeof …> {} }`.
 * (Type-only: this file imports nothing at run time, so it also runs in a browser.)
 */
export interface ErrorRegistry {}

export type ErrorCode = keyof ErrorRegistry & string;

/** The details a code carries: required when its table declares a schema (and not `detailsOptional`), absent otherwise. */
type DetailsArgs<C extends ErrorCode> = undefined extends ErrorRegistry[C]
  ? [details?: ErrorRegistry[C], options?: { cause?: unknown }]
  : [details: ErrorRegistry[C], options?: { cause?: unknown }];

export class PolityError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly details: ErrorRegistry[C] | undefined;
  constructor(code: C, message: string, ...[details, options]: DetailsArgs<C>) {
    super(message, options);
    this.name = 'PolityError';
    this.code = code;
    this.details = details as ErrorRegistry[C] | undefined;
  }
  toJSON(): { code: C; message: string; details?: ErrorRegistry[C] } {
    return this.details !== undefined ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isPolityError(e: unknown): e is PolityError {
  return e instanceof PolityError;
}

/** Assert an invariant. A failure is a bug: crash, never catch (STYLE.md, "Errors" 1). */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new Error(`invariant broken: ${message}`);
}
