/**
 * The data-sharing service's rows of the authorisation matrix. Publishing
 * datasets and declining requests need the role data-steward, asking needs
 * data-requester (an organisation's admins give these; they are the
 * module's own roles, which admins do not hold by default). The actions the
 * node's service host also signs (commit, release, logAccess, erase, purge)
 * are open to any key at the runtime and checked by the action itself: a
 * data-steward or admin, or a node key, of the organisation that must act
 * (SHARING_NOT_HOLDER). Consents and revocations are open to anyone because
 * the subject's DID signature inside them is what authorises them.
 */
import { generateKeyPair } from '../../crypto/ed25519.js';
import type { Authorisation, Who } from '../authorisation.js';

const hex = (): string => generateKeyPair().publicKey;
const roleMissing = (): Partial<Record<Who, string>> => ({
  stranger: 'AUTH_NOT_OFFICIAL',
  nodeOfA: 'AUTH_NOT_OFFICIAL',
  auditorOfA: 'AUTH_ROLE_MISSING',
  registrarOfA: 'AUTH_ROLE_MISSING',
  adminOfB: 'AUTH_ROLE_MISSING',
  registrarOfC: 'AUTH_ORG_NOT_PERMITTED',
});
/** The holder side's own check: officials without data-steward and strangers are not the holder; the holder's node or admin gets as far as the object (which the fixture lacks). */
const holderSide = (objectCode: string): Partial<Record<Who, string>> => ({
  stranger: 'SHARING_NOT_HOLDER',
  auditorOfA: 'SHARING_NOT_HOLDER',
  registrarOfA: 'SHARING_NOT_HOLDER',
  registrarOfC: 'SHARING_NOT_HOLDER',
  nodeOfA: objectCode,
  adminOfB: objectCode,
});
const all = (code: string): Partial<Record<Who, string>> => ({ stranger: code, nodeOfA: code, auditorOfA: code, registrarOfA: code, adminOfB: code, registrarOfC: code });

const consent = {
  type: 'polity-sharing-consent',
  v: 1,
  chainId: 'polity-test',
  id: hex(),
  subject: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
  holder: 'a',
  dataset: 'residents',
  fields: ['name'],
  recipient: 'b',
  purpose: 'test',
  until: 4_000_000_000_000,
};

export const sharingAuthorisation: Authorisation = {
  rows: {
    defineDataset: { args: { name: 'residents', title: 'Residents', fields: [{ name: 'name', sensitivity: 'personal' }], sensitivity: 'personal', legalBasis: 'Act §1', terms: [], retentionDays: 30 }, refused: roleMissing() },
    commit: { args: { recordId: hex(), dataset: 'residents', commitment: hex(), holders: ['a'], retentionUntil: 4_000_000_000_000 }, refused: holderSide('SHARING_DATASET_UNKNOWN'), public: "the action admits only a data-steward, admin or node of the dataset's organisation" },
    grantConsent: { args: { consent, signature: '00'.repeat(64) }, refused: all('SHARING_CONSENT_FORGED'), public: "the subject DID's signature inside the arguments authorises it, whoever submits it" },
    revokeConsent: { args: { id: hex(), signature: '00'.repeat(64) }, refused: all('SHARING_CONSENT_UNKNOWN'), public: "the subject DID's signature inside the arguments authorises it, whoever submits it" },
    request: { args: { id: hex(), holder: 'b', dataset: 'residents', fields: ['name'], subject: consent.subject, purpose: 'test', legalBasis: 'Act §1' }, refused: roleMissing() },
    release: { args: { request: hex() }, refused: all('SHARING_REQUEST_UNKNOWN'), public: "the action admits only the request's holder (a data-steward, admin or node of it; SHARING_NOT_HOLDER, module tests)" },
    decline: { args: { request: hex(), reason: 'other' }, refused: roleMissing() },
    logAccess: { args: { dataset: 'residents', fields: ['name'], subject: consent.subject, purpose: 'test', legalBasis: 'Act §1', official: hex(), channel: 'console' }, refused: holderSide('SHARING_DATASET_UNKNOWN'), public: "the action admits only a data-steward, admin or node of the dataset's organisation" },
    erase: { args: { recordId: hex(), reason: 'error' }, refused: all('SHARING_RECORD_UNKNOWN'), public: "the action admits only the record's organisation (SHARING_NOT_HOLDER, module tests)" },
    requestErasure: { args: { erasure: { type: 'polity-sharing-erasure', v: 1, chainId: 'polity-test', id: hex(), subject: consent.subject, holder: 'a', dataset: 'residents' }, signature: '00'.repeat(64) }, refused: all('SHARING_ERASURE_FORGED'), public: "the subject pseudonym's signature inside the arguments authorises it, whoever submits it" },
    refuseTransfer: { args: { request: hex(), code: 'SHARING_COMMITMENT_MISMATCH' }, refused: all('SHARING_REQUEST_UNKNOWN'), public: "the action admits only a node or data-requester of the request's recipient (SHARING_NOT_HOLDER, module tests)" },
    purge: { args: { recordId: hex() }, refused: all('SHARING_RECORD_UNKNOWN'), public: "the action admits only a holder of the record (SHARING_NOT_HOLDER, module tests)" },
  },
};
