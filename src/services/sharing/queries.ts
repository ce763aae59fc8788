/**
 * Pure reads of data sharing: what its routes, `polity sharing` and its
 * pages show, and what the node's store checks before it releases or
 * accepts a record (the checks themselves are in module.ts, beside the
 * transitions that use them, so a read and a release judge alike).
 */
import { getOrg, ORG_INDEX_KEY } from '../../runtime/membership.js';
import {
  accessKey,
  datasetsOfKey,
  datasetVersionKey,
  erasuresOf,
  getAccessEntry,
  getErasureRequest,
  getRecord,
  getConsent,
  getDataset,
  getRequest,
  PAGE_SIZE,
  queueCountKey,
  queuePageKey,
  subjectAccessCountKey,
  subjectAccessPageKey,
  subjectConsentsKey,
  type AccessEntry,
  type ConsentRecord,
  type Dataset,
  type DatasetVersion,
  type ErasureRequest,
  type RecordCommitment,
  type Get,
  type SharingRequest,
} from './module.js';

export { basisProblem, consentProblem, getAccessEntry, getConsent, getDataset, getRecord, getRequest, mayHold, nodeOrgOf, releaseProblem, subjectKey, termFor } from './module.js';

/** The most items one page of a listing answers. */
export const LIST_LIMIT_MAX = 100;
/** The most datasets the directory answers at once (all organisations). */
export const DIRECTORY_MAX = 1_000;
/** The most erasure requests, and records per request, one answer about a subject shows. */
export const ERASURES_SHOWN_MAX = 100;

/** Items `offset`… of a paged index (count key, page keys), at most `limit`: a bounded number of pages read. */
function readPaged(get: Get, countKey: string, pageKey: (p: number) => string, offset: number, limit: number): { total: number; ids: string[] } {
  const total = (get(countKey) as number | undefined) ?? 0;
  const n = Math.max(0, Math.min(limit, LIST_LIMIT_MAX, total - offset));
  const ids: string[] = [];
  for (let page = Math.floor(offset / PAGE_SIZE); ids.length < n; page++) {
    const entries = (get(pageKey(page)) as string[] | undefined) ?? [];
    if (entries.length === 0) break;
    const from = page === Math.floor(offset / PAGE_SIZE) ? offset % PAGE_SIZE : 0;
    ids.push(...entries.slice(from, from + (n - ids.length)));
  }
  return { total, ids };
}

/** An organisation's datasets (current versions), in the order first published. */
export function datasetsOf(get: Get, org: string): Dataset[] {
  return ((get(datasetsOfKey(org)) as string[] | undefined) ?? []).map((name) => {
    const ds = getDataset(get, org, name);
    if (!ds) throw new Error(`invariant broken: ${org} lists dataset ${name}, which has no record`);
    return ds;
  });
}

/** The directory: every active member's datasets, at most DIRECTORY_MAX. */
export function directory(get: Get): { datasets: Dataset[]; truncated: boolean } {
  const out: Dataset[] = [];
  for (const id of (get(ORG_INDEX_KEY) as string[] | undefined) ?? []) {
    if (getOrg(get, id)?.status !== 'active') continue;
    for (const ds of datasetsOf(get, id)) {
      if (out.length >= DIRECTORY_MAX) return { datasets: out, truncated: true };
      out.push(ds);
    }
  }
  return { datasets: out, truncated: false };
}

/** A dataset's change log, versions `from`… (1-based), at most LIST_LIMIT_MAX. */
export function datasetHistory(get: Get, org: string, name: string, from = 1, limit = LIST_LIMIT_MAX): DatasetVersion[] {
  const ds = getDataset(get, org, name);
  if (!ds) return [];
  const out: DatasetVersion[] = [];
  const most = Math.min(limit, LIST_LIMIT_MAX);
  for (let v = Math.max(1, from); v <= ds.version && out.length < most; v++) out.push(get(datasetVersionKey(org, name, v)) as unknown as DatasetVersion);
  return out;
}

/** The requests to a holder (its queue), newest last; `pendingOnly` keeps the open ones of that page. */
export function requestsTo(get: Get, holder: string, offset: number, limit: number): { total: number; requests: SharingRequest[] } {
  const { total, ids } = readPaged(get, queueCountKey(holder), (p) => queuePageKey(holder, p), offset, limit);
  return { total, requests: ids.map((id) => getRequest(get, id)!) };
}

/** A subject's consents (granted, revoked and expired), in the order recorded. */
export function consentsOf(get: Get, subject: string): ConsentRecord[] {
  return ((get(subjectConsentsKey(subject)) as string[] | undefined) ?? []).map((id) => getConsent(get, id)!);
}

/** A subject's access-log entries, in the order written. */
export function accessOf(get: Get, subject: string, offset: number, limit: number): { total: number; entries: AccessEntry[] } {
  const { total, ids } = readPaged(get, subjectAccessCountKey(subject), (p) => subjectAccessPageKey(subject, p), offset, limit);
  return { total, entries: ids.map((id) => getAccessEntry(get, id)!) };
}

/** The state keys an access receipt proves: the entry itself. */
export const receiptKeys = (entryId: string): string[] => [accessKey(entryId)];

/** A consent's state now, for people: effective, pending (recorded this block), revoked or expired. */
export function consentState(rec: ConsentRecord, height: number, time: number): 'pending' | 'effective' | 'revoked' | 'expired' {
  if (rec.revokedAt !== undefined && height > rec.revokedAt) return 'revoked';
  if (time >= rec.consent.until) return 'expired';
  return height > rec.grantedAt ? 'effective' : 'pending';
}

/** An erasure request as the subject's page shows it: each record the holder erased for it, with every holder's purge. */
export interface ErasureStatus {
  request: ErasureRequest;
  records: Pick<RecordCommitment, 'recordId' | 'holders' | 'status' | 'purged'>[];
  recordsTotal: number;
}

/**
 * A subject pseudonym's erasure requests, in every dataset of the directory
 * (a pseudonym is pairwise, so in practice one), oldest first: at most
 * ERASURES_SHOWN_MAX requests and as many records each. Reads at most
 * DIRECTORY_MAX index keys plus what it shows.
 */
export function erasuresOfSubject(get: Get, subject: string): { erasures: ErasureStatus[]; truncated: boolean } {
  const out: ErasureStatus[] = [];
  for (const ds of directory(get).datasets) {
    for (const id of erasuresOf(get, ds.org, ds.name, subject)) {
      if (out.length >= ERASURES_SHOWN_MAX) return { erasures: out, truncated: true };
      const request = getErasureRequest(get, id);
      if (!request) throw new Error(`invariant broken: erasure ${id} is listed and not recorded`);
      const records = request.records.slice(0, ERASURES_SHOWN_MAX).map((r) => {
        const rec = getRecord(get, r);
        if (!rec) throw new Error(`invariant broken: erasure ${id} names record ${r}, which has no commitment`);
        return { recordId: rec.recordId, holders: rec.holders, status: rec.status, ...(rec.purged ? { purged: rec.purged } : {}) };
      });
      out.push({ request, records, recordsTotal: request.records.length });
    }
  }
  return { erasures: out, truncated: false };
}
