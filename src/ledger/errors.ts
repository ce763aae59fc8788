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
  | 'VALIDATORS_SOLO_CHAIN'
  | 'VALIDATORS_INVALID_SET'
  | 'VALIDATORS_CHANGE_UNKNOWN'
  | 'VALIDATORS_CHANGE_EXPIRED'
  | 'VALIDATORS_ALREADY_APPROVED'
  | 'EXECUTION_LIMIT'
  // authentication of API requests (src/api)
  | 'AUTH_REQUIRED'
  | 'AUTH_MALFORMED'
  | 'AUTH_EXPIRED'
  | 'AUTH_BAD_SIGNATURE'
  | 'AUTH_UNKNOWN_KEY'
  | 'AUTH_DIGEST_MISMATCH'
  | 'AUTH_REPLAYED'
  | 'AUTH_FORBIDDEN'
  // authorisation of transactions (roles, organisations)
  | 'AUTH_NOT_OFFICIAL'
  | 'AUTH_NOT_VALIDATOR'
  | 'AUTH_ROLE_MISSING'
  | 'AUTH_ORG_NOT_PERMITTED'
  | 'AUTH_NOT_ORG_ADMIN'
  // membership
  | 'ORG_UNKNOWN'
  | 'ORG_EXISTS'
  | 'ORG_INACTIVE'
  | 'ORG_INVALID'
  | 'ORG_OP_UNKNOWN'
  | 'ORG_OP_EXPIRED'
  | 'ORG_ALREADY_APPROVED'
  | 'ORG_OFFICIAL_EXISTS'
  | 'ORG_OFFICIAL_UNKNOWN'
  | 'ORG_ROLE_UNKNOWN'
  | 'ORG_NODE_UNKNOWN'
  | 'ORG_HAS_VALIDATORS'
  // governance
  | 'GOV_PROPOSAL_UNKNOWN'
  | 'GOV_PROPOSAL_CLOSED'
  | 'GOV_PROPOSAL_EXPIRED'
  | 'GOV_ALREADY_VOTED'
  | 'GOV_INVALID'
  // identity (DIDs)
  | 'DID_EXISTS'
  | 'DID_UNKNOWN'
  | 'DID_DEACTIVATED'
  | 'DID_NOT_CONTROLLER'
  | 'DID_KEY_NOT_CURRENT'
  | 'DID_INVALID'
  | 'DID_METHOD_UNSUPPORTED'
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
