/**
 * The one error type of Polity's core: a stable machine code, a human sentence
 * and optional typed details. Domain failures and rejected input are data, not
 * stack traces (STYLE.md, "Errors"). Every code is listed, with its meaning and
 * HTTP status, in `spec/errors.md`; `src/api/error-status.ts` maps codes to
 * HTTP statuses.
 *
 * Messages never carry personal data: they name fields and limits, not values
 * a citizen typed.
 */
export type ErrorCode =
  // input at the edge
  | 'BAD_REQUEST'
  | 'MALFORMED_JSON'
  | 'SCHEMA_INVALID'
  | 'BODY_TOO_LARGE'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'RATE_LIMITED'
  // transaction admission
  | 'TX_MALFORMED'
  | 'TX_TOO_LARGE'
  | 'TX_WRONG_CHAIN'
  | 'TX_BAD_SIGNATURE'
  | 'TX_NONCE_USED'
  | 'TX_NONCE_TOO_FAR'
  | 'TX_EXPIRED'
  | 'TX_DUPLICATE'
  | 'TX_UNKNOWN_MODULE'
  | 'TX_UNKNOWN_ACTION'
  | 'TX_ARGS_INVALID'
  | 'MEMPOOL_FULL'
  // execution (a committed transaction whose result is a failure)
  | 'NOTARY_ALREADY_ANCHORED'
  | 'NOTARY_BATCH_EMPTY'
  | 'EVIDENCE_INVALID'
  | 'EVIDENCE_DUPLICATE'
  | 'VALIDATORS_NOT_AUTHORISED'
  | 'VALIDATORS_SOLO_CHAIN'
  | 'VALIDATORS_INVALID_SET'
  | 'VALIDATORS_CHANGE_UNKNOWN'
  | 'VALIDATORS_CHANGE_EXPIRED'
  | 'VALIDATORS_ALREADY_APPROVED'
  | 'EXECUTION_LIMIT'
  // notary service
  | 'NOTARY_BATCH_FULL'
  | 'NOTARY_NOT_ANCHORED'
  | 'NOTARY_PENDING'
  | 'RECEIPT_UNAVAILABLE'
  // node
  | 'NODE_NOT_READY'
  | 'TIMEOUT';

export class PolityError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PolityError';
    this.code = code;
    this.details = details;
  }
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isPolityError(e: unknown): e is PolityError {
  return e instanceof PolityError;
}

/** Assert an invariant. A failure is a bug: crash, never catch (STYLE.md, "Errors" 1). */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new Error(`invariant broken: ${message}`);
}
