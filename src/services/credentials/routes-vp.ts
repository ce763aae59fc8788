/**
 * The presentation routes (spec/services/credentials.md §11): OpenID4VP 1.0
 * for verifying organisations, and the holder's usage log
 * (spec/services/credentials-usage-log.md).
 *
 * A verifying official signs a request object (oid4vp.ts) and files it
 * (`POST /v1/credentials/requests`, a signed request or a session); the
 * node serves it by reference at the request_uri, takes the wallet's
 * `direct_post` response at `/v1/credentials/responses`, checks the
 * presentation for the official's client_id and the request's nonce, queues
 * the usage-log entry sealed to the holder (host.ts signs it into a block),
 * and keeps the outcome for the official to read. Requests live in memory:
 * bounded, short-lived and answered once (verifier-requests.ts).
 *
 * The wallet's routes (request object, response) are public: the holder's
 * wallet is not a Polity principal. The official's (file, read) need the
 * official's key.
 */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import type { FastifyRequest } from 'fastify';
import type { RouteContext, TypedApp } from '../../api/route.js';
import { SIGNED_OR_SESSION } from '../../api/route.js';
import { requirePrincipal } from '../../api/authenticate.js';
import { PolityError } from '../../ledger/errors.js';
import { errorResponses } from '../../schemas/common.js';
import { callerOf, getOrg } from '../../runtime/membership.js';
import { CREDENTIALS_MODULE, usageKey, type UsageRecord } from './module.js';
import { readDirectPost, readRequestObject, requestLink } from './oid4vp.js';
import { createRequestStore, type RequestOutcome, type VerifierRequest } from './verifier-requests.js';
import { sealUsageEntry, type UsageEntry } from './usage-log.js';
import { checkPresentation } from './vp-check.js';
import type { CredentialsHostApi } from './host.js';
import { DirectPostAnswer, DirectPostBody, FiledRequest, FileRequestBody, RequestObjectText, RequestParams, RequestResult, UsageQuery, UsageView } from './schemas-vp.js';

const TAG = 'credentials';
export const RESPONSES_PATH = '/v1/credentials/responses';
const FORM = 'application/x-www-form-urlencoded';
/** Most form fields in a direct_post body (vp_token, state, polity_usage, and a few a wallet may add). */
const FORM_FIELDS_MAX = 16;

function parseForm(body: string): Record<string, string> {
  const params = new URLSearchParams(body);
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of params) {
    if (++n > FORM_FIELDS_MAX) throw new PolityError('CREDENTIALS_INVALID', `at most ${FORM_FIELDS_MAX} form fields`);
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[k] = v;
  }
  return out;
}

