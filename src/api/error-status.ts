/**
 * The one table from error code to HTTP status (STYLE.md, Hono/Fastify model).
 * spec/errors.md lists the same codes with their meaning.
 */
import type { ErrorCode } from '../ledger/errors.js';

export type ApiErrorCode = ErrorCode | 'UNSUPPORTED_MEDIA_TYPE' | 'TX_REJECTED' | 'INTERNAL';

export const ERROR_STATUS: Record<ApiErrorCode, number> = {
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  SCHEMA_INVALID: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  RATE_LIMITED: 429,
  TX_MALFORMED: 400,
  TX_TOO_LARGE: 413,
  TX_WRONG_CHAIN: 400,
  TX_BAD_SIGNATURE: 401,
  TX_NONCE_USED: 409,
  TX_NONCE_TOO_FAR: 409,
  TX_EXPIRED: 410,
  TX_DUPLICATE: 409,
  TX_UNKNOWN_MODULE: 400,
  TX_UNKNOWN_ACTION: 400,
  TX_ARGS_INVALID: 400,
  TX_REJECTED: 400,
  MEMPOOL_FULL: 503,
  NOTARY_ALREADY_ANCHORED: 409,
  EVIDENCE_INVALID: 409,
  EVIDENCE_DUPLICATE: 409,
  NOTARY_BATCH_EMPTY: 400,
  EXECUTION_LIMIT: 400,
  NOTARY_BATCH_FULL: 503,
  NOTARY_NOT_ANCHORED: 404,
  NOTARY_PENDING: 409,
  RECEIPT_UNAVAILABLE: 404,
  NODE_NOT_READY: 503,
  TIMEOUT: 504,
  INTERNAL: 500,
};

export function statusOf(code: string): number {
  return (ERROR_STATUS as Record<string, number>)[code] ?? 400;
}
