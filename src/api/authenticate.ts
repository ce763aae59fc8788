/**
 * Who sent this request? The glue between Fastify and the two ways a client
 * proves it holds a key (spec/api-auth.md): an RFC 9421 signature on the
 * request (http-signatures.ts), or a session token from a challenge-response
 * (sessions.ts).
 *
 * `authenticate` answers a Principal, undefined when the request carries no
 * credentials at all (a public read), or throws a PolityError with an AUTH_*
 * code when it carries credentials that do not hold: a bad credential is
 * never silently treated as none, so a client learns why it was refused.
 * Whether a principal may do what it asks is authorisation, a separate
 * question (AUTH_FORBIDDEN, decided by the route and the chain's state).
 *
 * Call it once the body is parsed (a `preHandler` hook, or the handler): the
 * Content-Digest check needs the body's bytes exactly as received, which
 * `registerRawBody` keeps on `request.rawBody`. Fastify otherwise hands out
 * only the parsed JSON, and re-serialising it would not give the bytes back.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assert } from '../ledger/errors.js';
import { authError, verifyRequest, type ReplayGuard } from './http-signatures.js';
import type { SessionStore } from './sessions.js';
import { decodeDidKey } from '../crypto/multikey.js';
import { normaliseOrigin } from './origin.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received; set by registerRawBody for JSON bodies. */
    rawBody: Buffer | null;
  }
}

export interface Principal {
  /** The Ed25519 public key, 64 hex, that proved itself. */
  publicKey: string;
  /** The keyid of the signature, or the subject of the session. */
  keyId: string;
  via: 'signature' | 'session';
  /** Set when keyId is a DID. */
  did?: string;
}

export interface AuthenticateDeps {
  /** The public key currently valid for a keyid (see createKeyIdResolver). */
  resolveKey(keyId: string): Promise<string | undefined>;
  sessions: SessionStore;
  replay: ReplayGuard;
  /** ms since the epoch. */
  now(): number;
  /**
   * The node's own origins (scheme://authority, origin.ts), the first the
   * canonical one: a signature's @target-uri must name one of them. Never
   * the Host header alone: a client chooses that, so a request signed for
   * another node could be relayed here with that node's Host. Empty: the
   * node does not know its origin, and signed requests are refused.
   */
  origins(): readonly string[];
  maxAgeSeconds?: number;
  clockSkewSeconds?: number;
  requiredComponents?: readonly string[];
}

const BEARER_RE = /^Bearer ([A-Za-z0-9_-]{43})$/i;

/**
 * The principal of a request, undefined when it carries no credentials, or
 * a thrown PolityError (AUTH_*, or RATE_LIMITED when the replay guard is full).
 */
