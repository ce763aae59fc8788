/**
 * The invoices service's rows of the authorisation matrix: invoicers issue
 * and void, reimbursers (of a designated organisation) reimburse; the buyer
 * acknowledges, which the action checks itself; enacting a governance
 * decision is open to anyone because the consortium already approved it.
 */
import { generateKeyPair } from '../../crypto/ed25519.js';
import type { Authorisation, Who } from '../authorisation.js';

const hex = (): string => generateKeyPair().publicKey;
const roleMissing = (): Partial<Record<Who, string>> => ({
  stranger: 'AUTH_NOT_OFFICIAL',
  nodeOfA: 'AUTH_NOT_OFFICIAL',
  auditorOfA: 'AUTH_ROLE_MISSING',
  registrarOfA: 'AUTH_ROLE_MISSING',
  // An admin holds the common roles, not this module's: an organisation gives invoicer and reimburser to officials.
  adminOfB: 'AUTH_ROLE_MISSING',
  registrarOfC: 'AUTH_ORG_NOT_PERMITTED',
});

export const invoicesAuthorisation: Authorisation = {
  rows: {
    enact: {
      args: { proposal: hex() },
      refused: { stranger: 'INVOICES_DECISION_UNKNOWN', adminOfB: 'INVOICES_DECISION_UNKNOWN' },
      public: 'it applies only a governance proposal the consortium executed, once; who sends it changes nothing',
    },
    issue: { args: { number: 'INV-1', buyer: 'b', amount: 1250, currency: 'EUR', date: '2026-12-01', documentHash: hex() }, refused: roleMissing() },
    acknowledge: {
      args: { seller: 'a', number: 'INV-1' },
      refused: { stranger: 'INVOICES_UNKNOWN', adminOfB: 'INVOICES_UNKNOWN', registrarOfC: 'INVOICES_UNKNOWN' },
      public: "the action itself admits only the invoice's buyer (INVOICES_NOT_BUYER, module tests)",
    },
    void: { args: { seller: 'a', number: 'INV-1', reason: 'issued-in-error' }, refused: roleMissing() },
    reimburse: { args: { seller: 'a', number: 'INV-1' }, refused: roleMissing() },
  },
};
