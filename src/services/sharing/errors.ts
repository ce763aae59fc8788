/**
 * Error codes of data sharing (spec/services/sharing.md): one code for each
 * reason a transition or a read is refused, so that a department's tool, a
 * citizen's wallet and the node's private store can say exactly why.
 * Messages name datasets, organisations, record and consent ids — never a
 * subject's DID, and never a record's contents.
 */
import { defineErrors, type DetailsOf } from '../../ledger/errors.js';

export const SHARING_ERRORS = defineErrors({
  SHARING_INVALID: { status: 400, arises: '`sharing.*`', meaning: 'a malformed argument the schema cannot catch: a field listed twice, a holder or recipient that is not an active member, a retention date in the past, a node logging a read without naming the official' },
  SHARING_OVERSIZED: { status: 400, arises: '`sharing.*`', meaning: 'a limit reached: 256 datasets per organisation, 1,000 versions of a dataset, 1,000 consents per subject, a retention beyond the dataset\'s, 10,000,000 entries in an index' },
  SHARING_NOT_MEMBER: { status: 403, arises: '`sharing.*`', meaning: 'the organisation (the holder, or the requester at release) is not an active member with the sharing permission' },
  SHARING_NOT_HOLDER: { status: 403, arises: '`sharing.commit|release|decline|logAccess|erase|purge`', meaning: 'the signer is not a data-steward (or admin) or a node of the organisation that must act: the dataset\'s or record\'s organisation, the request\'s holder, a holder of the record' },
  SHARING_DATASET_UNKNOWN: { status: 404, arises: '`sharing.*`, `GET /v1/sharing/datasets/{org}/{name}`', meaning: 'the organisation publishes no dataset with this name' },
  SHARING_FIELD_UNKNOWN: { status: 400, arises: '`sharing.defineDataset|grantConsent|request|logAccess`', meaning: 'a field the dataset does not have' },
  SHARING_RECORD_EXISTS: { status: 409, arises: '`sharing.commit`', meaning: 'a record with this id is committed already (ids are random and used once)' },
  SHARING_RECORD_UNKNOWN: { status: 404, arises: '`sharing.erase|purge|requestErasure`, `GET /v1/sharing/records/{id}`', meaning: 'no record with this id' },
  SHARING_RECORD_ERASED: { status: 409, arises: '`sharing.erase|purge|requestErasure`', meaning: 'the record is being erased or purged already, or this holder confirmed its purge already' },
  SHARING_NOT_ERASING: { status: 409, arises: '`sharing.purge`', meaning: 'no erasure of the record was ordered and its retention period has not ended' },
  SHARING_CONSENT_FORGED: { status: 403, arises: '`sharing.grantConsent|revokeConsent`', meaning: "the signature is not the subject DID's signature of this consent or revocation (another key, another chain, a changed consent, or a DID with no key in force)" },
  SHARING_CONSENT_EXISTS: { status: 409, arises: '`sharing.grantConsent`', meaning: 'a consent with this id is recorded already (a consent is recorded once)' },
  SHARING_CONSENT_UNKNOWN: { status: 404, arises: '`sharing.revokeConsent|request|release|logAccess`, `GET /v1/sharing/consents/{id}`', meaning: 'no consent with this id' },
  SHARING_CONSENT_WRONG_RECIPIENT: { status: 403, arises: '`sharing.request|release`', meaning: 'the consent names another recipient organisation' },
  SHARING_CONSENT_NOT_COVERING: { status: 403, arises: '`sharing.request|release|logAccess`', meaning: 'the consent is for another subject, holder or dataset, or does not name every field asked for' },
  SHARING_CONSENT_REVOKED: { status: 403, arises: '`sharing.revokeConsent|request|release|logAccess`', meaning: 'the subject revoked the consent (effective from the block after the revocation)' },
  SHARING_CONSENT_EXPIRED: { status: 403, arises: '`sharing.grantConsent|request|release|logAccess`', meaning: "the consent's expiry has passed (block time)" },
  SHARING_CONSENT_NOT_EFFECTIVE: { status: 409, arises: '`sharing.release|logAccess`', meaning: 'the consent was recorded in this block; it takes effect from the next' },
  SHARING_NO_LEGAL_BASIS: { status: 403, arises: '`sharing.request|release|logAccess`', meaning: "the dataset publishes no sharing term for this recipient, legal basis and fields (or, for the holder's own reads, the basis is not the one it holds the data on)" },
  SHARING_NO_BASIS: { status: 400, arises: '`sharing.request|logAccess`', meaning: 'a read names exactly one basis: a consent or a legal basis' },
  SHARING_REQUEST_REPLAYED: { status: 409, arises: '`sharing.request`', meaning: 'a request with this id is recorded already: a replayed request' },
  SHARING_REQUEST_UNKNOWN: { status: 404, arises: '`sharing.release|decline`, `GET /v1/sharing/requests/{id}`', meaning: 'no request with this id' },
  SHARING_REQUEST_CLOSED: { status: 409, arises: '`sharing.release|decline`', meaning: 'the request was released, refused or declined already' },
  SHARING_MANUAL_APPROVAL: { status: 403, arises: '`sharing.release`', meaning: "the sharing term says the holder decides by hand: an official of the holder releases, not its node" },
  SHARING_ERASURE_FORGED: { status: 403, arises: '`sharing.requestErasure`', meaning: "the signature is not the subject pseudonym's signature of this erasure request (another key, another chain, a changed document)" },
  SHARING_ERASURE_EXISTS: { status: 409, arises: '`sharing.requestErasure`', meaning: 'an erasure request with this id is recorded already: a replayed request' },
  SHARING_ENTRY_UNKNOWN: { status: 404, arises: '`GET /v1/sharing/access/{id}`, `polity sharing receipt`', meaning: 'no access-log entry with this id' },
  SHARING_RECEIPT_INVALID: { status: 400, arises: '`polity sharing verify-receipt`', meaning: 'the receipt does not verify against the genesis, or does not prove an access-log entry' },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof SHARING_ERRORS> {}
}
