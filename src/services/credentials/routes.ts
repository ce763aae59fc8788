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
import type { PolityNode } from '../../node/node.js';
import type { Static } from '@sinclair/typebox';
import { STATE_RECEIPT_TYPE, STATE_RECEIPT_ENTRIES_MAX } from '../../ledger/state-receipt.js';
import { signStatusList } from './status-list-credential.js';
import { statusKeys, verificationKeys } from './offline.js';
import { entriesOf, orgLists, bitsKey } from './module.js';
import { locate } from './status-list.js';
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
  VcApiVerifyRefused,
  VerificationView,
  VerifyBody,
  NonceView,
  PresentationVerifyBody,
  PresentationView,
  VcApiPresentationBody,
  VerifyBatchBody,
  VerifyBatchView,
  StatusReceiptQuery,
  StateReceiptView,
} from './schemas.js';
import { verifyCredentialWith } from './verify.js';
import { getOrg } from '../../runtime/membership.js';
import { registerPresentationRoutes } from './routes-vp.js';
import type { CredentialsHostApi } from './host.js';
import { createDeskHandle, registerDeskRoutes } from './routes-desk.js';
import { registerVciRoutes } from './routes-vci.js';

const TAG = 'credentials';
/** Signed lists kept, by URL: one re-signed when the head moves or after a minute. */
const SIGNED_LISTS_MAX = 1_024;
const SIGNED_LIST_REUSE_MS = 60_000;

