/**
 * Sessions opened by challenge-response (spec/api-auth.md §5): a client
 * proves once that it holds the key of a subject (a DID or a hex public key)
 * by signing a fresh challenge, and gets a bearer token for the next
 * requests. Signing every request (RFC 9421) is the stronger default; a
 * session suits clients that make many reads and cannot sign each one
 * cheaply (a browser page holding a key in a wallet, say).
 *
 * Why each rule:
 * - The signed message `polity-session:v1:<chainId>:<subject>:<challenge>`
 *   names its purpose, version and chain, so a signature made here is
 *   useless as a transaction signature, on another chain or for another
 *   subject (domain separation).
 * - A challenge is single use, short lived and bound to the subject it was
 *   issued for: any attempt to open a session with it consumes it, so it
 *   can be neither replayed nor tried twice.
 * - Challenges are stateless until used: 6 bytes of expiry time, 10 random
 *   bytes and a 16-byte HMAC-SHA256 tag over both and the subject, under a
 *   secret the store draws at start. Issuing one stores nothing, so a
 *   flood of challenge requests can evict nobody's challenge (a table of
 *   issued challenges that dropped its oldest when full let one client
 *   cancel everyone's logins). Only used challenges are remembered, until
 *   they expire; when that set is full its earliest entry is dropped and
 *   every challenge expiring no later is refused from then on (a floor),
 *   so nothing dropped can be used twice. A restart draws a new secret:
 *   challenges from before it are unknown.
 * - Tokens are 32 random bytes; the store keeps only their SHA-256, so a
 *   memory dump or a log of the store's keys yields nothing that
 *   authenticates. Hashing without a salt is enough: the input is 256 random
 *   bits, there is nothing to guess.
 * - Memory is bounded. Sessions per subject are capped, the subject's
 *   oldest closing first, so one key cannot crowd out the others; a full
 *   session table first drops expired sessions, then refuses new ones
 *   (RATE_LIMITED) rather than closing other people's sessions.
 *
 * Resolving a DID to the key currently valid is the caller's job: `open`
 * takes the public key, and authenticate.ts checks at every use that it is
 * still the subject's key (a rotated or deactivated DID ends its sessions). Time and randomness come in as dependencies so tests
 * can drive them.
 */
