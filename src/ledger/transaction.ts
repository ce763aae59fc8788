/**
 * Transactions: the only way state changes.
 *
 * A transaction is a JSON object `{ body, sig }`. The body names the chain,
 * the module and action to run, the action's arguments, the signer's Ed25519
 * public key, the signer's nonce and an optional expiry height. Its id is
 * SHA-256 over the RFC 8785 canonical JSON of the body; the signer signs the
 * domain-separated id (`"polity/tx/v1" || 0x00 || id`), so a signature can
 * never be replayed as a vote, a block or a transaction of another version.
 *
 * Replay protection: nonces are sequential per signer (0, 1, 2, ...). A
 * committed transaction consumes its nonce whether it succeeded or failed, so
 * it can never execute twice; the chain id stops replay onto another chain;
 * `expiresAt` bounds how long a signed transaction stays usable.
 *
 * See spec/transactions.md.
 */
import { canonicalBytes, canonicalJson, type Json } from '../crypto/canonical-json.js';
import { concatBytes, isHex, toHex, utf8Encode } from '../crypto/bytes.js';
import { sha256, sha256Utf8 } from '../crypto/sha256.js';
import { PolityError } from './errors.js';

export interface TxBody {
  /** Format version; always 1. */
  v: 1;
  chainId: string;
  module: string;
  action: string;
  args: { [key: string]: Json };
  /** Signer's Ed25519 public key, 32 bytes hex. */
  signer: string;
  /** The signer's sequence number, starting at 0. */
  nonce: number;
  /** Last height at which the transaction may be included. */
  expiresAt?: number;
}

export interface SignedTx {
  body: TxBody;
  /** Ed25519 signature over `TX_SIGN_DOMAIN || txId`, 64 bytes hex. */
  sig: string;
}

/** A transaction whose id and canonical encoding have been computed once. */
export interface DecodedTx {
  tx: SignedTx;
  id: string;
  idBytes: Uint8Array;
  /** Canonical JSON bytes of the whole signed transaction, as stored in blocks. */
  bytes: number;
}

export const TX_SIGN_DOMAIN = utf8Encode('polity/tx/v1\u0000');
export const TX_BYTES_MAX = 16 * 1024;
/** Bytes a signed transaction adds around its body: `{"body":` + `,"sig":"` + 128 hex + `"}`. */
const SIGNED_TX_OVERHEAD_BYTES = 8 + 8 + 128 + 2;
export const NAME_RE = /^[a-z][a-zA-Z0-9]{0,31}$/;
export const CHAIN_ID_RE = /^[a-z0-9][a-z0-9-]{0,47}$/;

export function txIdBytes(body: TxBody): Uint8Array {
  return sha256(canonicalBytes(body));
}

export function txSignMessage(idBytes: Uint8Array): Uint8Array {
  return concatBytes(TX_SIGN_DOMAIN, idBytes);
}

export function txId(tx: SignedTx): string {
  return toHex(txIdBytes(tx.body));
}

const BODY_KEYS = new Set(['v', 'chainId', 'module', 'action', 'args', 'signer', 'nonce', 'expiresAt']);

/**
 * Check the shape of an untrusted value claiming to be a signed transaction
 * and compute its id. Does not check the signature (that is batched in
 * workers) nor the nonce (that needs state). Throws `PolityError('TX_MALFORMED')`
 * saying which field is wrong.
 */
export function decodeTx(value: unknown): DecodedTx {
  const bad = (message: string): never => {
    throw new PolityError('TX_MALFORMED', message);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('expected an object {body, sig}');
  const { body, sig, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) bad(`unexpected field ${JSON.stringify(Object.keys(rest)[0])}`);
  if (!isHex(sig, 64)) bad('sig: expected 64 bytes of lowercase hex');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad('body: expected an object');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!BODY_KEYS.has(key)) bad(`body: unexpected field ${JSON.stringify(key)}`);
  if (b.v !== 1) bad('body.v: expected 1');
  if (typeof b.chainId !== 'string' || !CHAIN_ID_RE.test(b.chainId)) bad('body.chainId: expected a chain id');
  if (typeof b.module !== 'string' || !NAME_RE.test(b.module)) bad('body.module: expected a module name');
  if (typeof b.action !== 'string' || !NAME_RE.test(b.action)) bad('body.action: expected an action name');
  if (typeof b.args !== 'object' || b.args === null || Array.isArray(b.args)) bad('body.args: expected an object');
  if (!isHex(b.signer, 32)) bad('body.signer: expected a 32-byte public key in lowercase hex');
  if (!Number.isSafeInteger(b.nonce) || (b.nonce as number) < 0) bad('body.nonce: expected a non-negative integer');
  if (b.expiresAt !== undefined && (!Number.isSafeInteger(b.expiresAt) || (b.expiresAt as number) < 1)) {
    bad('body.expiresAt: expected a positive integer height');
  }
  let bodyText: string;
  try {
    bodyText = canonicalJson(body);
  } catch (e) {
    return bad(`not canonical JSON: ${(e as Error).message}`);
  }
  const { hash: idBytes, bytes: bodyBytes } = sha256Utf8(bodyText);
  // Canonical size of {"body":<body>,"sig":"<128 hex>"}: the body is encoded once, for id and size alike.
  const size = bodyBytes + SIGNED_TX_OVERHEAD_BYTES;
  if (size > TX_BYTES_MAX) {
    throw new PolityError('TX_TOO_LARGE', `transaction is ${size} bytes, at most ${TX_BYTES_MAX} allowed`);
  }
  return { tx: value as SignedTx, id: toHex(idBytes), idBytes, bytes: size };
}