/** The request's body length, when it says one. */
function bodyBytes(header: string | undefined): number | undefined {
  const n = header === undefined ? NaN : Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Sign status lists for a node, reusing one per URL while the head has not moved (a verifier fetches them often). */
function createListSigner(node: PolityNode, get: (key: string) => ReturnType<Parameters<ServiceRoutes>[1]['get']>) {
  const cache = new Map<string, { height: number; signedAtMs: number; doc: Static<typeof StatusListCredential> }>();
  return (url: string, org: string, list: number, purpose: 'revocation' | 'suspension') => {
    const nowMs = Date.now();
    const height = node.height;
    const hit = cache.get(url);
    if (hit && hit.height === height && nowMs - hit.signedAtMs < SIGNED_LIST_REUSE_MS) return hit.doc;
    const encodedList = 'u' + gzipSync(statusBits(get, org, list, purpose)).toString('base64url');
    const doc = signStatusList({ url, purpose, encodedList, height, nowMs }, node.attest) as unknown as Static<typeof StatusListCredential>;
    if (cache.size >= SIGNED_LISTS_MAX) cache.delete(cache.keys().next().value!);
    cache.set(url, { height, signedAtMs: nowMs, doc });
    return doc;
  };
}

export const credentialsRoutes: ServiceRoutes<CredentialsHostApi | undefined> = (app, ctx) => {
  const { node, get } = ctx;
  const signedList = createListSigner(node, get);
  const head = () => ({ height: node.height, txIndex: Number.MAX_SAFE_INTEGER });
  // Signatures are checked in the node's verification workers; the rest on the API's thread.
  const checkSignature = (s: { key: string; message: Uint8Array; sig: Uint8Array }) => node.verifySignature(s.key, s.message, s.sig);
  const verifyOne = (credential: unknown, bytes?: number) =>
    verifyCredentialWith(get, credential, { nowMs: Date.now(), claimsProblem, ...(typeof credential === 'string' ? {} : { bytes: bytes ?? JSON.stringify(credential).length }) }, checkSignature);
  const verify = async (credential: unknown, bytes?: number) => ({ ...(await verifyOne(credential, bytes)), height: node.height });

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
        summary: "A Bitstring Status List credential (W3C Bitstring Status List v1.0): the list's bits (131,072 to 1,048,576), GZIP then multibase base64url, as of the head; signed (eddsa-jcs-2022) by this node's attestation key, valid for five minutes.",
        params: StatusListParams,
        response: { 200: StatusListCredential, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { org, list, purpose } = request.params;
      if (!getOrg(get, org) || !listExists(get, org, list)) throw new PolityError('CREDENTIALS_STATUS_LIST_UNKNOWN', `no status list ${list} of ${org}`);
      const url = `${request.protocol}://${request.host}${statusListPath(org, list, purpose)}`;
      void reply.header('cache-control', 'no-cache');
      return signedList(url, org, list, purpose);
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
    async (request) => verify(request.body.credential, bodyBytes(request.headers['content-length'])),
  );

  app.post(
    '/credentials/verify',
    {
      schema: {
        operationId: 'vcApiVerifyCredential',
        tags: [TAG],
        summary: 'W3C VC API: verify a credential (Data Integrity, a compact vc+jwt, or an EnvelopedVerifiableCredential carrying one). 200 with the checks passed; 400 with the failure in errors.',
        body: VcApiVerifyBody,
        response: { 200: VcApiVerifyResult, 400: VcApiVerifyRefused },
      },
      bodyLimit: SD_JWT_CHARS_MAX + 1024,
    },
    async (request, reply) => {
      const v = await verify(request.body.verifiableCredential, bodyBytes(request.headers['content-length']));
      const checks = v.checks.filter((c) => c.ok === true).map((c) => c.check);
      if (v.verified) return { checks, warnings: [], errors: [] };
      return reply.status(400).send({ checks, warnings: [], errors: [{ code: v.code!, message: v.message! }] });
    },
  );

  // The issuing desk (routes-desk.ts): the VC API's issue and status.
  const desk = createDeskHandle(ctx);
  registerDeskRoutes(app, ctx, desk);
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
        response: { 200: VcApiVerifyResult, 400: VcApiVerifyRefused },
      },
      bodyLimit: PRESENTATION_CHARS_MAX + 2048,
    },
    async (request, reply) => {
      const { challenge, domain } = request.body.options ?? {};
      // Without both, no presentation can be checked for replay or for its verifier: answered in the VC API's shape, naming the option.
      if (challenge === undefined || domain === undefined) {
        const message = challenge === undefined ? 'options.challenge: expected a nonce this node handed out (POST /v1/credentials/nonces)' : "options.domain: expected this verifier's audience";
        return reply.status(400).send({ checks: [], warnings: [], errors: [{ code: 'SCHEMA_INVALID', message }] });
      }
      const v = verifyPresented(request.body.verifiablePresentation, domain, challenge);
      const checks = v.checks.filter((c) => c.ok === true).map((c) => c.check);
      if (v.verified) return { checks, warnings: [], errors: [] };
      return reply.status(400).send({ checks, warnings: [], errors: [{ code: v.code!, message: v.message! }] });
    },
  );
  // OpenID4VCI, pre-authorised code flow, through the same desk (routes-vci.ts).
  registerVciRoutes(app, ctx, desk);
  // --- Batch verification, and state receipts for verifying offline (spec §§4, 4b) ---

  app.post(
    '/v1/credentials/verify/batch',
    {
      schema: {
        operationId: 'verifyCredentials',
        tags: [TAG],
        summary: `Verify up to 256 credentials in one request: each answer as POST /v1/credentials/verify gives it, in order. The signatures are checked on every core.`,
        body: VerifyBatchBody,
        response: { 200: VerifyBatchView, ...errorResponses() },
      },
      bodyLimit: 4 * 1024 * 1024,
    },
    async (request) => {
      const results = await Promise.all(request.body.credentials.map((c) => verifyOne(c)));
      return { height: node.height, results };
    },
  );

  /** A state receipt of `keys` at the head: read in one synchronous pass, so every proof is against the same root. */
  const stateReceipt = async (keys: readonly string[]) => {
    // A did:polity issuer with a long key history could need more: say so rather than cut the proof short.
    if (keys.length > STATE_RECEIPT_ENTRIES_MAX) throw new PolityError('CREDENTIALS_INVALID', `verifying this credential reads ${keys.length} state keys; a receipt proves at most ${STATE_RECEIPT_ENTRIES_MAX}`);
    const reads = keys.map((key) => node.readState(key, true));
    const first = reads[0]!;
    if (!first.header || !first.certificate) throw new PolityError('CREDENTIALS_UNKNOWN', 'no block is committed yet');
    const handovers = await node.setHandovers(first.height);
    return {
      type: STATE_RECEIPT_TYPE as typeof STATE_RECEIPT_TYPE,
      v: 1 as const,
      chainId: node.chainId,
      genesisHash: node.genesisHash,
      header: first.header as unknown as Record<string, unknown>,
      certificate: first.certificate as unknown as Record<string, unknown>,
      ...(handovers.length > 0 ? { validatorSets: handovers as unknown as Record<string, unknown>[] } : {}),
      entries: reads.map((r) => ({ key: r.key, value: r.value, proof: r.proof as unknown as Record<string, unknown> })),
    };
  };

  app.get(
    '/v1/credentials/records/:hash/receipt',
    {
      schema: {
        operationId: 'getCredentialReceipt',
        tags: [TAG],
        summary: 'A state receipt of everything verifying this credential reads (its record, type, accreditations, the issuer DID, the kinds, both status pages) at the head, signed by the validators: verify offline with the genesis alone.',
        params: RecordParams,
        response: { 200: StateReceiptView, ...errorResponses(404) },
      },
    },
    async (request) => {
      const keys = verificationKeys(get, request.params.hash);
      if (!keys) throw new PolityError('CREDENTIALS_UNKNOWN', 'no credential with this hash was issued');
      return stateReceipt(keys);
    },
  );

  app.get(
    '/v1/credentials/status/:org/:list/:purpose/receipt',
    {
      schema: {
        operationId: 'getStatusReceipt',
        tags: [TAG],
        summary: "A state receipt of the status page (4,096 entries) holding ?index in this list, at the head, signed by the validators: a fresh status for an offline verifier. The node learns the page, not the credential.",
        params: StatusListParams,
        querystring: StatusReceiptQuery,
        response: { 200: StateReceiptView, ...errorResponses(404) },
      },
    },
    async (request) => {
      const { org, list, purpose } = request.params;
      if (!getOrg(get, org) || !listExists(get, org, list)) throw new PolityError('CREDENTIALS_STATUS_LIST_UNKNOWN', `no status list ${list} of ${org}`);
      const { index } = request.query;
      if (index >= entriesOf(orgLists(get, org), list)) throw new PolityError('CREDENTIALS_STATUS_LIST_UNKNOWN', `list ${list} of ${org} has fewer than ${index + 1} entries`);
      return stateReceipt([bitsKey(org, list, purpose, locate(index).page)]);
    },
  );

  // OpenID4VP verifier and the holder's usage log (routes-vp.ts).
  registerPresentationRoutes(app, ctx);
};