import { createHash, createHmac, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import { isHex } from '../crypto/bytes.js';
import { verifyBytes } from '../crypto/ed25519.js';
import { sessionMessage } from '../sdk/http-auth.js';
import { authError } from './http-signatures.js';

export { sessionMessage };

export interface SessionStoreOptions {
  /** Lifetime of a session, ms. */
  ttlMs: number;
  /** Lifetime of a challenge, ms. */
  challengeTtlMs: number;
  /** Sessions held at most; used challenges remembered at most, too. */
  max: number;
  /** Sessions one subject may hold at once; default 16. */
  perSubjectMax?: number;
}

export interface SessionStoreDeps {
  now?: () => number;
  randomBytes?: (length: number) => Uint8Array;
}

export interface Session {
  subject: string;
  publicKey: string;
  expiresAt: number;
}

export interface SessionStore {
  /** Issue a challenge for `subject`. */
  challenge(subject: string): { challenge: string; expiresAt: number };
  /** Open a session with a signed challenge; throws PolityError AUTH_* when refused. */
  open(subject: string, challenge: string, signatureHex: string, publicKeyHex: string, chainId: string): { token: string; expiresAt: number };
  /** The session of a token, or undefined when unknown, closed or expired. */
  lookup(token: string): Session | undefined;
  /** Close a session; true when there was one. */
  close(token: string): boolean;
  /** Used challenges remembered, and sessions held. */
  readonly sizes: { challenges: number; sessions: number };
}

/** A DID (W3C DID Core §3.1 syntax) or a 64-hex public key. */
const SUBJECT_RE = /^(?:did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+|[0-9a-f]{64})$/;
const SUBJECT_CHARS_MAX = 256;
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
/** A challenge: 6 bytes of expiry (ms) and 10 random bytes, then 16 bytes of HMAC tag; 32 bytes, 43 base64url characters. */
const CHALLENGE_HEAD_BYTES = 16;
const CHALLENGE_TAG_BYTES = 16;
const CHALLENGE_DOMAIN = 'polity-challenge:v1:';

export function isSubject(value: unknown): value is string {
  return typeof value === 'string' && value.length <= SUBJECT_CHARS_MAX && SUBJECT_RE.test(value);
}

const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('base64url');

export function createSessionStore(options: SessionStoreOptions, deps: SessionStoreDeps = {}): SessionStore {
  const { ttlMs, challengeTtlMs, max } = options;
  const perSubjectMax = options.perSubjectMax ?? 16;
  if (!(ttlMs > 0 && challengeTtlMs > 0 && max > 0 && perSubjectMax > 0)) throw new TypeError('expected positive ttlMs, challengeTtlMs, max and perSubjectMax');
  const now = deps.now ?? Date.now;
  const random = deps.randomBytes ?? ((n: number) => nodeRandomBytes(n));

  const secret = Buffer.from(random(32));
  if (secret.length !== 32) throw new Error(`invariant broken: randomBytes returned ${secret.length} bytes, expected 32`);
  /** Used challenges (canonical base64url) -> their expiry, in order of use. */
  const used = new Map<string, number>();
  /** Challenges expiring at or before this are refused: the used set forgot some of them. */
  let usedFloorMs = Number.NEGATIVE_INFINITY;
  /** token hash -> session; insertion order is opening order. */
  const sessions = new Map<string, Session>();
  /** subject -> its token hashes, oldest first. */
  const bySubject = new Map<string, string[]>();

  function random32(): string {
    const bytes = random(32);
    if (bytes.length !== 32) throw new Error(`invariant broken: randomBytes returned ${bytes.length} bytes, expected 32`);
    return Buffer.from(bytes).toString('base64url');
  }

  function challengeTag(subject: string, head: Uint8Array): Buffer {
    return createHmac('sha256', secret).update(CHALLENGE_DOMAIN).update(head).update(subject, 'utf8').digest().subarray(0, CHALLENGE_TAG_BYTES);
  }

  /** The expiry a challenge was issued with for `subject`, or undefined when this store did not issue it for them. */
  function expiryOf(subject: string, challenge: unknown): number | undefined {
    if (typeof challenge !== 'string' || !TOKEN_RE.test(challenge)) return undefined;
    const bytes = Buffer.from(challenge, 'base64url');
    if (bytes.length !== 32 || bytes.toString('base64url') !== challenge) return undefined;
    const head = bytes.subarray(0, CHALLENGE_HEAD_BYTES);
    if (!timingSafeEqual(bytes.subarray(CHALLENGE_HEAD_BYTES), challengeTag(subject, head))) return undefined;
    return head.readUIntBE(0, 6);
  }

  /** Remember a challenge as used until it expires; a full set forgets its earliest and raises the floor. */
  function markUsed(challenge: string, expiresAt: number, t: number): void {
    for (const [c, e] of used) {
      if (e > t && used.size < max) break;
      used.delete(c); // expired, or the earliest used when full
      if (e > t) usedFloorMs = Math.max(usedFloorMs, e);
    }
    used.set(challenge, expiresAt);
  }

  function dropSession(hash: string): void {
    const s = sessions.get(hash);
    if (!s) return;
    sessions.delete(hash);
    const list = bySubject.get(s.subject)!.filter((h) => h !== hash);
    if (list.length === 0) bySubject.delete(s.subject);
    else bySubject.set(s.subject, list);
  }

  function dropExpiredSessions(t: number): void {
    for (const [hash, s] of sessions) if (s.expiresAt <= t) dropSession(hash);
  }

  return {
    challenge(subject) {
      if (!isSubject(subject)) throw authError('AUTH_MALFORMED', 'subject must be a DID or a 64-hex public key');
      const expiresAt = now() + challengeTtlMs;
      const head = Buffer.alloc(CHALLENGE_HEAD_BYTES);
      head.writeUIntBE(expiresAt, 0, 6);
      head.set(random(32).subarray(0, CHALLENGE_HEAD_BYTES - 6), 6);
      return { challenge: Buffer.concat([head, challengeTag(subject, head)]).toString('base64url'), expiresAt };
    },

    open(subject, challenge, signatureHex, publicKeyHex, chainId) {
      if (!isSubject(subject)) throw authError('AUTH_MALFORMED', 'subject must be a DID or a 64-hex public key');
      if (!isHex(publicKeyHex, 32)) throw authError('AUTH_MALFORMED', 'expected a 64-hex public key');
      if (!isHex(signatureHex, 64)) throw authError('AUTH_MALFORMED', 'expected the signature as 128 hex characters');
      const challengeExpiresAt = expiryOf(subject, challenge);
      if (challengeExpiresAt === undefined) throw authError('AUTH_REPLAYED', 'unknown challenge (not issued by this node since it started, or issued for another subject); ask for a new one');
      const t = now();
      if (challengeExpiresAt <= t) throw authError('AUTH_EXPIRED', 'the challenge has expired; ask for a new one');
      if (used.has(challenge)) throw authError('AUTH_REPLAYED', 'the challenge was already used; ask for a new one');
      if (challengeExpiresAt <= usedFloorMs) throw authError('AUTH_EXPIRED', 'the challenge is older than this node can check for reuse under the current load; ask for a new one');
      // Any attempt consumes the challenge: single use, and no second try.
      markUsed(challenge, challengeExpiresAt, t);
      if (/^[0-9a-f]{64}$/.test(subject) && subject !== publicKeyHex) throw authError('AUTH_BAD_SIGNATURE', 'a hex subject must be the public key itself');
      if (!verifyBytes(publicKeyHex, sessionMessage(chainId, subject, challenge), signatureHex)) {
        throw authError('AUTH_BAD_SIGNATURE', 'the challenge signature does not verify with the key of this subject');
      }

      const own = bySubject.get(subject) ?? [];
      for (const hash of own.slice(0, Math.max(0, own.length - perSubjectMax + 1))) dropSession(hash);
      if (sessions.size >= max) dropExpiredSessions(t);
      if (sessions.size >= max) throw authError('RATE_LIMITED', 'the node holds as many sessions as it can; retry later or sign each request');

      const token = random32();
      const hash = tokenHash(token);
      const expiresAt = t + ttlMs;
      sessions.set(hash, { subject, publicKey: publicKeyHex, expiresAt });
      bySubject.set(subject, [...(bySubject.get(subject) ?? []), hash]);
      return { token, expiresAt };
    },

    lookup(token) {
      if (typeof token !== 'string' || !TOKEN_RE.test(token)) return undefined;
      const hash = tokenHash(token);
      const s = sessions.get(hash);
      if (!s) return undefined;
      if (s.expiresAt <= now()) {
        dropSession(hash);
        return undefined;
      }
      return { ...s };
    },

    close(token) {
      if (typeof token !== 'string' || !TOKEN_RE.test(token)) return false;
      const hash = tokenHash(token);
      const had = sessions.has(hash);
      dropSession(hash);
      return had;
    },

    get sizes() {
      return { challenges: used.size, sessions: sessions.size };
    },
  };
}
