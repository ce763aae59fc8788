/**
 * The credentials service's rows of the authorisation matrix: accreditors'
 * admins accredit, issuers issue and change status, and only for their own
 * organisation's records; enacting a governance decision is open to anyone
 * because the decision was already approved by the consortium.
 */
import { generateKeyPair } from '../../crypto/ed25519.js';
import type { Authorisation, Who } from '../authorisation.js';
import { SEALED_CHARS } from './usage-log.js';

const hex = (): string => generateKeyPair().publicKey;
const notAdmin: Partial<Record<Who, string>> = { stranger: 'AUTH_NOT_ORG_ADMIN', auditorOfA: 'AUTH_NOT_ORG_ADMIN', registrarOfA: 'AUTH_NOT_ORG_ADMIN', nodeOfA: 'AUTH_NOT_ORG_ADMIN' };
const notIssuer: Partial<Record<Who, string>> = { stranger: 'AUTH_NOT_OFFICIAL', nodeOfA: 'AUTH_NOT_OFFICIAL', auditorOfA: 'AUTH_ROLE_MISSING', registrarOfA: 'AUTH_ROLE_MISSING', registrarOfC: 'AUTH_ORG_NOT_PERMITTED' };

export const credentialsAuthorisation: Authorisation = {
  rows: {
    enact: {
      args: { proposal: hex() },
      refused: { stranger: 'CREDENTIALS_DECISION_UNKNOWN', adminOfB: 'CREDENTIALS_DECISION_UNKNOWN' },
      public: 'it applies only a governance proposal the consortium executed, once; who sends it changes nothing',
    },
    accredit: { args: { org: 'a', credentialType: 'UniversityDiploma' }, refused: { ...notAdmin, adminOfB: 'CREDENTIALS_NOT_ACCREDITOR' } },
    withdraw: { args: { org: 'a', credentialType: 'UniversityDiploma' }, refused: { ...notAdmin, adminOfB: 'CREDENTIALS_NOT_ACCREDITED' } },
    issue: { args: { credentialType: 'UniversityDiploma', hash: hex(), issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', list: 0, probe: 0 }, refused: { ...notIssuer, adminOfB: 'CREDENTIALS_TYPE_UNKNOWN' } },
    openList: { args: { entries: 1_048_576 }, refused: { ...notAdmin } },
    setStatus: { args: { hash: hex(), status: 'revoked' }, refused: { ...notIssuer, adminOfB: 'CREDENTIALS_UNKNOWN' } },
    // Open to every member's node and officials (a verifier's node records the use itself); the action refuses the rest.
    logUse: { args: { tag: hex(), sealed: 'A'.repeat(SEALED_CHARS) }, refused: { stranger: 'CREDENTIALS_NOT_VERIFIER', registrarOfC: 'CREDENTIALS_NOT_VERIFIER' } },
  },
};
