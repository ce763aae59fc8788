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
 * - Memory is bounded, and no stranger can fill it for everyone. Any key
 *   can open a session (aggregated anchoring takes any authenticated key,
 *   and whoami answers anyone), so a table that refused new sessions when
 *   full could be filled by free keys: 100,000 sessions from ~6,250 keys
 *   locked every honest user out for the 15 minutes sessions live. The
 *   table is therefore split by *standing*, what the chain knows of the
 *   subject when the session opens (`standingOf`, a dependency: the store
 *   reads no state):
 *   - `member`: the key is an admin or official of an active member
 *     organisation. Only an organisation's admins make such keys, so no
 *     stranger can add one. Members hold `max - sharedMax` slots; when
 *     those are full (after dropping expired ones) a new session is refused
 *     (RATE_LIMITED) rather than closing another member's session: filling
 *     them takes an insider, whose keys are on the chain.
 *   - `registered`: the subject is a DID the chain resolves (did:polity).
 *   - `none`: a hex key or did:key the chain knows nothing of.
 *   `registered` and `none` share the other `sharedMax` slots (a quarter by
 *   default). A full shared pool never refuses: it closes its oldest session
 *   without standing, and only when it holds none, its oldest registered
 *   one. So a flood of free keys cannot lock anyone out, and closes no
 *   registered DID's session (at most one, when the pool held no free
 *   session to close first); it only shortens other free sessions, which
 *   fail closed (AUTH_EXPIRED: open another, or sign each request). A
 *   registered DID is not given reserved slots: `did.create` is open to any
 *   key, so a stranger can register DIDs by the thousand (one transaction
 *   each); it only ranks above a free key. Sessions per subject are capped
 *   too, the subject's oldest closing first. Standing is judged once, at
 *   opening: a member removed later keeps its slot until the session ends
 *   (authenticate.ts still ends it if the key stops being the subject's).
 *
 * Resolving a DID to the key currently valid is the caller's job: `open`
 * takes the public key, and authenticate.ts checks at every use that it is
 * still the subject's key (a rotated or deactivated DID ends its sessions). Time and randomness come in as dependencies so tests
 * can drive them.
 */
import { createHash, createHmac, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import { isHex } from '../crypto/bytes.js';
import { verifyBytes } from '../crypto/ed25519.js';
import { assert } from '../ledger/errors.js';
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
  /**
   * Of `max`, the slots shared by subjects that are no organisation's key
   * (standing `registered` or `none`); the rest are members'. Default a
   * quarter of `max`, at least 1. Must leave members at least one.
   */
  sharedMax?: number;
  /** Sessions one subject may hold at once; default 16. */
  perSubjectMax?: number;
}

/**
 * What the chain knows of a subject opening a session: `member`, its key is
 * an admin or official of an active organisation; `registered`, it is a DID
 * the chain resolves; `none`, neither (a free key).
 */
export type SessionStanding = 'member' | 'registered' | 'none';

export interface SessionStoreDeps {
  now?: () => number;
  randomBytes?: (length: number) => Uint8Array;
  /** The standing of a subject whose signature has just verified with `publicKey`; default `none` for all. */
  standingOf?: (subject: string, publicKey: string) => SessionStanding;
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
  /** Used challenges remembered, sessions held, and of them those in the members' and the shared pools. */
  readonly sizes: { challenges: number; sessions: number; members: number; shared: number };
}

/** A session as held: with the standing it was opened with, which names its pool. */
interface Held extends Session {
  standing: SessionStanding;
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
  const sharedMax = options.sharedMax ?? Math.max(1, Math.floor(max / 4));
  const membersMax = max - sharedMax;
  if (!(ttlMs > 0 && challengeTtlMs > 0 && max > 0 && perSubjectMax > 0)) throw new TypeError('expected positive ttlMs, challengeTtlMs, max and perSubjectMax');
  if (!(Number.isSafeInteger(sharedMax) && sharedMax > 0 && membersMax > 0)) throw new TypeError(`expected sharedMax from 1 to max - 1 (${max - 1}), got ${sharedMax}`);
  const now = deps.now ?? Date.now;
  const standingOf = deps.standingOf ?? (() => 'none' as const);
  const random = deps.randomBytes ?? ((n: number) => nodeRandomBytes(n));

  const secret = Buffer.from(random(32));
  if (secret.length !== 32) throw new Error(`invariant broken: randomBytes returned ${secret.length} bytes, expected 32`);
  /** Used challenges (canonical base64url) -> their expiry, in order of use. */
  const used = new Map<string, number>();
  /** Challenges expiring at or before this are refused: the used set forgot some of them. */
  let usedFloorMs = Number.NEGATIVE_INFINITY;
  /** token hash -> session; insertion order is opening order. */
  const sessions = new Map<string, Held>();
  /** subject -> its token hashes, oldest first. */
  const bySubject = new Map<string, string[]>();
  /** The token hashes of each standing, oldest first (one ttl for all: also soonest expiring first). */
  const byStanding: Record<SessionStanding, Set<string>> = { member: new Set(), registered: new Set(), none: new Set() };
  const sharedSize = (): number => byStanding.registered.size + byStanding.none.size;

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
    byStanding[s.standing].delete(hash);
    const list = bySubject.get(s.subject)!.filter((h) => h !== hash);
    if (list.length === 0) bySubject.delete(s.subject);
    else bySubject.set(s.subject, list);
  }

  /** Drop the expired sessions at the head of a pool (they expire in the order they opened). */
  function dropExpired(pool: Set<string>, t: number): void {
    for (const hash of pool) {
      if (sessions.get(hash)!.expiresAt > t) break;
      dropSession(hash);
    }
  }

  /** Make room for one more session of `standing`, or throw RATE_LIMITED (members' pool full). */
  function makeRoom(standing: SessionStanding, t: number): void {
    if (standing === 'member') {
      if (byStanding.member.size >= membersMax) dropExpired(byStanding.member, t);
      if (byStanding.member.size >= membersMax) throw authError('RATE_LIMITED', "the node holds as many sessions of organisations' keys as it can; retry later or sign each request");
      return;
    }
    if (sharedSize() < sharedMax) return;
    dropExpired(byStanding.none, t);
    dropExpired(byStanding.registered, t);
    if (sharedSize() < sharedMax) return;
    // Full: the oldest session without standing goes first; a registered DID's only when there is none.
    const pool = byStanding.none.size > 0 ? byStanding.none : byStanding.registered;
    dropSession(pool.values().next().value!);
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

      const standing = standingOf(subject, publicKeyHex);
      const own = bySubject.get(subject) ?? [];
      for (const hash of own.slice(0, Math.max(0, own.length - perSubjectMax + 1))) dropSession(hash);
      makeRoom(standing, t);

      const token = random32();
      const hash = tokenHash(token);
      const expiresAt = t + ttlMs;
      sessions.set(hash, { subject, publicKey: publicKeyHex, expiresAt, standing });
      bySubject.set(subject, [...(bySubject.get(subject) ?? []), hash]);
      byStanding[standing].add(hash);
      assert(sessions.size <= max && byStanding.member.size <= membersMax && sharedSize() <= sharedMax, 'session pools over their bounds');
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
      return { subject: s.subject, publicKey: s.publicKey, expiresAt: s.expiresAt };
    },

    close(token) {
      if (typeof token !== 'string' || !TOKEN_RE.test(token)) return false;
      const hash = tokenHash(token);
      const had = sessions.has(hash);
      dropSession(hash);
      return had;
    },

    get sizes() {
      return { challenges: used.size, sessions: sessions.size, members: byStanding.member.size, shared: sharedSize() };
    },
  };
}
