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
  // The issuing desk (desk.ts), the VC API's issue and status, OpenID4VCI (spec §8-§9).
  CREDENTIALS_DESK_OFF: { status: 503, arises: '`POST /credentials/issue`, `/credentials/status`, OpenID4VCI', meaning: "this node runs no issuing desk (started without --issuing-key), or the desk's key is not an issuer of an active organisation" },
  CREDENTIALS_DESK_BUSY: { status: 503, arises: 'the issuing desk', meaning: 'the issuing desk has as many requests waiting as it may, or the node did not admit its transaction; try again shortly' },
  CREDENTIALS_DESK_UNCONFIRMED: { status: 503, arises: 'the issuing desk', meaning: 'the issuing transaction was not committed in time; the credential was not handed out' },
  // SD-JWT VC and presentations (spec §2b, §4a).
  CREDENTIALS_DISCLOSURE_INVALID: { status: 422, arises: 'verification of an SD-JWT VC', meaning: 'a disclosure matches no digest the issuer signed: it was altered, or taken from another credential' },
  CREDENTIALS_PRESENTATION_MALFORMED: { status: 400, arises: 'presentation verification', meaning: 'not a presentation Polity reads: an SD-JWT with a key-binding JWT, or a vp+jwt (VC-JOSE) with holder, aud and nonce' },
  CREDENTIALS_PRESENTATION_PROOF_INVALID: { status: 422, arises: 'presentation verification', meaning: "the holder's signature (the key-binding JWT or the vp+jwt) does not verify, or its sd_hash does not cover what was presented" },
  CREDENTIALS_PRESENTATION_AUDIENCE: { status: 403, arises: 'presentation verification', meaning: 'the presentation was made for another verifier (its aud is not this audience)' },
  CREDENTIALS_PRESENTATION_REPLAYED: { status: 409, arises: 'presentation verification', meaning: "the presentation's nonce is not one this node handed out, was used already, or expired" },
  CREDENTIALS_HOLDER_MISMATCH: { status: 403, arises: 'presentation verification', meaning: "the presenter is not the credential's holder: not its subject's DID, or no key the issuer bound it to (cnf)" },
  CREDENTIALS_NONCES_EXHAUSTED: { status: 503, arises: '`POST /v1/credentials/nonces`', meaning: 'the node holds as many unexpired presentation nonces as it keeps; try again when some expire' },
  // The holder's usage log and OpenID4VP requests (spec/services/credentials-usage-log.md, credentials.md §11).
  CREDENTIALS_NOT_VERIFIER: { status: 403, arises: '`credentials.logUse`', meaning: 'only a node or an official of an active member organisation with the credentials permission records a use' },
  CREDENTIALS_USE_EXISTS: { status: 409, arises: '`credentials.logUse`', meaning: 'an entry with this tag is recorded already (each tag is used once)' },
  CREDENTIALS_REQUEST_INVALID: { status: 400, arises: '`POST /v1/credentials/requests`', meaning: 'the request object is not one Polity files: not signed by the official, another response_uri, a reused state or nonce, or an ask outside what a Polity verifier reads' },
  CREDENTIALS_REQUEST_UNKNOWN: { status: 404, arises: '`GET /v1/credentials/requests/{id}`, its `/object`', meaning: 'no open request with this id for you (answered, expired, never filed, or its outcome is no longer kept)' },
  CREDENTIALS_REQUEST_LIMIT: { status: 429, arises: '`POST /v1/credentials/requests`', meaning: 'the node or the official holds as many open requests as it keeps; try again when some have closed' },
  CREDENTIALS_REQUEST_UNMET: { status: 422, arises: '`POST /v1/credentials/responses`', meaning: 'the presentation verified but does not show what the request asks: another credential type, or an asked claim not disclosed' },
  CREDENTIALS_VCI_OFFERS_FULL: { status: 503, arises: '`POST /v1/credentials/offers`', meaning: 'as many credential offers are open as the node holds; wait until some are redeemed or expire' },
  CREDENTIALS_VCI_OFFER_UNKNOWN: { status: 404, arises: '`GET /v1/credentials/offers/{id}`', meaning: 'no open credential offer with this id: redeemed, expired, or never made' },
  CREDENTIALS_VCI_GRANT_TYPE: { status: 400, arises: 'OpenID4VCI token endpoint (`unsupported_grant_type`)', meaning: 'only the pre-authorised code grant is supported' },
  CREDENTIALS_VCI_GRANT_UNKNOWN: { status: 400, arises: 'OpenID4VCI token endpoint (`invalid_grant`)', meaning: 'no open offer has this pre-authorised code (expired, or never made)' },
  CREDENTIALS_VCI_GRANT_USED: { status: 400, arises: 'OpenID4VCI token endpoint (`invalid_grant`)', meaning: 'the pre-authorised code was redeemed already: a code is good once' },
  CREDENTIALS_VCI_TX_CODE: { status: 400, arises: 'OpenID4VCI token endpoint (`invalid_grant`)', meaning: 'the transaction code is missing or wrong; after three wrong tries the offer is void' },
  CREDENTIALS_VCI_TOKEN: { status: 401, arises: 'OpenID4VCI credential endpoint (`invalid_token`)', meaning: 'the access token is missing, unknown, expired or used' },
  CREDENTIALS_VCI_NONCE: { status: 400, arises: 'OpenID4VCI credential endpoint (`invalid_nonce`)', meaning: "the proof's c_nonce is missing, unknown, expired or used; get a fresh one from the nonce endpoint" },
  CREDENTIALS_VCI_PROOF: { status: 400, arises: 'OpenID4VCI credential endpoint (`invalid_proof`)', meaning: 'the proof of possession of the holder key is missing or not valid (typ, alg, key, signature, audience or time)' },
  CREDENTIALS_VCI_REQUEST: { status: 400, arises: 'OpenID4VCI credential endpoint (`invalid_credential_request`, `unknown_credential_configuration`)', meaning: 'the credential request names a configuration or format the offer does not grant' },
  // Templates, kinds of organisation, signed and offline status (spec §§1a, 3a, 4b).
  CREDENTIALS_ORG_KIND: { status: 403, arises: '`credentials.enact` accredit, `credentials.accredit`, `credentials.issue`', meaning: 'the credential type is issued only by organisations of a kind (a university, a municipality, …) and the organisation is not, or no longer, of that kind' },
  CREDENTIALS_STATUS_STALE: { status: 409, arises: 'verification offline, `polity credential status-list`', meaning: 'the status the verifier holds (a status receipt, or a signed status list credential) is older than the freshness it accepts' },
  CREDENTIALS_RECEIPT_INVALID: { status: 422, arises: 'verification offline', meaning: 'a state receipt does not verify against the genesis (altered, another chain, a forged certificate) or does not prove the state the check needs' },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof CREDENTIALS_ERRORS> {}
}
