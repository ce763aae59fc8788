/**
 * The authorisation matrix (OWASP API Security 2023: API1 broken object-level
 * and API5 broken function-level authorisation), one row per action, written
 * by each service beside its module (src/services/<name>/authorisation.ts)
 * and run for every registered service by test/authorisation.test.ts.
 *
 * The fixture is three departments: `a` (with an auditor and a registrar),
 * `b`, and `c` (permitted in the notary module only, with a registrar), a
 * stranger, and the node key of `a`. A row names the signers that must be
 * refused, with the code; an action open to anyone says why that is safe, or
 * lists the object-level refusals it makes itself.
 */
import type { KeyPair } from '../crypto/ed25519.js';
import type { TestChain } from './test-chain.js';

export type Who = 'stranger' | 'auditorOfA' | 'registrarOfA' | 'adminOfB' | 'registrarOfC' | 'nodeOfA';

export interface AuthorisationRow {
  args: Record<string, unknown>;
  /** Signers that must be refused, with the code. */
  refused: Partial<Record<Who, string>>;
  /** For actions open to anyone: why that is safe. */
  public?: string;
}

export interface Authorisation {
  /** One row per action of the service's module, by action name. */
  rows: Readonly<Record<string, AuthorisationRow>>;
  /** Records the rows need on the fixture chain before they run (e.g. a DID whose holder the rows impersonate). */
  setup?(chain: TestChain, who: Readonly<Record<Who, KeyPair>>): void;
}
