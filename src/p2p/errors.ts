/**
 * Errors of the network layer: a stable code, a short sentence, typed details.
 *
 * Like Lodestar's peer errors, each failure caused by a peer says what the
 * node does about it (`action`): `ignore` the message, or `disconnect` the
 * peer. Messages name peers by the first 16 hex digits of their key and never
 * carry message contents (they may be transactions).
 */
export type P2PErrorCode =
  /** `send`/`request` to a peer with no open link. */
  | 'P2P_NOT_CONNECTED'
  /** A request got no answer within its time limit. */
  | 'P2P_REQUEST_TIMEOUT'
  /** The link dropped while a request was waiting. */
  | 'P2P_PEER_DISCONNECTED'
  /** The peer answered a request with an error (its handler threw, or it serves no such protocol). */
  | 'P2P_REMOTE_ERROR'
  /** A message or protocol name over the configured limit (a caller's bug: checked before sending). */
  | 'P2P_MESSAGE_TOO_LARGE'
  /** The network was stopped. */
  | 'P2P_STOPPED'
  /** A Noise handshake message that does not decrypt or parse. */
  | 'P2P_HANDSHAKE_FAILED';

export class P2PError extends Error {
  readonly code: P2PErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: P2PErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'P2PError';
    this.code = code;
    this.details = details;
  }
}

export function isP2PError(e: unknown, code?: P2PErrorCode): e is P2PError {
  return e instanceof P2PError && (code === undefined || e.code === code);
}

/** A peer's key as it appears in logs and errors: its first 16 hex digits. */
export const shortKey = (pubKey: string): string => pubKey.slice(0, 16);