export function registerPresentationRoutes(app: TypedApp, { node, get, auth, host }: RouteContext<CredentialsHostApi | undefined>): void {
  const store = createRequestStore();
  const originOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;

  /** The principal must be an official (or admin) of an active organisation with the credentials permission. */
  async function official(request: FastifyRequest): Promise<{ key: string; org: string }> {
    const p = await requirePrincipal(request, auth);
    const caller = callerOf(get, p.publicKey);
    const o = caller.org === undefined ? undefined : getOrg(get, caller.org);
    if (!o || !o.permissions.includes(CREDENTIALS_MODULE)) throw new PolityError('CREDENTIALS_NOT_VERIFIER', 'only an official of an active member organisation with the credentials permission asks for presentations');
    return { key: p.publicKey, org: o.id };
  }

  app.get(
    '/v1/credentials/usage',
    {
      schema: {
        operationId: 'getUsageEntries',
        tags: [TAG],
        summary: "Usage-log entries by tag (up to 64): each sealed to the holder, with the verifying organisation and time. A holder recomputes its tags and opens its entries; nobody else can.",
        querystring: UsageQuery,
        response: { 200: UsageView, ...errorResponses() },
      },
    },
    async (request) => {
      const tags = [...new Set(request.query.tags.split(','))];
      const entries = tags.map((t) => get(usageKey(t)) as unknown as UsageRecord | undefined).filter((r): r is UsageRecord => r !== undefined);
      return { height: node.height, entries };
    },
  );

  app.post(
    '/v1/credentials/requests',
    {
      schema: {
        operationId: 'fileVerifierRequest',
        tags: [TAG],
        summary: 'A verifying official files an OpenID4VP request it signed (which credential type and claims, by DCQL, and the purpose); the node serves it by reference and answers with the openid4vp:// link and its QR code.',
        security: [...SIGNED_OR_SESSION],
        body: FileRequestBody,
        response: { 201: FiledRequest, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const me = await official(request);
      const nowMs = Date.now();
      const read = readRequestObject(request.body.request, Math.floor(nowMs / 1000));
      if (typeof read === 'string') throw new PolityError('CREDENTIALS_REQUEST_INVALID', read);
      if (read.ask.purpose.length === 0) throw new PolityError('CREDENTIALS_REQUEST_INVALID', 'polity_purpose: say why you ask (1 to 128 characters); the holder is shown it');
      if (read.publicKey !== me.key) throw new PolityError('CREDENTIALS_REQUEST_INVALID', "the request object must be signed by the official's own key (its client_id)");
      const origins = [...auth.origins(), originOf(request)];
      if (!origins.some((o) => read.payload.response_uri === o + RESPONSES_PATH)) throw new PolityError('CREDENTIALS_REQUEST_INVALID', `response_uri must be this node's ${RESPONSES_PATH}`);
      const id = randomBytes(16).toString('hex');
      const origin = read.payload.response_uri.slice(0, -RESPONSES_PATH.length);
      const r: VerifierRequest = {
        id,
        state: read.payload.state,
        nonce: read.payload.nonce,
        clientId: read.payload.client_id,
        official: me.key,
        org: me.org,
        ask: read.ask,
        requestObject: request.body.request,
        createdMs: nowMs,
        expiresMs: read.payload.exp * 1000,
      };
      const refused = store.add(r, nowMs);
      if (refused) throw new PolityError(refused.includes('used already') ? 'CREDENTIALS_REQUEST_INVALID' : 'CREDENTIALS_REQUEST_LIMIT', refused);
      const requestUri = `${origin}/v1/credentials/requests/${id}/object`;
      const link = requestLink(r.clientId, requestUri);
      const qr = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return reply.status(201).send({ id, clientId: r.clientId, requestUri, link, qr, ask: r.ask, expiresAt: r.expiresMs });
    },
  );

  app.get(
    '/v1/credentials/requests/:id/object',
    {
      schema: {
        operationId: 'getVerifierRequestObject',
        tags: [TAG],
        summary: "The request object a wallet fetches from the link's request_uri (application/oauth-authz-req+jwt), while the request is open.",
        params: RequestParams,
        response: { 200: RequestObjectText, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const r = store.get(request.params.id, Date.now());
      if (!r || r.outcome || Date.now() >= r.expiresMs) throw new PolityError('CREDENTIALS_REQUEST_UNKNOWN', 'no open request with this id (answered, expired or never filed)');
      return reply.header('content-type', 'application/oauth-authz-req+jwt').header('cache-control', 'no-store').send(r.requestObject);
    },
  );

  app.get(
    '/v1/credentials/requests/:id',
    {
      schema: {
        operationId: 'getVerifierRequest',
        tags: [TAG],
        summary: "A request's state and, once answered, the outcome (what the presentation proved, or why it was refused), for the officials of the organisation that asked.",
        security: [...SIGNED_OR_SESSION],
        params: RequestParams,
        response: { 200: RequestResult, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const me = await official(request);
      const nowMs = Date.now();
      const r = store.get(request.params.id, nowMs);
      // Another organisation's request is as unknown as a missing one: ids say nothing.
      if (!r || r.org !== me.org) throw new PolityError('CREDENTIALS_REQUEST_UNKNOWN', 'no request with this id for your organisation (or its outcome is no longer kept)');
      return { id: r.id, status: store.statusOf(r, nowMs), ask: r.ask, expiresAt: r.expiresMs, ...(r.outcome ? { outcome: r.outcome } : {}) };
    },
  );

  // The wallet's direct_post response: a form body, in a scope of its own so the rest of the API stays JSON only.
  void app.register(async (scope) => {
    if (!scope.hasContentTypeParser(FORM)) {
      scope.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
        try {
          done(null, parseForm(body as string));
        } catch (e) {
          done(e as Error, undefined);
        }
      });
    }
    scope.post(
      RESPONSES_PATH,
      {
        schema: {
          operationId: 'postPresentationResponse',
          tags: [TAG],
          summary: "A wallet's OpenID4VP response (response_mode direct_post, form-encoded): vp_token, state, and optionally the holder's usage-log ticket. Checked once; the outcome goes to the official.",
          consumes: [FORM],
          body: DirectPostBody,
          response: { 200: DirectPostAnswer, ...errorResponses(400, 403, 409, 422) },
        },
        bodyLimit: 256 * 1024,
      },
      async (request) => {
        const read = readDirectPost(request.body as Record<string, unknown>);
        if (typeof read === 'string') throw new PolityError('CREDENTIALS_PRESENTATION_MALFORMED', read);
        const nowMs = Date.now();
        const taken = store.take(read.state, nowMs);
        if (!('request' in taken) || 'why' in taken) {
          const why = 'why' in taken ? taken.why : 'unknown';
          throw new PolityError('CREDENTIALS_PRESENTATION_REPLAYED', why === 'answered' ? 'this request was answered already: a response is taken once' : why === 'expired' ? 'the request expired' : 'no open request has this state');
        }
        const r = taken.request;
        const outcome = answer(r, read.presentation, read.ticket, nowMs);
        store.settle(r.id, outcome);
        if (!outcome.verified) throw new PolityError(outcome.code as 'CREDENTIALS_INVALID', outcome.message!);
        return {};
      },
    );
  });

  /** Check a presentation against its request, and queue the usage-log entry when it holds. */
  function answer(r: VerifierRequest, presentation: string, ticket: { tag: string; key: string } | undefined, nowMs: number): RequestOutcome {
    // The state is read once, synchronously, at this height: the outcome names it.
    const height = node.height;
    const v = checkPresentation(get, presentation, { audience: r.clientId, nonce: r.nonce, nowMs });
    if (!v.verified) {
      // Refused for its status or validity (revoked, suspended, expired): the holder showed it all the same, so the use is logged, marked refused.
      const logged = v.credentialHash !== undefined && v.credentialType === r.ask.credentialType ? queueUse(r, v.credentialHash, v.credentialType, ticket, nowMs, v.code) : false;
      return { verified: false, code: v.code!, message: v.message!, usageLogged: logged, ...(logged && ticket ? { usageTag: ticket.tag } : {}), height, answeredMs: nowMs };
    }
    if (v.credentialType !== r.ask.credentialType) return { verified: false, code: 'CREDENTIALS_REQUEST_UNMET', message: `the request asks for a ${r.ask.credentialType}, the presentation shows a ${v.credentialType}`, usageLogged: false, height, answeredMs: nowMs };
    const missing = r.ask.claims.filter((c) => !(c in (v.claims ?? {})));
    if (missing.length > 0) return { verified: false, code: 'CREDENTIALS_REQUEST_UNMET', message: `the presentation does not disclose ${missing.join(', ')}`, usageLogged: false, height, answeredMs: nowMs };
    // Only what was asked reaches the official.
    const claims = Object.fromEntries(r.ask.claims.map((c) => [c, v.claims![c]]));
    const usageLogged = queueUse(r, v.credentialHash!, v.credentialType!, ticket, nowMs);
    return {
      verified: true,
      credentialType: v.credentialType!,
      ...(v.issuer ? { issuer: v.issuer } : {}),
      claims,
      ...(v.holder ? { holder: v.holder } : {}),
      usageLogged,
      ...(usageLogged && ticket ? { usageTag: ticket.tag } : {}),
      height,
      answeredMs: nowMs,
    };
  }

  /** Seal the holder's usage-log entry to its ticket and queue it for the chain; whether it was queued. */
  function queueUse(r: VerifierRequest, credential: string, credentialType: string, ticket: { tag: string; key: string } | undefined, nowMs: number, refused?: string): boolean {
    if (!ticket || !host) return false;
    const entry: UsageEntry = { v: 1, org: r.org, verifier: r.clientId, credential, credentialType, purpose: r.ask.purpose, claims: r.ask.claims, time: nowMs, ...(refused ? { refused } : {}) };
    try {
      const sealed = sealUsageEntry(entry, ticket, { ephemeralSecret: randomBytes(32), iv: randomBytes(12) });
      return !host.useRecorded(ticket.tag) && host.queueUse({ tag: ticket.tag, sealed });
    } catch {
      return false; // a ticket whose key is not a usable X25519 key: the holder's loss, said in the outcome
    }
  }
}
