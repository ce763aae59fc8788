/**
 * The one error type of the SDK: what the node answered (`status`, its
 * `{code, message, details}`), or code `NODE_UNREACHABLE` when no node
 * answered and `BAD_RESPONSE` when the answer was not what the API promises.
 */
export class PolityApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'PolityApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}
