/**
 * Commit certificates checked in the browser: the ledger code prepares what
 * to check (`certificateChecks`, `followSets` — the node's own modules), and
 * WebCrypto Ed25519 checks each signature here. Shared by the explorer
 * (a block's certificate), the verify page (a receipt's certificates) and
 * the validators page (the handovers from the genesis set).
 */
import { certificateChecks, hasQuorum, type CommitCertificate } from '../../src/ledger/block.js';
import type { Validator } from '../../src/ledger/genesis.js';
import type { CertificateToCheck } from '../../src/ledger/set-history.js';
import { ed25519Verify } from './webcrypto.js';

export interface CertificateVerdict {
  /** Each signer's key and whether its signature holds, in the certificate's order. */
  signatures: { pubKey: string; power: number; valid: boolean }[];
  signedPower: number;
  totalPower: number;
  /** More than two thirds of the power signed validly. */
  quorum: boolean;
  /** A malformed certificate (unknown or repeated signer): no signature was checked. */
  error?: string;
}

/** Check every signature of `certificate` against `validators` (the set that signs its block). */
export async function verifyCertificate(chainId: string, certificate: CommitCertificate, validators: readonly Validator[]): Promise<CertificateVerdict> {
  const prepared = certificateChecks(chainId, certificate, validators);
  if (prepared.error) return { signatures: [], signedPower: 0, totalPower: prepared.totalPower, quorum: false, error: prepared.error };
  const signatures: CertificateVerdict['signatures'] = [];
  let signedPower = 0;
  for (const c of prepared.checks) {
    const valid = await ed25519Verify(c.pubKey, c.message, c.sig);
    signatures.push({ pubKey: c.pubKey, power: c.power, valid });
    if (valid) signedPower += c.power;
  }
  return { signatures, signedPower, totalPower: prepared.totalPower, quorum: hasQuorum(signedPower, prepared.totalPower) };
}

/** True when every signature holds and they carry a quorum. */
export const certificateHolds = (v: CertificateVerdict): boolean => !v.error && v.quorum && v.signatures.every((s) => s.valid);

/**
 * Check the handover certificates `followSets` returned, oldest first; the
 * verdicts are kept in `checked` (by block hash) so a page checks each once.
 * Returns the first handover that does not hold, or undefined when all do.
 */
export async function verifyHandovers(chainId: string, handovers: readonly CertificateToCheck[], checked: Map<string, boolean>): Promise<CertificateToCheck | undefined> {
  for (const h of handovers) {
    if (!checked.has(h.blockHash)) checked.set(h.blockHash, certificateHolds(await verifyCertificate(chainId, h.certificate, h.validators)));
    if (!checked.get(h.blockHash)) return h;
  }
  return undefined;
}
