/**
 * Requests and answers of the credentials routes (spec/services/credentials.md).
 * Credentials themselves are open JSON objects (W3C VC 2.0): they pass
 * through whole and are read by credential.ts, which says what is wrong.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Hex32, OrgId } from '../schemas.js';
import { CHECKS } from './verify.js';
import { LISTS_MAX } from './status-list.js';
import { SD_JWT_CHARS_MAX } from './sd-jwt.js';
import { EXPECT_CHARS_MAX, PRESENTATION_CHARS_MAX, PRESENTATION_CHECKS } from './presentation.js';
import { TYPE_NAME_PATTERN } from './registry.js';

const Open = Type.Record(Type.String(), Type.Unknown());
const PositionSchema = Type.Object({ height: Type.Integer(), txIndex: Type.Integer() });
const By = Type.Union([Type.Object({ proposal: Type.String() }), Type.Object({ org: Type.String(), key: Type.String() })]);

export const AccreditationView = Type.Object({
  org: Type.String(),
  role: Type.Union([Type.Literal('accreditor'), Type.Literal('issuer')]),
  from: PositionSchema,
  until: Type.Optional(PositionSchema),
  by: By,
  parent: Type.Optional(Type.String()),
  endedBy: Type.Optional(By),
  /** Trusted to issue (issuers) or to accredit (accreditors) at the head. */
  inForce: Type.Boolean(),
});

export const TypeView = Type.Object({
  name: Type.String(),
  title: Type.String(),
  schema: Open,
  definedAt: PositionSchema,
  proposal: Type.String(),
  retiredAt: Type.Optional(PositionSchema),
});

export const TypeList = Type.Object({ height: Type.Integer(), types: Type.Array(TypeView) });
export const TypeDetail = Type.Object({ height: Type.Integer(), type: TypeView, accreditations: Type.Array(AccreditationView) });
export const TypeParams = Type.Object({ name: Type.String({ pattern: TYPE_NAME_PATTERN }) });

export const RecordParams = Type.Object({ hash: Hex32 });
const Status = Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('revoked')]);
export const RecordView = Type.Object({
  hash: Type.String(),
  credentialType: Type.String(),
  org: Type.String(),
  issuer: Type.String(),
  key: Type.String(),
  height: Type.Integer(),
  txIndex: Type.Integer(),
  txId: Type.String(),
  time: Type.Integer(),
  list: Type.Integer(),
  index: Type.Integer(),
  status: Status,
  changes: Type.Array(Type.Object({ height: Type.Integer(), status: Status, reason: Type.Optional(Type.String()), key: Type.String() })),
});

export const SlotParams = Type.Object({ org: OrgId });
export const SlotQuery = Type.Object({ signer: Hex32, nonce: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false });
export const SlotView = Type.Object({ org: Type.String(), list: Type.Integer(), probe: Type.Integer(), index: Type.Integer() });

export const StatusListParams = Type.Object({
  org: OrgId,
  list: Type.Integer({ minimum: 0, maximum: LISTS_MAX - 1 }),
  purpose: Type.Union([Type.Literal('revocation'), Type.Literal('suspension')]),
});
/** A BitstringStatusListCredential (W3C Bitstring Status List v1.0 §2.2), as this node serves it. */
export const StatusListCredential = Type.Object({
  '@context': Type.Array(Type.String()),
  id: Type.String(),
  type: Type.Array(Type.String()),
  issuer: Type.String(),
  validFrom: Type.String(),
  credentialSubject: Type.Object({ id: Type.String(), type: Type.Literal('BitstringStatusList'), statusPurpose: Type.String(), encodedList: Type.String() }),
  height: Type.Integer({ description: 'the block whose state the list shows' }),
});

/** A credential as the holder has it: a JSON object (Data Integrity, or an EnvelopedVerifiableCredential) or a string: a compact vc+jwt, or an SD-JWT VC. */
const Secured = Type.Union([Open, Type.String({ minLength: 1, maxLength: SD_JWT_CHARS_MAX, description: 'a compact vc+jwt (application/vc+jwt), or an SD-JWT VC with its disclosures (application/dc+sd-jwt)' })]);
export const VerifyBody = Type.Object({ credential: Secured }, { additionalProperties: false });
export const VerificationView = Type.Object({
  verified: Type.Boolean(),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  checks: Type.Array(Type.Object({ check: Type.Union(CHECKS.map((c) => Type.Literal(c))), ok: Type.Union([Type.Boolean(), Type.Null()]), detail: Type.String() })),
  issuance: Type.Optional(
    Type.Object({ hash: Type.String(), credentialType: Type.String(), org: Type.String(), issuer: Type.String(), height: Type.Integer(), time: Type.Integer(), status: Status, list: Type.Integer(), index: Type.Integer() }),
  ),
  disclosed: Type.Optional(Type.Array(Type.String(), { description: 'an SD-JWT VC: the names of the claims disclosed' })),
  height: Type.Integer({ description: 'the block whose state the answer reflects' }),
});
export type VerificationViewT = Static<typeof VerificationView>;

/** W3C VC API (CCG) `POST /credentials/verify`. */
export const VcApiVerifyBody = Type.Object({ verifiableCredential: Secured, options: Type.Optional(Open) });
export const VcApiVerifyResult = Type.Object({
  checks: Type.Array(Type.String()),
  warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
  errors: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
});

// Presentations (spec §4a).
const Expect = Type.String({ minLength: 1, maxLength: EXPECT_CHARS_MAX });
/** A presentation: an SD-JWT VC with a key-binding JWT, a compact vp+jwt, or an EnvelopedVerifiablePresentation carrying either. */
const Presentation = Type.Union([Type.String({ minLength: 1, maxLength: PRESENTATION_CHARS_MAX }), Open]);
export const NonceView = Type.Object({ nonce: Type.String(), expiresAt: Type.String({ description: 'XML date-time' }), ttlSeconds: Type.Integer() });
export const PresentationVerifyBody = Type.Object({ presentation: Presentation, audience: Expect, nonce: Expect }, { additionalProperties: false });
const CredentialCheck = Type.Object({ check: Type.Union(CHECKS.map((c) => Type.Literal(c))), ok: Type.Union([Type.Boolean(), Type.Null()]), detail: Type.String() });
export const PresentationView = Type.Object({
  verified: Type.Boolean(),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  checks: Type.Array(Type.Object({ check: Type.Union(PRESENTATION_CHECKS.map((c) => Type.Literal(c))), ok: Type.Union([Type.Boolean(), Type.Null()]), detail: Type.String() })),
  form: Type.Optional(Type.Union([Type.Literal('sd-jwt+kb'), Type.Literal('vp+jwt')])),
  holder: Type.Optional(Type.String()),
  credentials: Type.Array(
    Type.Object({
      verified: Type.Boolean(),
      code: Type.Optional(Type.String()),
      message: Type.Optional(Type.String()),
      checks: Type.Array(CredentialCheck),
      issuance: VerificationView.properties.issuance,
      disclosed: Type.Optional(Type.Array(Type.String())),
      claims: Type.Optional(Open),
    }),
  ),
  height: Type.Integer({ description: 'the block whose state the answer reflects' }),
});
export type PresentationViewT = Static<typeof PresentationView>;
/** W3C VC API (CCG) `POST /presentations/verify`: options.challenge is the nonce, options.domain the audience. */
export const VcApiPresentationBody = Type.Object({
  verifiablePresentation: Presentation,
  options: Type.Object({ challenge: Expect, domain: Expect }, { additionalProperties: true }),
});
