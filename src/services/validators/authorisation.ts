/** The validators service's rows of the authorisation matrix. */
import { generateKeyPair } from '../../crypto/ed25519.js';
import type { Authorisation } from '../authorisation.js';

const hex = (): string => generateKeyPair().publicKey;

export const validatorsAuthorisation: Authorisation = {
  rows: {
    propose: {
      args: { validators: [{ name: 'x', pubKey: hex(), power: 1 }, { name: 'y', pubKey: hex(), power: 1 }] },
      refused: { stranger: 'AUTH_NOT_VALIDATOR', auditorOfA: 'AUTH_NOT_VALIDATOR', adminOfB: 'AUTH_NOT_VALIDATOR' },
    },
    approve: { args: { id: hex() }, refused: { stranger: 'AUTH_NOT_VALIDATOR', adminOfB: 'AUTH_NOT_VALIDATOR' } },
  },
};
