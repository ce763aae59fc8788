/** The org service's rows of the authorisation matrix: only an admin of the very organisation acts for it. */
import { generateKeyPair } from '../../crypto/ed25519.js';
import type { Authorisation } from '../authorisation.js';

const hex = (): string => generateKeyPair().publicKey;

export const orgAuthorisation: Authorisation = {
  rows: {
    propose: {
      args: { org: 'a', op: { type: 'registerOfficial', key: hex(), roles: ['auditor'], consent: '00'.repeat(64) } },
      refused: { stranger: 'AUTH_NOT_ORG_ADMIN', auditorOfA: 'AUTH_NOT_ORG_ADMIN', registrarOfA: 'AUTH_NOT_ORG_ADMIN', nodeOfA: 'AUTH_NOT_ORG_ADMIN', adminOfB: 'AUTH_NOT_ORG_ADMIN' },
    },
    approve: { args: { org: 'a', id: hex() }, refused: { stranger: 'AUTH_NOT_ORG_ADMIN', auditorOfA: 'AUTH_NOT_ORG_ADMIN', adminOfB: 'AUTH_NOT_ORG_ADMIN' } },
  },
};
