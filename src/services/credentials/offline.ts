/**
 * Verifying a credential with no node: from state receipts (ledger/state-receipt.ts)
 * that prove, against block headers the validators signed, every state entry
 * the verification reads — the issuance record, the type, the
 * accreditations, the organisation's kinds, the issuer DID's key history and
 * the status pages.
 *
 * The holder (or anyone) fetches the receipts while online:
 *   GET /v1/credentials/records/{hash}/receipt     everything, at the head
 *   GET /v1/credentials/status/{org}/{list}/{purpose}/receipt?index=N   one status page, fresher
 * and the verifier runs the same checks as online (verify.ts) over the
 * proven entries, with the genesis as its only trust anchor. The record,
 * trust and type never change for a position in the past; the status does,
 * so the status bits are judged as of the block that proved them, and a
 * block older than the verifier's bound is CREDENTIALS_STATUS_STALE.
 *
 * Where several receipts prove one key, the one of the highest block wins.
 * A key no receipt proves is CREDENTIALS_RECEIPT_INVALID: the verifier never
 * guesses an absent entry (absence is proven too: a non-inclusion proof).
 */
import type { Json } from '../../crypto/canonical-json.js';
import type { Genesis } from '../../ledger/genesis.js';
import { verifyStateReceipt } from '../../ledger/state-receipt.js';
import { POLITY_DID_RE } from '../did/method.js';
import { readVersions } from '../did/module.js';
import { bitsKey, getRecord, type IssuanceRecord } from './module.js';
import { getType, issuerTrustAt, type Get } from './registry.js';
import { locate } from './status-list.js';
import { CHECKS, verifyCredential, type Verification, type VerifyOptions } from './verify.js';

/** The state keys verifying a credential with this record reads (what a record receipt proves). */
export function verificationKeys(get: Get, hash: string): string[] | undefined {
  const keys = new Set<string>();
  const recording: Get = (key) => {
    keys.add(key);
    return get(key);
  };
  const rec = getRecord(recording, hash);
  if (!rec) return undefined;
  issuerTrustAt(recording, rec.credentialType, rec.org, { height: rec.height, txIndex: rec.txIndex });
  getType(recording, rec.credentialType);
  if (POLITY_DID_RE.test(rec.issuer)) readVersions(recording, rec.issuer.slice('did:polity:'.length));
  for (const key of statusKeys(rec)) keys.add(key);
  return [...keys];
}

export function statusKeys(rec: Pick<IssuanceRecord, 'org' | 'list' | 'index'>): string[] {
  const page = locate(rec.index).page;
  return [bitsKey(rec.org, rec.list, 'revocation', page), bitsKey(rec.org, rec.list, 'suspension', page)];
}

class NotProven extends Error {
  constructor(readonly key: string) {
    super('not proven');
  }
}

export interface OfflineOptions extends Omit<VerifyOptions, 'statusAsOf'> {
  /** The oldest status this verifier accepts, ms (the block's age). */
  maxStatusAgeMs: number;
}

/** Verify a credential against receipts and a genesis only. Never throws on bad input. */
export function verifyOffline(input: unknown, receipts: readonly unknown[], genesis: Genesis, options: OfflineOptions): Verification & { receipts: { height: number; timeMs: number }[] } {
  const proven = new Map<string, { value: Json | null; height: number; timeMs: number }>();
  const seen: { height: number; timeMs: number }[] = [];
  for (const [i, r] of receipts.entries()) {
    const check = verifyStateReceipt(r, genesis);
    if (!check.ok) return refused(`receipt ${i + 1}: ${check.reason}`, seen);
    seen.push({ height: check.height, timeMs: check.timeMs });
    for (const [key, value] of check.values) {
      const known = proven.get(key);
      if (!known || known.height < check.height) proven.set(key, { value, height: check.height, timeMs: check.timeMs });
    }
  }
  const get: Get = (key) => {
    const p = proven.get(key);
    if (!p) throw new NotProven(key);
    return p.value ?? undefined;
  };
  // The status is as old as the older of the two pages the credential's index sits in.
  let statusAsOf: VerifyOptions['statusAsOf'];
  try {
    const probe = verifyCredential(get, input, { ...options });
    if (probe.issuance) {
      const times = statusKeys(probe.issuance).map((k) => proven.get(k)?.timeMs);
      if (times.every((t) => t !== undefined)) statusAsOf = { timeMs: Math.min(...(times as number[])), maxAgeMs: options.maxStatusAgeMs };
    }
    const v = verifyCredential(get, input, { ...options, ...(statusAsOf ? { statusAsOf } : {}) });
    return { ...v, receipts: seen };
  } catch (e) {
    if (e instanceof NotProven) return refused(`the receipts do not prove the state key ${e.key.slice(0, 120)} that the check needs`, seen);
    throw e;
  }
}

function refused(reason: string, seen: { height: number; timeMs: number }[]): Verification & { receipts: { height: number; timeMs: number }[] } {
  return {
    verified: false,
    code: 'CREDENTIALS_RECEIPT_INVALID',
    message: reason,
    checks: CHECKS.map((check) => ({ check, ok: null, detail: 'not checked' })),
    receipts: seen,
  };
}
