/**
 * The holder's usage log (spec/services/credentials-usage-log.md): each time
 * an organisation verifies a credential, it records on the chain an entry
 * that only the holder can find and read, and that nobody else can link to
 * the holder's other uses.
 *
 * Why this scheme: the holder's wallet keeps one 32-byte secret, `k_log`.
 * For its i-th presentation it hands the verifier a *ticket*:
 *
 *   tag_i = HMAC-SHA256(k_log, "polity-usage:v1:tag:" ‖ i)      (the entry's address on the chain)
 *   x_i   = HMAC-SHA256(k_log, "polity-usage:v1:key:" ‖ i)      (an X25519 private key, RFC 7748)
 *   key_i = X25519(x_i, 9)                                      (its public key, given to the verifier)
 *
 * Each tag and key is used once and looks random to anyone without k_log,
 * so two verifiers that compare what they were given (or everyone who reads
 * the chain) see unrelated values. The verifier seals the entry to key_i
 * with a fresh ephemeral key (ECIES: X25519, HKDF-SHA256, AES-256-GCM, all
 * node:crypto) and records `credentials.logUse {tag, sealed}`. The holder
 * recomputes its tags, asks for them, and opens the entries with x_i.
 *
 * The plaintext is padded to a fixed size, so every sealed entry has the
 * same length and its size says nothing of the purpose or the claims. The
 * tag is the AES-GCM additional data and the HKDF salt, so an entry copied
 * under another tag does not open.
 *
 * Pure: the randomness (ephemeral key, IV) comes in as arguments.
 */
import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { canonicalJson, type Json } from '../../crypto/canonical-json.js';
import { concatBytes, fromHex, toHex, utf8Encode } from '../../crypto/bytes.js';

/** Bytes of the padded plaintext: every sealed entry has this size before encryption. */
export const ENTRY_PLAINTEXT_BYTES = 1024;
/** Ephemeral public key (32) ‖ IV (12) ‖ ciphertext (1024) ‖ GCM tag (16), base64url without padding. */
export const SEALED_BYTES = 32 + 12 + ENTRY_PLAINTEXT_BYTES + 16;
export const SEALED_CHARS = Math.ceil((SEALED_BYTES * 4) / 3);
/** The highest presentation counter a wallet uses (a wallet presents at most this many times). */
export const USAGE_INDEX_MAX = 2 ** 31 - 1;
/** A holder scanning for its entries stops after this many tags in a row that have none (verifiers that did not record). */
export const USAGE_GAP_MAX = 20;
/** Limits of an entry's fields (the padded plaintext must hold the largest): those of what a verifier may ask (oid4vp-format.ts). */
export { PURPOSE_CHARS_MAX, CLAIMS_MAX, CLAIM_NAME_CHARS_MAX, ticketProblem, type UsageTicket } from './oid4vp-format.js';
import { PURPOSE_CHARS_MAX, CLAIMS_MAX, CLAIM_NAME_CHARS_MAX, ticketProblem, type UsageTicket } from './oid4vp-format.js';

const TAG_DOMAIN = 'polity-usage:v1:tag:';
const KEY_DOMAIN = 'polity-usage:v1:key:';
const SEAL_INFO = 'polity-usage:v1:seal';
const AAD_DOMAIN = 'polity-usage:v1:aad:';
const X25519_PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');
const X25519_SPKI_PREFIX = fromHex('302a300506032b656e032100');

/** What a verifier records about one use (sealed; never on the chain in clear). */
export interface UsageEntry {
  v: 1;
  /** The verifying organisation (the chain also records the signer's organisation: the holder compares them). */
  org: string;
  /** The verifier's client_id in the OpenID4VP request. */
  verifier: string;
  /** The credential's hash, as on the chain (spec §2). */
  credential: string;
  credentialType: string;
  purpose: string;
  /** Names of the claims disclosed (never their values). */
  claims: string[];
  /** When the verifier checked the presentation, ms since the epoch. */
  time: number;
  /**
   * Absent when the verifier accepted the presentation; else the code it was
   * refused with, for an authentic presentation of a credential that was
   * genuinely issued but is revoked, suspended, expired or not yet valid
   * (the holder's claims reached the verifier all the same).
   */
  refused?: string;
}

/** The refusals recorded in the usage log: the holder's proof and the credential's issuance held, its status or validity did not. */
export const LOGGED_REFUSALS: readonly string[] = ['CREDENTIALS_REVOKED', 'CREDENTIALS_SUSPENDED', 'CREDENTIALS_EXPIRED', 'CREDENTIALS_NOT_YET_VALID'];

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) throw new Error(`usage-log secret: expected 32 bytes, got ${secret?.length}`);
}

function checkIndex(i: number): void {
  if (!Number.isInteger(i) || i < 0 || i > USAGE_INDEX_MAX) throw new Error(`usage-log index: expected an integer 0..${USAGE_INDEX_MAX}, got ${i}`);
}

const hmac = (secret: Uint8Array, domain: string, i: number): Buffer => createHmac('sha256', secret).update(domain + String(i)).digest();

export function usageTag(secret: Uint8Array, i: number): string {
  checkSecret(secret);
  checkIndex(i);
  return toHex(hmac(secret, TAG_DOMAIN, i));
}

