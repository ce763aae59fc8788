/** The did service's rows of the authorisation matrix: holder actions refuse other keys; registrar actions need the role. */
import { generateKeyPair } from '../../crypto/ed25519.js';
import type { Authorisation, Who } from '../authorisation.js';
import { didPolityFromKey } from './method.js';

const hex = (): string => generateKeyPair().publicKey;
/** The holder whose DID the rows act on (created by `setup`). */
const holder = generateKeyPair();
const holderDid = didPolityFromKey('polity-test', holder.publicKey);
const notController: Partial<Record<Who, string>> = { stranger: 'DID_NOT_CONTROLLER', registrarOfA: 'DID_NOT_CONTROLLER', adminOfB: 'DID_NOT_CONTROLLER', nodeOfA: 'DID_NOT_CONTROLLER' };
const notRegistrar: Partial<Record<Who, string>> = { stranger: 'AUTH_NOT_OFFICIAL', nodeOfA: 'AUTH_NOT_OFFICIAL', auditorOfA: 'AUTH_ROLE_MISSING', registrarOfC: 'AUTH_ORG_NOT_PERMITTED' };

export const didAuthorisation: Authorisation = {
  rows: {
    create: { args: {}, refused: {}, public: "a holder creates the DID of its own key: the identifier is derived from the signer's key, so nobody can create another key's DID" },
    rotate: { args: { did: holderDid, publicKey: hex() }, refused: notController },
    update: { args: { did: holderDid, services: [] }, refused: notController },
    deactivate: { args: { did: holderDid }, refused: notController },
    recover: { args: { did: holderDid, publicKey: hex(), reason: 'lost-key' }, refused: notRegistrar },
    registrarDeactivate: { args: { did: holderDid, reason: 'subject-ceased' }, refused: notRegistrar },
  },
  setup(chain) {
    const result = chain.run(holder, 'did', 'create', {});
    if (result.code !== 'OK') throw new Error(`authorisation fixture: did.create answered ${result.code}`);
  },
};
