/** The gov service's rows of the authorisation matrix: only organisation admins propose and vote. */
import { generateKeyPair } from '../../crypto/ed25519.js';
import type { Authorisation } from '../authorisation.js';

const hex = (): string => generateKeyPair().publicKey;

export const govAuthorisation: Authorisation = {
  rows: {
    propose: {
      args: { change: { type: 'setParameter', name: 'votingSeconds', value: 99 } },
      refused: { stranger: 'AUTH_NOT_ORG_ADMIN', auditorOfA: 'AUTH_NOT_ORG_ADMIN', registrarOfC: 'AUTH_NOT_ORG_ADMIN', nodeOfA: 'AUTH_NOT_ORG_ADMIN' },
    },
    vote: { args: { id: hex(), approve: true }, refused: { stranger: 'AUTH_NOT_ORG_ADMIN', auditorOfA: 'AUTH_NOT_ORG_ADMIN', nodeOfA: 'AUTH_NOT_ORG_ADMIN' } },
  },
};
