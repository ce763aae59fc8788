/** Pure reads of recorded evidence. */
import type { Json } from '../../crypto/canonical-json.js';
import type { EvidenceRecord } from './module.js';

type Get = (key: string) => Json | undefined;

/** The records under `keys` (the host knows which keys hold evidence), oldest first. */
export function evidenceRecords(get: Get, keys: readonly string[]): EvidenceRecord[] {
  return keys.map((k) => get(k) as unknown as EvidenceRecord | undefined).filter((r): r is EvidenceRecord => r !== undefined);
}

/**
 * One page of the records under `keys` (oldest first), newest first: the
 * `limit` records recorded before position `before` (default: all of
 * them), and the position to continue from. Reads only the page's keys.
 */
export function evidencePage(get: Get, keys: readonly string[], limit: number, before?: number): { evidence: EvidenceRecord[]; total: number; next?: number } {
  const end = Math.min(before ?? keys.length, keys.length);
  const start = Math.max(0, end - limit);
  const evidence = evidenceRecords(get, keys.slice(start, end)).reverse();
  return { evidence, total: keys.length, ...(start > 0 ? { next: start } : {}) };
}

/** The records of one validator. */
export function evidenceAgainst(records: readonly EvidenceRecord[], validator: string): EvidenceRecord[] {
  return records.filter((r) => r.validator === validator);
}
