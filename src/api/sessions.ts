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
 *   issued for: any attempt to open a session consumes it, so it can be
 *   neither replayed nor tried twice.
 * - Tokens are 32 random bytes; the store keeps only their SHA-256, so a
 *   memory dump or a log of the store's keys yields nothing that
 *   authenticates. Hashing without a salt is enough: the input is 256 random
 *   bits, there is nothing to guess.
 * - Memory is bounded. A full challenge table drops its oldest challenge
 *   (anyone may ask for challenges, and a dropped challenge only fails closed:
 *   the client asks again). Sessions per subject are capped, the subject's
 *   oldest closing first, so one key cannot crowd out the others; a full
 *   session table first drops expired sessions, then refuses new ones
 *   (RATE_LIMITED) rather than closing other people's sessions.
 *
 * Resolving a DID to the key currently valid is the caller's job: `open`
 * takes the public key. Time and randomness come in as dependencies so tests
 * can drive them.
 */
import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
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
  /** Sessions held at most; challenges held at most, too. */
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
  readonly sizes: { challenges: number; sessions: number };
}

/** A DID (W3C DID Core §3.1 syntax) or a 64-hex public key. */
const SUBJECT_RE = /^(?:did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+|[0-9a-f]{64})$/;
const SUBJECT_CHARS_MAX = 256;
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

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

  const challenges = new Map<string, { subject: string; expiresAt: number }>();
  /** token hash -> session; insertion order is opening order. */
  const sessions = new Map<string, Session>();
  /** subject -> its token hashes, oldest first. */
  const bySubject = new Map<string, string[]>();

  function random32(): string {
    const bytes = random(32);
    if (bytes.length !== 32) throw new Error(`invariant broken: randomBytes returned ${bytes.length} bytes, expected 32`);
    return Buffer.from(bytes).toString('base64url');
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
      const t = now();
      for (const [c, entry] of challenges) {
        if (entry.expiresAt > t && challenges.size < max) break;
        challenges.delete(c); // expired, or the oldest when full
      }
      const challenge = random32();
      const expiresAt = t + challengeTtlMs;
      challenges.set(challenge, { subject, expiresAt });
      return { challenge, expiresAt };
    },

    open(subject, challenge, signatureHex, publicKeyHex, chainId) {
      if (!isSubject(subject)) throw authError('AUTH_MALFORMED', 'subject must be a DID or a 64-hex public key');
      if (!isHex(publicKeyHex, 32)) throw authError('AUTH_MALFORMED', 'expected a 64-hex public key');
      if (!isHex(signatureHex, 64)) throw authError('AUTH_MALFORMED', 'expected the signature as 128 hex characters');
      const entry = typeof challenge === 'string' ? challenges.get(challenge) : undefined;
      // Any attempt consumes the challenge: single use, and no second try.
      if (entry) challenges.delete(challenge);
      const t = now();
      if (!entry) throw authError('AUTH_REPLAYED', 'unknown or already used challenge; ask for a new one');
      if (entry.expiresAt <= t) throw authError('AUTH_EXPIRED', 'the challenge has expired; ask for a new one');
      if (entry.subject !== subject) throw authError('AUTH_BAD_SIGNATURE', 'the challenge was issued for another subject');
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
      return { challenges: challenges.size, sessions: sessions.size };
    },
  };
}
