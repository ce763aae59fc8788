/**
 * The one table from error code to HTTP status (STYLE.md, Hono/Fastify
 * model), joined from the core's table and those of the services the API
 * serves. A code in two tables is a wiring bug, caught when the API starts.
 * `statusOf` an undeclared code is a bug too: PolityError only accepts
 * declared codes at compile time, so one can only arrive from a cast; it
 * answers 500 and the test suite fails on it (test/errors.test.ts).
 */
import { assert, type ErrorDefinition, type ErrorTable } from '../ledger/errors.js';
import { CORE_ERRORS } from '../ledger/core-errors.js';

export interface OwnedError extends ErrorDefinition {
  code: string;
  /** 'core', or the service that declares it. */
  owner: string;
}

export interface ErrorIndex {
  /** Every code, in table order (core first, then each service's). */
  readonly codes: readonly OwnedError[];
  /** The HTTP status of a declared code; 500 for anything else (a bug). */
  statusOf(code: string): number;
  has(code: string): boolean;
}

export function createErrorIndex(tables: readonly { owner: string; table: ErrorTable }[]): ErrorIndex {
  const byCode = new Map<string, OwnedError>();
  for (const { owner, table } of [{ owner: 'core', table: CORE_ERRORS as ErrorTable }, ...tables]) {
    for (const [code, definition] of Object.entries(table)) {
      const existing = byCode.get(code);
      assert(!existing, `error code ${code} is declared by both ${existing?.owner} and ${owner}`);
      byCode.set(code, { code, owner, ...definition });
    }
  }
  return {
    codes: [...byCode.values()],
    statusOf: (code) => byCode.get(code)?.status ?? 500,
    has: (code) => byCode.has(code),
  };
}
