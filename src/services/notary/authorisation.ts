/** The notary's rows of the authorisation matrix (src/services/authorisation.ts). */
import { generateKeyPair } from '../../crypto/ed25519.js';
import type { Authorisation } from '../authorisation.js';

const hex = (): string => generateKeyPair().publicKey;

export const notaryAuthorisation: Authorisation = {
  rows: {
    anchor: { args: { hash: hex() }, refused: {}, public: 'a timestamp of a hash reveals nothing; the receipt names the signer' },
    anchorBatch: { args: { root: hex(), count: 2 }, refused: {}, public: 'as anchor: a Merkle root of hashes, attributed to its signer' },
  },
};
