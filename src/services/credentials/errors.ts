/**
 * Error codes of verifiable credentials (spec/services/credentials.md). The
 * verification codes (`CREDENTIALS_MALFORMED` to `CREDENTIALS_NOT_YET_VALID`)
 * are what a verifier is told, one code for each reason a credential is not
 * valid; the others refuse transactions and requests.
 */
import { defineErrors, type DetailsOf } from '../../ledger/errors.js';

export const CREDENTIALS_ERRORS = defineErrors({
  CREDENTIALS_INVALID: { status: 400, arises: '`credentials.*`', meaning: 'a malformed decision, schema or request (a full list, a duplicate accreditation, a status it already has)' },
  CREDENTIALS_TYPE_EXISTS: { status: 409, arises: '`credentials.enact` defineType', meaning: 'the type name is taken (names are never reused)' },
  CREDENTIALS_TYPE_UNKNOWN: { status: 404, arises: '`credentials.*`, `GET /v1/credentials/types/{name}`', meaning: 'no such credential type, or it was retired' },
  CREDENTIALS_DECISION_UNKNOWN: { status: 404, arises: '`credentials.enact`', meaning: 'no executed governance decision for this service with that id' },
  CREDENTIALS_DECISION_ENACTED: { status: 409, arises: '`credentials.enact`', meaning: 'the decision was enacted already' },
  CREDENTIALS_NOT_ACCREDITOR: { status: 403, arises: '`credentials.accredit`', meaning: "the signer's organisation is not accredited to accredit issuers of this type" },
  CREDENTIALS_NOT_ACCREDITED: { status: 404, arises: '`credentials.withdraw`, `credentials.enact` withdraw', meaning: 'no such accreditation in force to withdraw' },
  CREDENTIALS_ISSUER_MISMATCH: { status: 400, arises: '`credentials.issue`', meaning: "the issuer DID is not the signer's (its did:key, or a did:polity whose key in force is the signer)" },
  CREDENTIALS_EXISTS: { status: 409, arises: '`credentials.issue`', meaning: 'a credential with this hash was issued already' },
  CREDENTIALS_STATUS_SLOT: { status: 409, arises: '`credentials.issue`', meaning: 'the status list or index cannot take the credential (no such list, full, or the probe gives a taken index)' },
  CREDENTIALS_UNKNOWN: { status: 404, arises: '`credentials.setStatus`, `GET /v1/credentials/{hash}`', meaning: 'no credential with this hash was issued' },
  CREDENTIALS_NOT_ISSUER: { status: 403, arises: '`credentials.setStatus`', meaning: 'only an issuer of the organisation that issued a credential changes its status' },
  CREDENTIALS_STATUS_LIST_UNKNOWN: { status: 404, arises: '`GET /v1/credentials/status/{org}/{list}/{purpose}`', meaning: 'no such status list' },
  CREDENTIALS_MALFORMED: { status: 400, arises: 'verification, `POST /v1/credentials/verify`', meaning: 'not a W3C VC 2.0 credential that Polity reads: one eddsa-jcs-2022 proof, or a compact vc+jwt' },
  CREDENTIALS_JWT_ALG: { status: 400, arises: 'verification of a vc+jwt', meaning: 'the JWS header names an algorithm other than EdDSA (Ed25519), "none" included' },
  CREDENTIALS_JWT_TYPE: { status: 400, arises: 'verification of a vc+jwt', meaning: 'the JWS header\'s typ is not "vc+jwt" (or its cty not "vc"): a token of another kind is not taken for a credential' },
  CREDENTIALS_PROOF_INVALID: { status: 422, arises: 'verification', meaning: 'the signature (Data Integrity proof or JWS) does not verify, or the verification method is not a key of the issuer' },
  CREDENTIALS_NOT_ISSUED: { status: 422, arises: 'verification', meaning: 'the chain holds no issuance of this exact credential (altered after signing, or never recorded)' },
  CREDENTIALS_ISSUER_UNTRUSTED: { status: 403, arises: '`credentials.issue`, verification', meaning: 'the issuing organisation was not accredited for the credential type when it issued' },
  CREDENTIALS_CLAIMS_INVALID: { status: 422, arises: 'verification, `polity credential issue`', meaning: "the claims do not match the credential type's JSON Schema" },
  CREDENTIALS_REVOKED: { status: 409, arises: 'verification, `credentials.setStatus`', meaning: 'the issuer revoked the credential (final)' },
  CREDENTIALS_SUSPENDED: { status: 409, arises: 'verification', meaning: 'the issuer suspended the credential; it may be reinstated' },
  CREDENTIALS_EXPIRED: { status: 409, arises: 'verification', meaning: 'the credential is past its validUntil' },
  CREDENTIALS_NOT_YET_VALID: { status: 409, arises: 'verification', meaning: 'the credential is before its validFrom' },
  // The holder's usage log and OpenID4VP requests (spec/services/credentials-usage-log.md, credentials.md §8).
  CREDENTIALS_NOT_VERIFIER: { status: 403, arises: '`credentials.logUse`', meaning: 'only a node or an official of an active member organisation with the credentials permission records a use' },
  CREDENTIALS_USE_EXISTS: { status: 409, arises: '`credentials.logUse`', meaning: 'an entry with this tag is recorded already (each tag is used once)' },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof CREDENTIALS_ERRORS> {}
}