function privateKeyOf(secret: Uint8Array, i: number): KeyObject {
  return createPrivateKey({ key: Buffer.from(concatBytes(X25519_PKCS8_PREFIX, hmac(secret, KEY_DOMAIN, i))), format: 'der', type: 'pkcs8' });
}

function rawPublicKey(k: KeyObject): Uint8Array {
  const der = (k.type === 'private' ? createPublicKey(k) : k).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

const publicKeyFromRaw = (raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.from(concatBytes(X25519_SPKI_PREFIX, raw)), format: 'der', type: 'spki' });

/** The ticket of the wallet's i-th presentation. */
export function usageTicket(secret: Uint8Array, i: number): UsageTicket {
  const tag = usageTag(secret, i);
  return { tag, key: Buffer.from(rawPublicKey(privateKeyOf(secret, i))).toString('base64url') };
}

/** What is wrong with an entry for sealing, or undefined. */
export function entryProblem(e: UsageEntry): string | undefined {
  if (e.purpose.length > PURPOSE_CHARS_MAX) return `purpose: at most ${PURPOSE_CHARS_MAX} characters`;
  if (e.claims.length > CLAIMS_MAX) return `claims: at most ${CLAIMS_MAX} names`;
  if (e.claims.some((c) => c.length > CLAIM_NAME_CHARS_MAX)) return `claims: names of at most ${CLAIM_NAME_CHARS_MAX} characters`;
  if (e.refused !== undefined && !LOGGED_REFUSALS.includes(e.refused)) return `refused: one of ${LOGGED_REFUSALS.join(', ')}`;
  if (canonicalJson(e as unknown as Json).length > ENTRY_PLAINTEXT_BYTES) return `the entry exceeds ${ENTRY_PLAINTEXT_BYTES} bytes`;
  return undefined;
}

function sealKey(shared: Uint8Array, tag: string, ephemeral: Uint8Array, recipient: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, fromHex(tag, 32), concatBytes(utf8Encode(SEAL_INFO), ephemeral, recipient), 32));
}

/**
 * The verifier's side: the entry sealed to the ticket's key. `ephemeralSecret`
 * (32 random bytes) and `iv` (12 random bytes) must be fresh for each entry.
 */
export function sealUsageEntry(entry: UsageEntry, ticket: UsageTicket, randomness: { ephemeralSecret: Uint8Array; iv: Uint8Array }): string {
  const wrong = ticketProblem(ticket) ?? entryProblem(entry);
  if (wrong) throw new Error(`sealUsageEntry: ${wrong}`);
  if (randomness.ephemeralSecret.length !== 32 || randomness.iv.length !== 12) throw new Error('sealUsageEntry: expected a 32-byte ephemeral secret and a 12-byte IV');
  const eph = createPrivateKey({ key: Buffer.from(concatBytes(X25519_PKCS8_PREFIX, randomness.ephemeralSecret)), format: 'der', type: 'pkcs8' });
  const recipient = new Uint8Array(Buffer.from(ticket.key, 'base64url'));
  const ephPublic = rawPublicKey(eph);
  const shared = diffieHellman({ privateKey: eph, publicKey: publicKeyFromRaw(recipient) });
  const plain = Buffer.alloc(ENTRY_PLAINTEXT_BYTES, 0x20);
  plain.write(canonicalJson(entry as unknown as Json), 'utf8');
  const cipher = createCipheriv('aes-256-gcm', sealKey(shared, ticket.tag, ephPublic, recipient), randomness.iv);
  cipher.setAAD(utf8Encode(AAD_DOMAIN + ticket.tag));
  const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([ephPublic, randomness.iv, body]).toString('base64url');
}

/** The holder's side: the entry of its i-th ticket, or undefined when `sealed` does not open (not for this key, or altered). */
export function openUsageEntry(sealed: string, secret: Uint8Array, i: number): UsageEntry | undefined {
  if (typeof sealed !== 'string' || sealed.length !== SEALED_CHARS || !/^[A-Za-z0-9_-]+$/.test(sealed)) return undefined;
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length !== SEALED_BYTES) return undefined;
  const tag = usageTag(secret, i);
  const mine = privateKeyOf(secret, i);
  const ephPublic = bytes.subarray(0, 32);
  const iv = bytes.subarray(32, 44);
  const ct = bytes.subarray(44, bytes.length - 16);
  const gcmTag = bytes.subarray(bytes.length - 16);
  let plain: Buffer;
  try {
    const shared = diffieHellman({ privateKey: mine, publicKey: publicKeyFromRaw(ephPublic) });
    const decipher = createDecipheriv('aes-256-gcm', sealKey(shared, tag, ephPublic, rawPublicKey(mine)), iv);
    decipher.setAAD(utf8Encode(AAD_DOMAIN + tag));
    decipher.setAuthTag(gcmTag);
    plain = Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    return undefined;
  }
  try {
    const e = JSON.parse(plain.toString('utf8').trimEnd()) as UsageEntry;
    if (typeof e !== 'object' || e === null || e.v !== 1 || typeof e.org !== 'string' || typeof e.credential !== 'string' || typeof e.time !== 'number' || !Array.isArray(e.claims)) return undefined;
    return e;
  } catch {
    return undefined;
  }
}
