/**
 * The credentials routes (spec/services/credentials.md): the registry of
 * types and accredited issuers, issuance records by hash, the status slot an
 * issuer's tool needs before it signs, the Bitstring Status List credentials
 * (GZIP, then multibase base64url, as the spec says), and verification —
 * Polity's own answer with every check, and the W3C VC API's
 * `POST /credentials/verify`. The issuing desk's routes (the VC API's
 * `POST /credentials/issue` and `/credentials/status`, with an issuing
 * official's key held by the node) are in routes-desk.ts.
 *
 * All reads are public: the registry is what every verifier must audit, and
 * a record says nothing about the holder or the claims. Verification is
 * computed from the committed state at the head; expiry is judged by this
 * node's clock.
 */
import { gzipSync } from 'node:zlib';
import type { ServiceRoutes } from '../../api/route.js';
import { PolityError } from '../../ledger/errors.js';
import { errorResponses } from '../../schemas/common.js';
import { xmlDateTime } from '../did/method.js';
import { claimsProblem } from './claims.js';
import { statusListPath, VC_CONTEXT_V2 } from './credential.js';
import { findSlot } from './issuer.js';
import { VC_JWT_CHARS_MAX } from './vc-jwt.js';
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
      bodyLimit: VC_JWT_CHARS_MAX + 1024,
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
      bodyLimit: VC_JWT_CHARS_MAX + 1024,
    },
    async (request, reply) => {
      const v = verify(request.body.verifiableCredential);
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
