/**
 * Requests and answers of the presentation routes (OpenID4VP verifier,
 * usage log; spec/services/credentials.md §11, credentials-usage-log.md).
 */
import { Type } from '@sinclair/typebox';
import { Hex32 } from '../schemas.js';
import { SEALED_CHARS } from './usage-log.js';
import { REQUEST_OBJECT_CHARS_MAX, VP_FORMATS } from './oid4vp.js';

/** Most tags one usage-log read asks for. */
export const USAGE_TAGS_PER_READ_MAX = 64;

export const UsageQuery = Type.Object(
  { tags: Type.String({ minLength: 64, maxLength: USAGE_TAGS_PER_READ_MAX * 65 - 1, pattern: '^[0-9a-f]{64}(,[0-9a-f]{64})*$', description: `up to ${USAGE_TAGS_PER_READ_MAX} tags, comma-separated` }) },
  { additionalProperties: false },
);
export const UsageRecordView = Type.Object({
  tag: Hex32,
  sealed: Type.String({ minLength: SEALED_CHARS, maxLength: SEALED_CHARS }),
  org: Type.String({ description: 'the verifying organisation that signed the record' }),
  height: Type.Integer(),
  time: Type.Integer(),
  txId: Type.String(),
});
export const UsageView = Type.Object({ height: Type.Integer(), entries: Type.Array(UsageRecordView) });

export const FileRequestBody = Type.Object(
  { request: Type.String({ minLength: 1, maxLength: REQUEST_OBJECT_CHARS_MAX, description: "the request object (JAR) the official signed: typ oauth-authz-req+jwt, client_id decentralized_identifier:did:key of the official's key" }) },
  { additionalProperties: false },
);
const Ask = Type.Object({
  credentialType: Type.String(),
  claims: Type.Array(Type.String()),
  purpose: Type.String(),
  format: Type.Union(VP_FORMATS.map((f) => Type.Literal(f))),
});
export const FiledRequest = Type.Object({
  id: Type.String(),
  clientId: Type.String(),
  requestUri: Type.String(),
  link: Type.String({ description: 'openid4vp://?client_id=…&request_uri=…' }),
  qr: Type.String({ description: 'the link as a QR code, SVG' }),
  ask: Ask,
  expiresAt: Type.Integer({ description: 'ms since the epoch' }),
});
export const RequestParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{32}$' }) });
export const RequestObjectText = Type.String({ description: 'the signed request object, application/oauth-authz-req+jwt' });
export const RequestResult = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('refused'), Type.Literal('expired')]),
  ask: Ask,
  expiresAt: Type.Integer(),
  outcome: Type.Optional(
    Type.Object({
      verified: Type.Boolean(),
      code: Type.Optional(Type.String()),
      message: Type.Optional(Type.String()),
      credentialType: Type.Optional(Type.String()),
      issuer: Type.Optional(Type.Object({ org: Type.String(), did: Type.String(), height: Type.Integer() })),
      claims: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      holder: Type.Optional(Type.String()),
      usageLogged: Type.Boolean(),
      usageTag: Type.Optional(Type.String()),
      height: Type.Integer({ description: "the height of the chain state the presentation was judged against: a revocation at or below it was seen" }),
      answeredMs: Type.Integer(),
    }),
  ),
});
export const DirectPostBody = Type.Object(
  {
    vp_token: Type.String({ minLength: 2, maxLength: 200_000 }),
    state: Type.String({ minLength: 22, maxLength: 128 }),
    polity_usage: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);
export const DirectPostAnswer = Type.Object({});
