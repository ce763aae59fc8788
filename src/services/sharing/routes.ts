/**
 * The data-sharing routes (spec/services/sharing.md §6), all reads:
 *
 *   GET /v1/sharing/datasets                         the directory: every member's datasets
 *   GET /v1/sharing/datasets/{org}                   one organisation's datasets
 *   GET /v1/sharing/datasets/{org}/{name}            a dataset and its change log (provenance)
 *   GET /v1/sharing/records/{id}                     a record's commitment, holders, retention, erasure
 *   GET /v1/sharing/subjects/{subject}/erasures      a subject's erasure requests and each holder's purge
 *   GET /v1/sharing/consents/{id}                    a consent and its state
 *   GET /v1/sharing/requests/{id}                    a request and its decision
 *   GET /v1/sharing/queue/{org}                      the requests to an organisation, paged
 *   GET /v1/sharing/subjects/{subject}/consents      a pseudonym's consents
 *   GET /v1/sharing/subjects/{subject}/access        a pseudonym's access log, paged
 *   GET /v1/sharing/access/{id}                      one access-log entry
 *   GET /v1/sharing/access/{id}/receipt              its state receipt, verifiable offline
 *
 * Transitions are transactions (POST /v1/tx). Every answer is chain state
 * that GET /v1/state serves to any reader already, so nothing is gated:
 * the privacy is in what the chain holds (pseudonyms, field names, no
 * values), not in who may read it. A subject reading its own log should
 * ask a node it trusts: the node sees which pseudonyms are asked together.
 */
import { PolityError } from '../../ledger/errors.js';
import { STATE_RECEIPT_TYPE } from '../../ledger/state-receipt.js';
import { getOrg } from '../../runtime/membership.js';
import { errorResponses } from '../../schemas/common.js';
import { nextOffset, startOffset } from '../../api/paging.js';
import type { ServiceRoutes } from '../../api/route.js';
import { StateReceiptView } from '../credentials/schemas.js';
import { getAccessEntry, getConsent, getDataset, getRecord, getRequest } from './module.js';
import { accessOf, consentsOf, consentState, datasetHistory, datasetsOf, directory, erasuresOfSubject, LIST_LIMIT_MAX, receiptKeys, requestsTo } from './queries.js';
import { AccessAnswer, ConsentAnswer, ConsentsAnswer, DatasetAnswer, DatasetParams, DirectoryView, EntryAnswer, ErasuresAnswer, HistoryQuery, IdParams, OrgParams, PageQuery, QueueAnswer, RecordView, RequestAnswer, SubjectParams } from './schemas.js';

const TAG = 'sharing';

