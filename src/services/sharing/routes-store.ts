/**
 * Routes an organisation's officials use to reach their own node's private
 * store (spec/services/sharing.md §Private store, §Transfer). Each needs a
 * signed request or a session, and answers only an official of the node's
 * own organisation: the node holds that organisation's records, and the
 * answers carry personal data.
 *
 *   GET  /v1/sharing/store/records            an official lists the records the node holds (ids and datasets)
 *   POST /v1/sharing/store/records            a data-steward stores a record (its commitment goes on the chain)
 *   POST /v1/sharing/store/records/{id}/read  an official reads one of the organisation's records (the access entry first)
 *   POST /v1/sharing/store/fetch              the official who made a request fetches what it names from the holder
 */
import { requirePrincipal } from '../../api/authenticate.js';
import { SIGNED_OR_SESSION, type ServiceRoutes } from '../../api/route.js';
import { PolityError } from '../../ledger/errors.js';
import { callerOf } from '../../runtime/membership.js';
import { errorResponses } from '../../schemas/common.js';
import type { SharingHostApi } from './host.js';
import { nodeOrgOf } from './module.js';
import { FetchBody, FetchView, HeldRecordsView, ReadOwnBody, ReadOwnView, RecordParams, StoreRecordBody, StoredRecordView } from './schemas-store.js';
import './errors-store.js';

const TAG = 'sharing';
/** Records one listing shows. */
const HELD_LIST_MAX = 1_000;

export const sharingStoreRoutes: ServiceRoutes<SharingHostApi | undefined> = (app, { node, host, auth, get }) => {
  const hostOrThrow = (): SharingHostApi => {
    if (!host) throw new PolityError('SHARING_NOT_MEMBER', 'this node runs no private store');
    return host;
  };
  /** The principal, if an official of this node's organisation (with one of `roles`, when given). */
  const officialOf = async (request: Parameters<typeof requirePrincipal>[0], roles?: readonly string[]): Promise<string> => {
    const principal = await requirePrincipal(request, auth);
    const caller = callerOf(get, principal.publicKey);
    const own = nodeOrgOf(get, node.nodeKey);
    if (own === undefined || caller.org !== own) throw new PolityError('SHARING_NOT_HOLDER', "only an official of this node's organisation uses its private store");
    if (roles && !caller.admin && !roles.some((r) => caller.roles.includes(r))) throw new PolityError('SHARING_NOT_HOLDER', `expected an official with the role ${roles.join(' or ')}`);
    return principal.publicKey;
  };

  app.get(
    '/v1/sharing/store/records',
    { schema: { operationId: 'listHeldSharingRecords', tags: [TAG], summary: "An official of the node's organisation lists the records its node holds — ids and datasets only, no subject and no value — to choose one to open (the organisation console does).", security: [...SIGNED_OR_SESSION], response: { 200: HeldRecordsView, ...errorResponses(401, 403) } } },
    async (request) => {
      await officialOf(request);
      return hostOrThrow().heldRecords(HELD_LIST_MAX);
    },
  );

  app.post(
    '/v1/sharing/store/records',
    { schema: { operationId: 'storeSharingRecord', tags: [TAG], summary: "A data-steward stores a record of one of the organisation's datasets in its node's private store: encrypted at rest, sealed for every node of every holder, its salted commitment recorded on the chain (waits for the block), and copies sent to the other holders' nodes. The subject is named only by its pairwise pseudonym.", body: StoreRecordBody, security: [...SIGNED_OR_SESSION], response: { 201: StoredRecordView, ...errorResponses(401, 403, 404, 502, 503, 507) } } },
    async (request, reply) => {
      await officialOf(request, ['data-steward']);
      const b = request.body;
      const stored = await hostOrThrow().storeRecord({ dataset: b.dataset, subject: b.subject, fields: b.fields as never, holders: b.holders ?? [], retentionUntil: b.retentionUntil });
      return reply.code(201).send(stored);
    },
  );

  app.post(
    '/v1/sharing/store/records/:id/read',
    { schema: { operationId: 'readSharingRecord', tags: [TAG], summary: "An official reads fields of one of the organisation's own records: the node records the access entry on the chain first (the basis is checked there) and decrypts only once it is committed; a refused read leaves a refused entry.", params: RecordParams, body: ReadOwnBody, security: [...SIGNED_OR_SESSION], response: { 200: ReadOwnView, ...errorResponses(401, 403, 404, 409, 503) } } },
    async (request) => {
      const official = await officialOf(request);
      const b = request.body;
      return hostOrThrow().readOwn({ recordId: request.params.id, official, fields: b.fields, purpose: b.purpose, ...(b.consent ? { consent: b.consent } : {}), ...(b.legalBasis ? { legalBasis: b.legalBasis } : {}), ...(b.channel ? { channel: b.channel } : {}) });
    },
  );

  app.post(
    '/v1/sharing/store/fetch',
    { schema: { operationId: 'fetchSharingRecords', tags: [TAG], summary: "The official who made a request (or a data-steward) fetches what it names from a node of the holder, over the authenticated node links: the holder releases on the chain (consent or legal basis checked, entry written), sends the requested fields sealed to this node, and this node checks them against the commitments before answering.", body: FetchBody, security: [...SIGNED_OR_SESSION], response: { 200: FetchView, ...errorResponses(401, 403, 404, 409, 502, 503) } } },
    async (request) => {
      const official = await officialOf(request);
      return hostOrThrow().fetch(request.body.request, official);
    },
  );
};
