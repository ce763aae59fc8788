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
 * Signing and checking use Ed25519 (crypto/ed25519.ts, node:crypto).
 */
import { Type, type Static } from '@sinclair/typebox';
import { canonicalJson } from '../../crypto/canonical-json.js';
import { utf8Encode } from '../../crypto/bytes.js';
import { signBytes, verifyBytes } from '../../crypto/ed25519.js';
import { Hex32, OrgId } from '../schemas.js';

/** Longest purpose a consent, request or access entry states (characters). */
export const PURPOSE_CHARS_MAX = 128;
/** Most fields one consent, request or entry names. */
export const FIELDS_MAX = 64;
/** A field's name: an identifier, never a value. */
export const FIELD_NAME_PATTERN = '^[a-z][a-zA-Z0-9_]{0,31}$';
/** A dataset's name: a slug, a path segment of routes and state keys. */
export const DATASET_NAME_PATTERN = '^[a-z][a-z0-9-]{1,47}$';
export const DATASET_NAME_RE = new RegExp(DATASET_NAME_PATTERN);
/** A subject: a did:key (Ed25519) or a did:polity. */
export const SUBJECT_PATTERN = '^(did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{40,50}|did:polity:[0-9a-f]{32})$';
export const SUBJECT_RE = new RegExp(SUBJECT_PATTERN);

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
export type Consent = Static<typeof Consent>;

export const CONSENT_DOMAIN = 'polity-sharing-consent:v1:';
export const REVOKE_DOMAIN = 'polity-sharing-revoke:v1:';

export function consentMessage(consent: Consent): Uint8Array {
  return utf8Encode(CONSENT_DOMAIN + canonicalJson(consent));
}

export function revokeMessage(chainId: string, id: string): Uint8Array {
  return utf8Encode(`${REVOKE_DOMAIN}${chainId}:${id}`);
}

export function signConsent(consent: Consent, secretKey: string): string {
  return signBytes(secretKey, consentMessage(consent));
}

export function signRevocation(chainId: string, id: string, secretKey: string): string {
  return signBytes(secretKey, revokeMessage(chainId, id));
}

/** Is `signature` the signature of `message` by `publicKey` (hex)? Never throws. */
export function signedBy(publicKey: string, message: Uint8Array, signature: string): boolean {
  try {
    return verifyBytes(publicKey, message, signature);
  } catch {
    return false;
  }
}
