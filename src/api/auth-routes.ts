/**
 * Sessions by challenge-response (spec/api-auth.md §5), and "who am I".
 *
 *   POST   /v1/auth/challenge {subject}                      -> {challenge, expiresAt}
 *   POST   /v1/auth/session   {subject, challenge, signature} -> {token, expiresAt}
 *   DELETE /v1/auth/session   (Authorization: Bearer <token>)
 *   GET    /v1/auth/whoami    (signed or with a session)     -> the principal and its roles
 *   GET    /v1/mempool        (an auditor or admin of a member organisation) -> waiting transactions
 *
 * The subject is a 64-hex public key, a `did:key`, or a `did:polity` DID whose
 * current key (on this chain) signs the challenge. A session is a bearer
 * token for reads and writes that need a principal; transactions still carry
 * their own signatures.
 */
import { Type } from '@sinclair/typebox';
import type { PolityNode } from '../node/node.js';
import { callerOf } from '../runtime/membership.js';
import { errorResponses } from '../schemas/common.js';
import * as S from '../schemas/api.js';
import { authError } from './http-signatures.js';
import { authenticate, requirePrincipal, type AuthenticateDeps } from './authenticate.js';
import { isSubject, type SessionStanding } from './sessions.js';
import type { Json } from '../crypto/canonical-json.js';
import { SIGNED_OR_SESSION, type TypedApp } from './route.js';

/**
 * The standing of a subject opening a session (sessions.ts), from committed
 * state: `member` when its key is an admin or official of an active
 * organisation; `registered` when the subject is a DID other than did:key
 * (a session opens only once the subject resolved to a key, and such a DID
 * resolves only from the chain's state, through a service's resolveDidKey);
 * `none` otherwise. Node keys are not members here: they sign blocks and
 * votes, not API requests. Called after the signature verified: a refused
 * attempt costs no state read.
 */
export function sessionStandingOf(get: (key: string) => Json | undefined): (subject: string, publicKey: string) => SessionStanding {
  return (subject, publicKey) => {
    if (callerOf(get, publicKey).org !== undefined) return 'member';
    return subject.startsWith('did:') && !subject.startsWith('did:key:') ? 'registered' : 'none';
  };
}

/** Transactions GET /v1/mempool lists when no limit is given. */
const MEMPOOL_LIST_DEFAULT = 100;

export function registerAuthRoutes(app: TypedApp, node: PolityNode, auth: AuthenticateDeps): void {
  const subjectOf = (value: unknown): string => {
    if (!isSubject(value)) throw authError('AUTH_MALFORMED', 'subject: expected a 64-hex public key or a DID');
    return value;
  };

  app.post(
    '/v1/auth/challenge',
    {
      schema: {
        operationId: 'authChallenge',
        tags: ['auth'],
        summary: 'A single-use challenge for a subject to sign (opens a session with POST /v1/auth/session).',
        body: S.ChallengeRequest,
        response: { 200: S.Challenge, ...errorResponses(401, 429) },
      },
    },
    async (request) => auth.sessions.challenge(subjectOf(request.body.subject)),
  );

  app.post(
    '/v1/auth/session',
    {
      schema: {
        operationId: 'openSession',
        tags: ['auth'],
        summary: 'Open a session: the subject’s current key signs "polity-session:v1:<chainId>:<subject>:<challenge>".',
        body: S.SessionRequest,
        response: { 200: S.Session, ...errorResponses(401, 429) },
      },
    },
    async (request) => {
      const { subject, challenge, signature } = request.body;
      const publicKey = await auth.resolveKey(subjectOf(subject));
      if (!publicKey) throw authError('AUTH_UNKNOWN_KEY', 'no current key is known for this subject');
      return auth.sessions.open(subject, challenge, signature, publicKey, node.chainId);
    },
  );

  app.delete(
    '/v1/auth/session',
    {
      schema: {
        operationId: 'closeSession',
        tags: ['auth'],
        summary: 'Close the session whose token authorises this request.',
        security: [{ session: [] }],
        response: { 204: Type.Null({ description: 'closed' }), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const principal = await authenticate(request, auth);
      const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (!principal || principal.via !== 'session' || !token) throw authError('AUTH_REQUIRED', 'send the session token to close as "Authorization: Bearer <token>"');
      auth.sessions.close(token);
      return reply.code(204).send(null);
    },
  );

  // Not public: transactions waiting for a block are not yet part of the record (a sealed bid,
  // a document's metadata before it is anchored). Auditors and admins of member organisations may
  // read the queue to operate the network; anyone else is refused, authenticated or not.
  app.get(
    '/v1/mempool',
    {
      schema: {
        operationId: 'listMempool',
        tags: ['node'],
        summary: 'Transactions waiting for a block (not public: an auditor or admin of a member organisation, signed request or session).',
        querystring: S.MempoolQuery,
        security: [...SIGNED_OR_SESSION],
        response: { 200: S.Mempool, ...errorResponses(401, 403, 503) },
      },
      // Up to 1,000 transactions of up to 16 KiB each.
      config: { cost: 'heavyRead' },
    },
    async (request) => {
      const principal = await requirePrincipal(request, auth);
      const caller = callerOf((key) => node.getState(key), principal.publicKey);
      if (!caller.admin && !caller.roles.includes('auditor')) throw authError('AUTH_FORBIDDEN', 'the waiting transactions are shown to auditors and admins of member organisations only');
      const { limit = MEMPOOL_LIST_DEFAULT } = request.query;
      return { height: node.height, size: node.status().mempoolTxs, txs: node.pendingTxs(limit) };
    },
  );

  app.get(
    '/v1/auth/whoami',
    {
      schema: {
        operationId: 'whoami',
        tags: ['auth'],
        summary: 'The principal of a signed request or session, with its organisation and roles on this chain.',
        security: [...SIGNED_OR_SESSION],
        response: { 200: S.Whoami, ...errorResponses(401) },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(request, auth);
      const caller = callerOf((key) => node.getState(key), principal.publicKey);
      return { ...principal, ...caller, roles: [...caller.roles] };
    },
  );
}
