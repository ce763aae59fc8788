/**
 * The credentials routes (spec/services/credentials.md): the registry of
 * types and accredited issuers, issuance records by hash, the status slot an
 * issuer's tool needs before it signs, the Bitstring Status List credentials
 * (GZIP, then multibase base64url, as the spec says), and verification —
 * Polity's own answer with every check, and the W3C VC API's
 * `POST /credentials/verify` — and of presentations (§4a): the verifier's
 * single-use nonces, held in this node's memory, Polity's answer and the VC
 * API's `POST /presentations/verify`. The issuing desk's routes (the VC
 * API's `POST /credentials/issue` and `/credentials/status`, with an issuing
 * official's key held by the node) are in routes-desk.ts; OpenID4VP and the
 * usage log in routes-vp.ts.
 *
 * All reads are public: the registry is what every verifier must audit, and
 * a record says nothing about the holder or the claims. Verification is
 * computed from the committed state at the head; expiry is judged by this
 * node's clock.
 */
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import type { ServiceRoutes } from '../../api/route.js';
import { PolityError } from '../../ledger/errors.js';
import { errorResponses } from '../../schemas/common.js';
import { xmlDateTime } from '../did/method.js';
import { claimsProblem } from './claims.js';
import { statusListPath, VC_CONTEXT_V2 } from './credential.js';
import { findSlot } from './issuer.js';
import { SD_JWT_CHARS_MAX } from './sd-jwt.js';
import { createNonceStore, NONCE_BYTES, NONCE_TTL_MS } from './nonce-store.js';
import { PRESENTATION_CHARS_MAX, verifyPresentation } from './presentation.js';
import { getRecord } from './module.js';
import { listExists, listTypes, statusBits, typeDetail } from './queries.js';
import {
  RecordParams,
  RecordView,
  SlotParams,
  SlotQuery,
  SlotView,
  StatusListCredential,
  StatusListParams,
  TypeDetail,
  TypeList,
  TypeParams,
  VcApiVerifyBody,
  VcApiVerifyResult,
  VerificationView,
  VerifyBody,
  NonceView,
  PresentationVerifyBody,
  PresentationView,
  VcApiPresentationBody,
} from './schemas.js';
import { verifyCredential } from './verify.js';
import { getOrg } from '../../runtime/membership.js';
import { registerPresentationRoutes } from './routes-vp.js';
import type { CredentialsHostApi } from './host.js';
import { createDeskHandle, registerDeskRoutes } from './routes-desk.js';
import { registerVciRoutes } from './routes-vci.js';

const TAG = 'credentials';

