/** Pure reads of recorded evidence. */
import type { Json } from '../../crypto/canonical-json.js';
import type { EvidenceRecord } from './module.js';

type Get = (key: string) => Json | undefined;

/** The records under `keys` (the host knows which keys hold evidence), oldest first. */
export function evidenceRecords(get: Get, keys: readonly string[]): EvidenceRecord[] {
  return keys.map((k) => get(k) as unknown as EvidenceRecord | undefined).filter((r): r is EvidenceRecord => r !== undefined);
}

/** The records of one validator. */
export function evidenceAgainst(records: readonly EvidenceRecord[], validator: string): EvidenceRecord[] {
  return records.filter((r) => r.validator === validator);
}