export async function authenticate(request: FastifyRequest, deps: AuthenticateDeps): Promise<Principal | undefined> {
  const headers = request.headers;
  const authorization = headers.authorization;
  const signed = headers['signature-input'] !== undefined || headers.signature !== undefined;
  if (authorization === undefined && !signed) return undefined;
  if (authorization !== undefined && signed) throw authError('AUTH_MALFORMED', 'send either a session token or a request signature, not both');

  if (authorization !== undefined) {
    const m = BEARER_RE.exec(authorization);
    if (!m) throw authError('AUTH_MALFORMED', 'expected "Authorization: Bearer <token>" with a 43-character session token');
    const session = deps.sessions.lookup(m[1]!);
    if (!session) throw authError('AUTH_EXPIRED', 'the session token is unknown, closed or expired; open a new session');
    // A session proves the key it was opened with, so it lasts only while that key is the
    // subject's: a rotated or deactivated DID ends it at once, as it ends signed requests.
    // One state read per request (the resolver signed requests use), no signature.
    if ((await deps.resolveKey(session.subject)) !== session.publicKey) {
      deps.sessions.close(m[1]!);
      throw authError('AUTH_EXPIRED', "the session ended: the key it was opened with is no longer the subject's key (rotated or deactivated); open a new session with the current key");
    }
    return { publicKey: session.publicKey, keyId: session.subject, via: 'session', ...didOf(session.subject) };
  }

  // A parsed body without its raw bytes means registerRawBody was not called: a wiring bug.
  assert(request.body === undefined || request.body === null || request.rawBody, 'authenticate needs registerRawBody(app) to check Content-Digest');
  const origins = deps.origins();
  if (origins.length === 0) {
    throw authError('AUTH_WRONG_ORIGIN', 'this node knows no public origin to check @target-uri against (it listens on every address and has no public URL); its operator sets one with polity start --public-url');
  }
  // The Host header only picks among the node's own origins (localhost or 127.0.0.1, say); when it
  // names another, the canonical one is used, and the Host's is tried only to explain a refusal.
  const addressed = typeof request.host === 'string' && request.host.length > 0 ? normaliseOrigin(request.protocol, request.host) : undefined;
  const origin = origins.find((o) => o === addressed) ?? origins[0]!;
  const result = await verifyRequest(
    { method: request.method, url: origin + request.url, headers, ...(request.rawBody ? { body: request.rawBody } : {}) },
    {
      ...(addressed !== undefined && addressed !== origin ? { addressedUrl: addressed + request.url } : {}),
      resolveKey: deps.resolveKey,
      now: deps.now(),
      replay: deps.replay,
      ...(deps.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: deps.maxAgeSeconds }),
      ...(deps.clockSkewSeconds === undefined ? {} : { clockSkewSeconds: deps.clockSkewSeconds }),
      ...(deps.requiredComponents === undefined ? {} : { requiredComponents: deps.requiredComponents }),
    },
  );
  if (!result.ok) throw authError(result.code, result.message);
  return { publicKey: result.publicKey, keyId: result.keyId, via: 'signature', ...didOf(result.keyId) };
}

/** authenticate, but a request without credentials is refused with AUTH_REQUIRED. */
export async function requirePrincipal(request: FastifyRequest, deps: AuthenticateDeps): Promise<Principal> {
  const principal = await authenticate(request, deps);
  if (!principal) throw authError('AUTH_REQUIRED', 'this route needs a signed request (RFC 9421) or a session token; see spec/api-auth.md');
  return principal;
}

function didOf(id: string): { did?: string } {
  return id.startsWith('did:') ? { did: id } : {};
}

/**
 * Keep the raw bytes of JSON bodies on `request.rawBody`, parsing them with
 * Fastify's own JSON parser (same prototype-poisoning protection, same
 * empty/invalid-body errors). Replaces the application/json parser: call it
 * once on the instance, before routes are registered.
 */
export function registerRawBody(app: FastifyInstance): void {
  if (!app.hasRequestDecorator('rawBody')) app.decorateRequest('rawBody', null);
  const parseJson = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    request.rawBody = bytes;
    parseJson(request, bytes.toString('utf8'), done);
  });
}

// --- keyid forms -----------------------------------------------------------------------------

const HEX_KEY_RE = /^[0-9a-f]{64}$/;

/**
 * A resolver for the keyid forms of spec/api-auth.md §3: a 64-hex public key
 * stands for itself, `did:key:` carries its key (W3C did:key, Ed25519), and
 * any other DID (`did:polity:…`) is asked of `resolveDid`, which answers the
 * key currently valid on the chain. Malformed keyids resolve to nothing.
 */
export function createKeyIdResolver(resolveDid?: (did: string) => Promise<string | undefined>): (keyId: string) => Promise<string | undefined> {
  return async (keyId) => {
    if (HEX_KEY_RE.test(keyId)) return keyId;
    if (keyId.startsWith('did:key:')) return publicKeyOfDidKey(keyId);
    if (keyId.startsWith('did:') && resolveDid) return resolveDid(keyId);
    return undefined;
  };
}

/** Longest did:key accepted as a keyid (an Ed25519 did:key has 56 characters). */
const DID_KEY_LENGTH_MAX = 256;

/** The Ed25519 key of a `did:key:z…` (multibase base58btc, multicodec 0xed 0x01), or undefined (did-method.md, one codec for the node). */
export function publicKeyOfDidKey(did: string): string | undefined {
  try {
    return did.length > DID_KEY_LENGTH_MAX ? undefined : decodeDidKey(did);
  } catch {
    return undefined;
  }
}