export const sharingRoutes: ServiceRoutes = (app, { node, get }) => {
  const orgOrThrow = (org: string): void => {
    if (!getOrg(get, org)) throw new PolityError('ORG_UNKNOWN', `no member organisation ${org}`);
  };
  /** A consent with its state for the next block, judged at the head's time (read once per answer). */
  const headTime = (): number => node.status().latestBlockTime;
  const withState = <T extends { grantedAt: number; consent: { until: number } }>(rec: T, height: number, time: number) => ({ ...rec, state: consentState(rec as never, height + 1, time) });

  app.get('/v1/sharing/datasets', { schema: { operationId: 'listSharingDatasets', tags: [TAG], summary: "The directory: every active member's dataset descriptors (fields, sensitivity, legal basis, sharing terms, current version and its hash), at most 1,000. Nothing in it is personal.", response: { 200: DirectoryView, ...errorResponses() } } }, async () => {
    const height = node.height;
    return { height, ...directory(get) };
  });

  app.get('/v1/sharing/datasets/:org', { schema: { operationId: 'listOrgSharingDatasets', tags: [TAG], summary: "One organisation's dataset descriptors, in the order first published.", params: OrgParams, response: { 200: DirectoryView, ...errorResponses(404) } } }, async (request) => {
    orgOrThrow(request.params.org);
    const height = node.height;
    return { height, datasets: datasetsOf(get, request.params.org), truncated: false };
  });

  app.get('/v1/sharing/datasets/:org/:name', { schema: { operationId: 'getSharingDataset', tags: [TAG], summary: "A dataset's current descriptor and its change log: every version with its hash, the hash before it, the signing key, block and time (the data's provenance; a page of ?limit versions, 100 unless fewer are asked for, from ?cursor).", params: DatasetParams, querystring: HistoryQuery, response: { 200: DatasetAnswer, ...errorResponses(404) } } }, async (request) => {
    const { org, name } = request.params;
    const offset = startOffset(request.query.cursor, request.query.offset);
    const height = node.height;
    const dataset = getDataset(get, org, name);
    if (!dataset) throw new PolityError('SHARING_DATASET_UNKNOWN', `${org} publishes no dataset ${name}`);
    const history = datasetHistory(get, org, name, offset + 1, request.query.limit ?? LIST_LIMIT_MAX);
    return { height, dataset, history, next: nextOffset(offset, history.length, dataset.version) };
  });

  app.get('/v1/sharing/records/:id', { schema: { operationId: 'getSharingRecord', tags: [TAG], summary: "A record's commitment: its organisation and dataset, the HMAC under the holders' salt, the organisations that may hold it, its retention, and its erasure and each holder's purge.", params: IdParams, response: { 200: RecordView, ...errorResponses(404) } } }, async (request) => {
    const height = node.height;
    const record = getRecord(get, request.params.id);
    if (!record) throw new PolityError('SHARING_RECORD_UNKNOWN', 'no record with this id');
    return { height, record };
  });

  app.get('/v1/sharing/consents/:id', { schema: { operationId: 'getSharingConsent', tags: [TAG], summary: "A consent as the subject signed it, when it was recorded and revoked, and its state for the next block: pending, effective, revoked or expired.", params: IdParams, response: { 200: ConsentAnswer, ...errorResponses(404) } } }, async (request) => {
    const height = node.height;
    const rec = getConsent(get, request.params.id);
    if (!rec) throw new PolityError('SHARING_CONSENT_UNKNOWN', 'no consent with this id');
    return { height, consent: withState(rec, height, headTime()) };
  });

  app.get('/v1/sharing/requests/:id', { schema: { operationId: 'getSharingRequest', tags: [TAG], summary: 'A request: who asked whom for which fields of which pseudonym, for what purpose and on which basis; and its decision (released, refused with the code, or declined).', params: IdParams, response: { 200: RequestAnswer, ...errorResponses(404) } } }, async (request) => {
    const height = node.height;
    const r = getRequest(get, request.params.id);
    if (!r) throw new PolityError('SHARING_REQUEST_UNKNOWN', 'no request with this id');
    return { height, request: r };
  });

  app.get('/v1/sharing/queue/:org', { schema: { operationId: 'getSharingQueue', tags: [TAG], summary: 'The requests made to an organisation, in the order received, at most 100 a page, each with its status.', params: OrgParams, querystring: PageQuery, response: { 200: QueueAnswer, ...errorResponses(404) } } }, async (request) => {
    const { org } = request.params;
    orgOrThrow(org);
    const { limit = 20 } = request.query;
    const offset = startOffset(request.query.cursor, request.query.offset);
    const height = node.height;
    const page = requestsTo(get, org, offset, limit);
    return { height, org, offset, ...page, next: nextOffset(offset, page.requests.length, page.total) };
  });

  app.get('/v1/sharing/subjects/:subject/consents', { schema: { operationId: 'getSubjectConsents', tags: [TAG], summary: "A subject pseudonym's consents (at most 1,000): granted, revoked and expired, each with its state.", params: SubjectParams, response: { 200: ConsentsAnswer, ...errorResponses() } } }, async (request) => {
    const height = node.height;
    const { subject } = request.params;
    const time = headTime();
    return { height, subject, consents: consentsOf(get, subject).map((c) => withState(c, height, time)) };
  });

  app.get('/v1/sharing/subjects/:subject/access', { schema: { operationId: 'getSubjectAccess', tags: [TAG], summary: "A subject pseudonym's access log: every read of its data, granted or refused, in the order written, at most 100 a page.", params: SubjectParams, querystring: PageQuery, response: { 200: AccessAnswer, ...errorResponses() } } }, async (request) => {
    const height = node.height;
    const { subject } = request.params;
    const { limit = 20 } = request.query;
    const offset = startOffset(request.query.cursor, request.query.offset);
    const page = accessOf(get, subject, offset, limit);
    return { height, subject, offset, ...page, next: nextOffset(offset, page.entries.length, page.total) };
  });

  app.get('/v1/sharing/subjects/:subject/erasures', { schema: { operationId: 'getSubjectErasures', tags: [TAG], summary: "A subject pseudonym's erasure requests (at most 100), oldest first: when each was recorded, the records its holder erased for it (at most 100 shown) and each holder's purge confirmation.", params: SubjectParams, response: { 200: ErasuresAnswer, ...errorResponses() } } }, async (request) => {
    const height = node.height;
    const { subject } = request.params;
    return { height, subject, ...erasuresOfSubject(get, subject) };
  });

  app.get('/v1/sharing/access/:id', { schema: { operationId: 'getSharingAccess', tags: [TAG], summary: 'One access-log entry.', params: IdParams, response: { 200: EntryAnswer, ...errorResponses(404) } } }, async (request) => {
    const height = node.height;
    const entry = getAccessEntry(get, request.params.id);
    if (!entry) throw new PolityError('SHARING_ENTRY_UNKNOWN', 'no access-log entry with this id');
    return { height, entry };
  });

  app.get('/v1/sharing/access/:id/receipt', { schema: { operationId: 'getSharingAccessReceipt', tags: [TAG], summary: "A state receipt of one access-log entry at the head, signed by the validators: the subject's proof of who read their data, verifiable offline with the genesis alone (polity sharing verify-receipt).", params: IdParams, response: { 200: StateReceiptView, ...errorResponses(404) } } }, async (request) => {
    const keys = receiptKeys(request.params.id);
    // One synchronous pass: every proof is against the same root.
    const reads = keys.map((key) => node.readState(key, true));
    const first = reads[0]!;
    if (first.value === null || first.value === undefined) throw new PolityError('SHARING_ENTRY_UNKNOWN', 'no access-log entry with this id');
    if (!first.header || !first.certificate) throw new PolityError('SHARING_ENTRY_UNKNOWN', 'no block is committed yet');
    const handovers = await node.setHandovers(first.height);
    return {
      type: STATE_RECEIPT_TYPE as typeof STATE_RECEIPT_TYPE,
      v: 1 as const,
      chainId: node.chainId,
      genesisHash: node.genesisHash,
      header: first.header as unknown as Record<string, unknown>,
      certificate: first.certificate as unknown as Record<string, unknown>,
      ...(handovers.length > 0 ? { validatorSets: handovers as unknown as Record<string, unknown>[] } : {}),
      entries: reads.map((r) => ({ key: r.key, value: r.value, proof: r.proof as unknown as Record<string, unknown> })),
    };
  });
};