export const credentialsRoutes: ServiceRoutes<CredentialsHostApi | undefined> = (app, ctx) => {
  const { node, get } = ctx;
  const head = () => ({ height: node.height, txIndex: Number.MAX_SAFE_INTEGER });
  const verify = (credential: unknown) => ({ ...verifyCredential(get, credential, { nowMs: Date.now(), claimsProblem, ...(typeof credential === 'string' ? {} : { bytes: JSON.stringify(credential).length }) }), height: node.height });

  app.get('/v1/credentials/types', { schema: { operationId: 'listCredentialTypes', tags: [TAG], summary: 'Credential types: name, title and the JSON Schema of their claims.', response: { 200: TypeList, ...errorResponses() } } }, async () => ({
    height: node.height,
    types: listTypes(get),
  }));

  app.get(
    '/v1/credentials/types/:name',
    { schema: { operationId: 'getCredentialType', tags: [TAG], summary: 'One credential type with every accreditation (accreditors and issuers, past and present).', params: TypeParams, response: { 200: TypeDetail, ...errorResponses(404) } } },
    async (request) => {
      const detail = typeDetail(get, request.params.name, head());
      if (!detail) throw new PolityError('CREDENTIALS_TYPE_UNKNOWN', `no credential type ${request.params.name}`);
      return { height: node.height, ...detail };
    },
  );

  app.get(
    '/v1/credentials/records/:hash',
    { schema: { operationId: 'getCredentialRecord', tags: [TAG], summary: 'The issuance record of a credential by its hash: type, organisation, issuer, block, status index and status history (never claims).', params: RecordParams, response: { 200: RecordView, ...errorResponses(404) } } },
    async (request) => {
      const rec = getRecord(get, request.params.hash);
      if (!rec) throw new PolityError('CREDENTIALS_UNKNOWN', 'no credential with this hash was issued');
      return rec;
    },
  );

  app.get(
    '/v1/credentials/lists/:org/slot',
    {
      schema: {
        operationId: 'getCredentialSlot',
        tags: [TAG],
        summary: "The status list and probe an issuer's next transaction (signer, nonce) will be given, and its index: known before the credential is signed.",
        params: SlotParams,
        querystring: SlotQuery,
        response: { 200: SlotView, ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const { org } = request.params;
      if (!getOrg(get, org)) throw new PolityError('ORG_UNKNOWN', `no member organisation ${org}`);
      const slot = findSlot(get, node.chainId, org, request.query.signer, request.query.nonce);
      if (!slot) throw new PolityError('CREDENTIALS_STATUS_SLOT', 'every probe of this nonce gives a taken index; send another transaction first to move the nonce on');
      return { org, ...slot };
    },
  );

  app.get(
    '/v1/credentials/status/:org/:list/:purpose',
    {
      schema: {
        operationId: 'getStatusListCredential',
        tags: [TAG],
        summary: 'A Bitstring Status List credential (W3C Bitstring Status List v1.0): 131,072 bits, GZIP then multibase base64url, as of the head.',
        params: StatusListParams,
        response: { 200: StatusListCredential, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { org, list, purpose } = request.params;
      if (!getOrg(get, org) || !listExists(get, org, list)) throw new PolityError('CREDENTIALS_STATUS_LIST_UNKNOWN', `no status list ${list} of ${org}`);
      const height = node.height;
      const encodedList = 'u' + gzipSync(statusBits(get, org, list, purpose)).toString('base64url');
      const url = `${request.protocol}://${request.host}${statusListPath(org, list, purpose)}`;
      void reply.header('cache-control', 'no-cache');
      return {
        '@context': [VC_CONTEXT_V2],
        id: url,
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: `urn:polity:${node.chainId}:org:${org}`,
        validFrom: xmlDateTime(Date.now()),
        credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList' as const, statusPurpose: purpose, encodedList },
        height,
      };
    },
  );

  app.post(
    '/v1/credentials/verify',
    {
      schema: {
        operationId: 'verifyCredential',
        tags: [TAG],
        summary: 'Verify a credential (a Data Integrity JSON object, or a compact vc+jwt string): format, signature, issuance on the chain, issuer trust at issuance, claims, status, validity — each check, and one code for the first that fails.',
        body: VerifyBody,
        response: { 200: VerificationView, ...errorResponses() },
      },
      bodyLimit: SD_JWT_CHARS_MAX + 1024,
    },
    async (request) => verify(request.body.credential),
  );

  app.post(
    '/credentials/verify',
    {
      schema: {
        operationId: 'vcApiVerifyCredential',
        tags: [TAG],
        summary: 'W3C VC API: verify a credential (Data Integrity, a compact vc+jwt, or an EnvelopedVerifiableCredential carrying one). 200 with the checks passed; 400 with the failure in errors.',
        body: VcApiVerifyBody,
        response: { 200: VcApiVerifyResult, 400: VcApiVerifyResult },
      },
      bodyLimit: SD_JWT_CHARS_MAX + 1024,
    },
    async (request, reply) => {
      const v = verify(request.body.verifiableCredential);
      const checks = v.checks.filter((c) => c.ok === true).map((c) => c.check);
      if (v.verified) return { checks, warnings: [], errors: [] };
      return reply.status(400).send({ checks, warnings: [], errors: [{ code: v.code!, message: v.message! }] });
    },
  );

  // Presentations (spec §4a): the verifier's nonces, SD-JWT+KB and vp+jwt, Polity's answer and the VC API's.
  const nonces = createNonceStore();
  const verifyPresented = (presentation: unknown, audience: string, nonce: string) => ({
    ...verifyPresentation(get, presentation, { audience, nonce }, { nowMs: Date.now(), claimsProblem, takeNonce: (n) => nonces.take(n, Date.now()) }),
    height: node.height,
  });

  app.post(
    '/v1/credentials/nonces',
    {
      schema: {
        operationId: 'createPresentationNonce',
        tags: [TAG],
        summary: `A nonce for one presentation: the holder signs it in (KB-JWT or vp+jwt), this node takes it back once when verifying. Lives ${NONCE_TTL_MS / 1000} s; held in this node's memory only.`,
        response: { 200: NonceView, ...errorResponses(503) },
      },
    },
    async () => {
      const issued = nonces.issue(Date.now(), randomBytes(NONCE_BYTES));
      if (!issued) throw new PolityError('CREDENTIALS_NONCES_EXHAUSTED', 'this node holds as many unexpired presentation nonces as it keeps; try again shortly');
      return { nonce: issued.nonce, expiresAt: xmlDateTime(issued.expiresAtMs), ttlSeconds: NONCE_TTL_MS / 1000 };
    },
  );

  app.post(
    '/v1/credentials/presentations/verify',
    {
      schema: {
        operationId: 'verifyPresentation',
        tags: [TAG],
        summary: "Verify a presentation (an SD-JWT VC with key binding, or a vp+jwt) for this verifier's audience and a nonce this node handed out: format, holder, signature, audience, nonce, then each credential in full; the disclosed claims of each verified credential.",
        body: PresentationVerifyBody,
        response: { 200: PresentationView, ...errorResponses() },
      },
      bodyLimit: PRESENTATION_CHARS_MAX + 2048,
    },
    async (request) => verifyPresented(request.body.presentation, request.body.audience, request.body.nonce),
  );

  app.post(
    '/presentations/verify',
    {
      schema: {
        operationId: 'vcApiVerifyPresentation',
        tags: [TAG],
        summary: 'W3C VC API: verify a presentation (SD-JWT+KB, a vp+jwt, or an EnvelopedVerifiablePresentation carrying one); options.domain is the audience, options.challenge a nonce from POST /v1/credentials/nonces. 200 with the checks passed; 400 with the failure in errors.',
        body: VcApiPresentationBody,
        response: { 200: VcApiVerifyResult, 400: VcApiVerifyResult },
      },
      bodyLimit: PRESENTATION_CHARS_MAX + 2048,
    },
    async (request, reply) => {
      const { challenge, domain } = request.body.options;
      const v = verifyPresented(request.body.verifiablePresentation, domain, challenge);
      const checks = v.checks.filter((c) => c.ok === true).map((c) => c.check);
      if (v.verified) return { checks, warnings: [], errors: [] };
      return reply.status(400).send({ checks, warnings: [], errors: [{ code: v.code!, message: v.message! }] });
    },
  );

  // The issuing desk (routes-desk.ts): the VC API's issue and status.
  const desk = createDeskHandle(ctx);
  registerDeskRoutes(app, ctx, desk);
  // OpenID4VCI, pre-authorised code flow, through the same desk (routes-vci.ts).
  registerVciRoutes(app, ctx, desk);

  // OpenID4VP verifier and the holder's usage log (routes-vp.ts).
  registerPresentationRoutes(app, ctx);
};
