/**
 * Requests and answers of the issuing desk's routes: the W3C VC API's
 * `POST /credentials/issue` and `POST /credentials/status`, and OpenID4VCI
 * (spec/services/credentials.md §10, §9). The credential a caller sends is an
 * open JSON object: desk-routes read it and say what is wrong.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Hex32 } from '../schemas.js';
import { REASONS } from './module.js';
import { TYPE_NAME_PATTERN } from './registry.js';

const Open = Type.Record(Type.String(), Type.Unknown());

/** VC API IssueCredentialRequest: an unsecured credential and options. `format` is Polity's: `jwt` and `sd-jwt` answer an EnvelopedVerifiableCredential carrying a vc+jwt or an SD-JWT VC. */
export const VcApiIssueBody = Type.Object(
  {
    credential: Open,
    options: Type.Optional(
      Type.Object(
        {
          credentialId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          mandatoryPointers: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 64 })),
          format: Type.Optional(Type.String({ maxLength: 32, description: 'Polity: data-integrity (default), jwt or sd-jwt' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export const VcApiIssueResult = Type.Object({ verifiableCredential: Open });

const StatusEntryRef = Type.Object({
  type: Type.String({ maxLength: 64 }),
  statusPurpose: Type.Union([Type.Literal('revocation'), Type.Literal('suspension')]),
  id: Type.Optional(Type.String({ maxLength: 512 })),
  statusListIndex: Type.Optional(Type.String({ maxLength: 16 })),
  statusListCredential: Type.Optional(Type.String({ maxLength: 512 })),
});

/** VC API UpdateCredentialStatusRequest (an object, or an array of one, as drafts of the VC API differ). */
export const VcApiStatusBody = Type.Object(
  {
    credentialId: Type.String({ minLength: 1, maxLength: 256 }),
    credentialStatus: Type.Union([StatusEntryRef, Type.Array(StatusEntryRef, { minItems: 1, maxItems: 1 })]),
    status: Type.Boolean(),
    reason: Type.Optional(Type.Union(REASONS.map((r) => Type.Literal(r)))),
  },
  { additionalProperties: false },
);
export const VcApiStatusResult = Type.Object({
  credentialId: Type.String(),
  hash: Hex32,
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('revoked')]),
  height: Type.Integer(),
});

/** `POST /v1/credentials/offers`: what an official offers a holder. */
export const OfferBody = Type.Object(
  {
    credentialType: Type.String({ pattern: TYPE_NAME_PATTERN }),
    claims: Open,
    validUntil: Type.Optional(Type.String({ maxLength: 40 })),
    /** A transaction code the holder types in their wallet (sent to them another way): 4-12 digits. */
    txCode: Type.Optional(Type.String({ pattern: '^[0-9]{4,12}$' })),
  },
  { additionalProperties: false },
);
export const OfferView = Type.Object({
  /** `openid-credential-offer://?credential_offer_uri=…` */
  link: Type.String(),
  credentialOfferUri: Type.String(),
  /** The link as a QR code, SVG. */
  qrSvg: Type.String(),
  expiresAt: Type.Integer({ description: 'ms since the epoch' }),
  credentialConfigurationIds: Type.Array(Type.String()),
});
export type OfferViewT = Static<typeof OfferView>;

export const OfferParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{22,64}$' }) });
export const CredentialOffer = Type.Object({
  credential_issuer: Type.String(),
  credential_configuration_ids: Type.Array(Type.String()),
  grants: Type.Object({
    'urn:ietf:params:oauth:grant-type:pre-authorized_code': Type.Object({
      'pre-authorized_code': Type.String(),
      tx_code: Type.Optional(Type.Object({ input_mode: Type.String(), length: Type.Integer(), description: Type.Optional(Type.String()) })),
    }),
  }),
});

/** OAuth / OpenID4VCI error answers carry both shapes: `error` for OAuth clients, `code` for Polity's. */
export const OAuthError = Type.Object({ error: Type.String(), error_description: Type.String(), code: Type.String(), message: Type.String() });

export const TokenBody = Type.Object({
  grant_type: Type.String({ maxLength: 128 }),
  'pre-authorized_code': Type.Optional(Type.String({ maxLength: 128 })),
  tx_code: Type.Optional(Type.String({ maxLength: 32 })),
  client_id: Type.Optional(Type.String({ maxLength: 256 })),
});
export const TokenResult = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  c_nonce: Type.Optional(Type.String()),
  c_nonce_expires_in: Type.Optional(Type.Integer()),
});
export const NonceResult = Type.Object({ c_nonce: Type.String() });

const ProofJwt = Type.Object({ proof_type: Type.Literal('jwt'), jwt: Type.String({ maxLength: 8192 }) });
export const CredentialRequestBody = Type.Object({
  credential_configuration_id: Type.Optional(Type.String({ maxLength: 128 })),
  credential_identifier: Type.Optional(Type.String({ maxLength: 128 })),
  format: Type.Optional(Type.String({ maxLength: 64 })),
  proof: Type.Optional(ProofJwt),
  proofs: Type.Optional(Type.Object({ jwt: Type.Array(Type.String({ maxLength: 8192 }), { minItems: 1, maxItems: 1 }) })),
});
export const CredentialResult = Type.Object({
  credentials: Type.Array(Type.Object({ credential: Type.Union([Open, Type.String()]) })),
  notification_id: Type.Optional(Type.String()),
});
