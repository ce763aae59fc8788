/**
 * OpenID for Verifiable Credential Issuance 1.0 on a node with an issuing
 * desk (spec/services/credentials.md §9): the pre-authorised code flow.
 *
 *   official  POST /v1/credentials/offers          type + claims (+ tx_code) → link and QR code
 *   wallet    GET  /v1/credentials/offers/{id}     the credential offer (credential_offer_uri)
 *             GET  /.well-known/openid-credential-issuer, /.well-known/oauth-authorization-server
 *             POST /v1/credentials/token           pre-authorised code (+ tx_code) → access token
 *             POST /v1/credentials/nonce           a c_nonce
 *             POST /v1/credentials/credential      access token + proof of the holder key → the credential
 *
 * The node's origin is the credential issuer identifier and its own
 * authorization server. The claims of an offer stay in this process's
 * memory (vci.ts) until the credential is issued or the offer expires: they
 * are never logged, never in an error message, never on the chain (only
 * the credential's hash is, as for any issuance). The wallet-facing
 * endpoints answer errors in OAuth's shape (`error`, `error_description`)
 * and Polity's (`code`, `message`) at once.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { Type } from '@sinclair/typebox';
import type { RouteContext, TypedApp } from '../../api/route.js';
import { SIGNED_OR_SESSION } from '../../api/route.js';
import { isPolityError, PolityError } from '../../ledger/errors.js';
import { getOrg } from '../../runtime/membership.js';
import { errorResponses } from '../../schemas/common.js';
import { parseDateTime } from '../did/method.js';
import type { JsonObject } from './data-integrity.js';
import type { DeskHandle } from './routes-desk.js';
import { issuerTrustAt, listTypes } from './registry.js';
import {
  CredentialOffer,
  CredentialRequestBody,
  CredentialResult,
  NonceResult,
  OAuthError,
  OfferBody,
  OfferParams,
  OfferView,
  TokenBody,
  TokenResult,
} from './schemas-desk.js';
import {
  authorizationServerMetadata,
  configurationId,
  createVciStore,
  issuerMetadata,
  offerLink,
  parseConfigurationId,
  PRE_AUTHORIZED_GRANT,
  VCI_FORMATS,
  VCI_PATHS,
  verifyProofJwt,
  type VciStore,
} from './vci.js';

const TAG = 'credentials';
/**
 * When an official makes an offer, the holder is not known yet: its DID becomes the subject's `id` only
 * at the credential endpoint, from the key it proves. The offer's claims are checked against the type's
 * schema at once all the same (so a bad offer is refused to the official, not to the holder later), with
 * this well-formed did:key (the W3C Data Integrity test vector's) standing in as `id`. Nothing is ever
 * issued to it.
 */
const SCHEMA_CHECK_HOLDER_DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
/** The token endpoint's form body, bytes. */
const FORM_BYTES_MAX = 4_096;

const OAUTH_ERROR: Record<string, string> = {
  CREDENTIALS_VCI_GRANT_TYPE: 'unsupported_grant_type',
  CREDENTIALS_VCI_GRANT_UNKNOWN: 'invalid_grant',
  CREDENTIALS_VCI_GRANT_USED: 'invalid_grant',
  CREDENTIALS_VCI_TX_CODE: 'invalid_grant',
  CREDENTIALS_VCI_TOKEN: 'invalid_token',
  CREDENTIALS_VCI_NONCE: 'invalid_nonce',
  CREDENTIALS_VCI_PROOF: 'invalid_proof',
  CREDENTIALS_VCI_REQUEST: 'invalid_credential_request',
};

/** Answer a wallet-facing failure in OAuth's shape and Polity's; anything not a PolityError is a bug and goes to the API's handler. */
function oauthFail(reply: FastifyReply, e: unknown, statusOf: (code: string) => number): FastifyReply {
  if (!isPolityError(e)) throw e;
  const status = statusOf(e.code);
  const error = OAUTH_ERROR[e.code] ?? (status >= 500 ? 'server_error' : 'invalid_request');
  if (status === 401) void reply.header('www-authenticate', `Bearer error="${error}"`);
  return reply.status(status).header('cache-control', 'no-store').send({ error, error_description: e.message, code: e.code, message: e.message });
}

const oauthErrors = { 400: OAuthError, 401: OAuthError, 403: OAuthError, 404: OAuthError, 409: OAuthError, 422: OAuthError, 429: OAuthError, 503: OAuthError };

