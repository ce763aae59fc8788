/** Evidence's rows of the authorisation matrix. */
import type { Authorisation } from '../authorisation.js';

export const evidenceAuthorisation: Authorisation = {
  rows: {
    submit: { args: { first: {}, second: {} }, refused: {}, public: 'evidence is self-proving (two signed conflicting votes); anyone may report it' },
  },
};
