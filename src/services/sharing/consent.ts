/**
 * A citizen's consent to share (spec/services/sharing.md §3): a small JSON
 * document the citizen signs with the key of their DID, and anyone (the
 * citizen's own wallet, or the recipient organisation that collected it)
 * submits with `sharing.grantConsent`. A revocation is a second signature by
 * the same DID over the consent's id.
 *
 * Why a signed document rather than the citizen signing the transaction:
 * the recipient usually collects consent (at its counter, in its app) and
 * is the party that needs it on the chain, and a citizen should not need a
 * funded account or a node to consent. The signature is by the subject's
 * DID, and the subject of a consent is that DID, so nobody can consent for
 * someone else's pseudonym (SHARING_CONSENT_FORGED).
 *
 * Messages (domain separated: a consent signature means nothing as a
 * transaction, an org consent or a revocation, or on another chain):
 *   grant   "polity-sharing-consent:v1:" ‖ RFC 8785 JSON of the consent (chainId inside)
 *   revoke  "polity-sharing-revoke:v1:" ‖ chainId ‖ ":" ‖ consent id
 *
 * The format without TypeBox (for the web page) is consent-format.ts;
 * signing and checking with node:crypto are consent-sign.ts.
 */
import { Type } from '@sinclair/typebox';
import { Hex32, OrgId } from '../schemas.js';
import { DATASET_NAME_PATTERN, FIELD_NAME_PATTERN, FIELDS_MAX, PURPOSE_CHARS_MAX, SUBJECT_PATTERN, type Consent as ConsentDoc } from './consent-format.js';

export * from './consent-format.js';

export const FieldName = Type.String({ pattern: FIELD_NAME_PATTERN });
export const Fields = Type.Array(FieldName, { minItems: 1, maxItems: FIELDS_MAX, uniqueItems: true });
export const DatasetName = Type.String({ pattern: DATASET_NAME_PATTERN });
export const Subject = Type.String({ pattern: SUBJECT_PATTERN, description: "the subject's DID: a pairwise did:key (spec §2) or a did:polity" });
export const Purpose = Type.String({ minLength: 1, maxLength: PURPOSE_CHARS_MAX });
export const Signature = Type.String({ pattern: '^[0-9a-f]{128}$', description: 'Ed25519 signature, hex' });

/** The consent document the subject signs. */
export const Consent = Type.Object(
  {
    type: Type.Literal('polity-sharing-consent'),
    v: Type.Literal(1),
    chainId: Type.String({ minLength: 1, maxLength: 64 }),
    /** 32 random bytes chosen by the signer: the consent's id on the chain, used once. */
    id: Hex32,
    subject: Subject,
    /** The organisation holding the data, and its dataset. */
    holder: OrgId,
    dataset: DatasetName,
    fields: Fields,
    /** The only organisation the consent lets read. */
    recipient: OrgId,
    purpose: Purpose,
    /** Expiry, ms since the epoch (block time). */
    until: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
  },
  { additionalProperties: false },
);
export type Consent = ConsentDoc;

/** The erasure request the subject signs (consent-format.ts `ErasureDoc`). */
export const ErasureDocSchema = Type.Object(
  {
    type: Type.Literal('polity-sharing-erasure'),
    v: Type.Literal(1),
    chainId: Type.String({ minLength: 1, maxLength: 64 }),
    id: Hex32,
    subject: Subject,
    holder: OrgId,
    dataset: DatasetName,
    recordId: Type.Optional(Hex32),
  },
  { additionalProperties: false },
);

// Signing and checking (node:crypto), for the module, the CLI and tests; the web page imports consent-format.ts only.
export { signConsent, signErasure, signRevocation, signedBy } from './consent-sign.js';