export function registerVciRoutes(app: TypedApp, ctx: RouteContext, handle: DeskHandle): void {
  const { get, statusOf } = ctx;
  let store: VciStore | undefined;
  const vci = (): VciStore => (store ??= createVciStore({}, { now: () => Date.now(), random: () => randomBytes(32).toString('base64url') }));
  const origin = () => handle.origin();

  /** Types the desk's organisation may issue now. */
  const issuableTypes = () => {
    const org = handle.desk().org();
    if (!org) throw new PolityError('CREDENTIALS_DESK_OFF', "the desk's key is not an issuer of an active organisation");
    const at = { height: Number.MAX_SAFE_INTEGER, txIndex: 0 };
    return { org, types: listTypes(get).filter((t) => !t.retiredAt && issuerTrustAt(get, t.name, org, at).trusted) };
  };

  app.post(
    VCI_PATHS.offers,
    {
      schema: {
        operationId: 'createCredentialOffer',
        tags: [TAG],
        summary: "OpenID4VCI: an official offers a credential to a holder (pre-authorised code flow). Answers the openid-credential-offer:// link and its QR code; the claims wait in the node's memory until redeemed or expired, never on the chain or in a log.",
        description: 'Who may: as for POST /credentials/issue (an issuer of the desk\'s organisation, or the desk\'s bearer token). txCode: 4-12 digits the holder must type in the wallet; send it to them another way.',
        body: OfferBody,
        security: [...SIGNED_OR_SESSION],
        response: { 201: OfferView, ...errorResponses(401, 403, 404, 409, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      await handle.caller(request);
      const desk = handle.desk();
      const { credentialType, claims, validUntil, txCode } = request.body;
      if (validUntil !== undefined && parseDateTime(validUntil) === undefined) throw new PolityError('CREDENTIALS_INVALID', 'validUntil: expected an XML Schema date-time with a zone');
      desk.precheck({ credentialType, subject: { ...(claims as JsonObject), id: SCHEMA_CHECK_HOLDER_DID }, ...(validUntil ? { validUntil } : {}) });
      const made = vci().createOffer({ credentialType, claims: claims as JsonObject, ...(validUntil ? { validUntil } : {}), ...(txCode ? { txCode } : {}) });
      const credentialOfferUri = `${origin()}${VCI_PATHS.offers}/${made.id}`;
      const link = offerLink(credentialOfferUri);
      const qrSvg = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return reply.code(201).header('cache-control', 'no-store').send({
        link,
        credentialOfferUri,
        qrSvg,
        expiresAt: made.expiresAtMs,
        credentialConfigurationIds: Object.keys(VCI_FORMATS).map((f) => configurationId(credentialType, f)),
      });
    },
  );

  app.get(
    `${VCI_PATHS.offers}/:id`,
    {
      schema: {
        operationId: 'getCredentialOffer',
        tags: [TAG],
        summary: 'OpenID4VCI: the credential offer behind a credential_offer_uri (no claims: the issuer, the configurations and the pre-authorised code grant).',
        params: OfferParams,
        response: { 200: CredentialOffer, ...errorResponses(404, 503) },
      },
    },
    async (request, reply) => {
      const o = vci().offer(request.params.id);
      void reply.header('cache-control', 'no-store');
      return {
        credential_issuer: origin(),
        credential_configuration_ids: Object.keys(VCI_FORMATS).map((f) => configurationId(o.credentialType, f)),
        grants: {
          [PRE_AUTHORIZED_GRANT]: {
            'pre-authorized_code': o.preAuthorizedCode,
            ...(o.txCode ? { tx_code: { input_mode: 'numeric', length: o.txCode.length, description: 'the code the issuing office gave you' } } : {}),
          },
        },
      };
    },
  );

  app.get(
    VCI_PATHS.issuerMetadata,
    {
      schema: {
        operationId: 'openidCredentialIssuer',
        tags: [TAG],
        summary: "OpenID4VCI credential issuer metadata: the node's origin as issuer, its endpoints, and each credential type the desk's organisation may issue now, as jwt_vc_json (vc+jwt), ldp_vc (Data Integrity eddsa-jcs-2022) and dc+sd-jwt (SD-JWT VC, vct the type's URL on this node).",
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errorResponses(503) },
      },
    },
    async () => {
      const { org, types } = issuableTypes();
      return issuerMetadata(origin(), getOrg(get, org)?.name ?? org, types.map((t) => ({ name: t.name, title: t.title })));
    },
  );

  app.get(
    VCI_PATHS.authorizationServerMetadata,
    {
      schema: {
        operationId: 'oauthAuthorizationServer',
        tags: [TAG],
        summary: 'OAuth 2.0 authorization server metadata (RFC 8414) for the OpenID4VCI pre-authorised code flow: the token endpoint.',
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errorResponses(503) },
      },
    },
    async () => {
      handle.desk();
      return authorizationServerMetadata(origin());
    },
  );

  // The token endpoint takes an OAuth form body (RFC 6749 §4.1.3): a parser for it in its own context only.
  void app.register(async (form: TypedApp) => {
    form.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BYTES_MAX }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    form.post(
      VCI_PATHS.token,
      {
        schema: {
          operationId: 'oauthToken',
          tags: [TAG],
          summary: 'OpenID4VCI token endpoint: a pre-authorised code (single use), with its tx_code when the offer has one, for an access token good for one credential.',
          body: TokenBody,
          response: { 200: TokenResult, ...oauthErrors },
        },
      },
      async (request, reply) => {
        try {
          handle.desk();
          const body = request.body;
          if (body.grant_type !== PRE_AUTHORIZED_GRANT) throw new PolityError('CREDENTIALS_VCI_GRANT_TYPE', `grant_type must be ${PRE_AUTHORIZED_GRANT}`);
          if (!body['pre-authorized_code']) throw new PolityError('CREDENTIALS_VCI_GRANT_UNKNOWN', 'no pre-authorized_code');
          const t = vci().redeem(body['pre-authorized_code'], body.tx_code);
          return reply.header('cache-control', 'no-store').send({ access_token: t.accessToken, token_type: 'Bearer' as const, expires_in: t.expiresInS });
        } catch (e) {
          return oauthFail(reply, e, statusOf);
        }
      },
    );
  });

  app.post(
    VCI_PATHS.nonce,
    {
      schema: {
        operationId: 'openidNonce',
        tags: [TAG],
        summary: 'OpenID4VCI nonce endpoint: a fresh c_nonce (single use, 5 minutes) for the proof of possession.',
        response: { 200: NonceResult, ...oauthErrors },
      },
    },
    async (_request, reply) => {
      try {
        handle.desk();
        return reply.header('cache-control', 'no-store').send({ c_nonce: vci().newNonce().nonce });
      } catch (e) {
        return oauthFail(reply, e, statusOf);
      }
    },
  );

  app.post(
    VCI_PATHS.credential,
    {
      schema: {
        operationId: 'openidCredential',
        tags: [TAG],
        summary: "OpenID4VCI credential endpoint: with the access token and an openid4vci-proof+jwt of the holder's Ed25519 key, the desk issues the offered credential bound to that key — its did:key as the subject (jwt_vc_json, ldp_vc) or cnf.jwk (dc+sd-jwt, an SD-JWT VC with every claim selectively disclosable).",
        body: CredentialRequestBody,
        response: { 200: CredentialResult, ...oauthErrors },
      },
    },
    async (request, reply) => {
      try {
        const desk = handle.desk();
        const authorization = request.headers.authorization;
        const m = typeof authorization === 'string' ? /^Bearer ([A-Za-z0-9_-]{16,128})$/i.exec(authorization) : null;
        if (!m) throw new PolityError('CREDENTIALS_VCI_TOKEN', 'send the access token as "Authorization: Bearer <token>"');
        const accessToken = m[1]!;
        const offer = vci().granted(accessToken);
        const body = request.body;
        const wanted = body.credential_configuration_id ?? (body.format ? configurationId(offer.credentialType, body.format) : undefined);
        const config = wanted === undefined ? undefined : parseConfigurationId(wanted);
        if (!config || config.credentialType !== offer.credentialType) throw new PolityError('CREDENTIALS_VCI_REQUEST', `name one of the offered configurations: ${Object.keys(VCI_FORMATS).map((f) => configurationId(offer.credentialType, f)).join(', ')}`);
        const jwt = body.proof?.jwt ?? body.proofs?.jwt[0];
        if (!jwt) throw new PolityError('CREDENTIALS_VCI_PROOF', 'a proof of possession of the holder key (proof_type jwt) is required');
        const holder = verifyProofJwt(jwt, { audience: origin(), nowS: Math.floor(Date.now() / 1000) });
        if (!vci().useNonce(holder.nonce)) throw new PolityError('CREDENTIALS_VCI_NONCE', "the proof's c_nonce is unknown, expired or used; get a fresh one from the nonce endpoint");
        // One credential per access token: used up before the desk is asked, so two racing requests cannot both issue.
        vci().consume(accessToken);
        const issued = await desk.issue({
          credentialType: offer.credentialType,
          subject: offer.claims,
          format: VCI_FORMATS[config.format]!.desk,
          ...(offer.validUntil ? { validUntil: offer.validUntil } : {}),
          holder: { did: holder.did, publicKey: holder.publicKey },
        });
        return reply.header('cache-control', 'no-store').send({ credentials: [{ credential: issued.credential }] });
      } catch (e) {
        return oauthFail(reply, e, statusOf);
      }
    },
  );
}
