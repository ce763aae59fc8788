/**
 * The notary's routes (spec/services/notary.md):
 *
 *   POST /v1/notary/anchor          one hash, a signed notary.anchor transaction
 *   POST /v1/notary/batch           many hashes for the next aggregation batch (a signed request)
 *   GET  /v1/notary/hashes/{hash}   when and where a hash was anchored
 *   GET  /v1/notary/receipts/{hash} its offline-verifiable receipt
 *   POST /v1/notary/receipts        receipts of up to 1,000 hashes
 *   GET  /v1/notary/references/{reference}  the documents anchored with a reference, newest first
 *
 * Aggregation, look-ups and receipts are the host part's (host.ts): the
 * hashes of a batch are indexed off-state on the node that aggregated them.
 */
import { keyCursor, startBelow } from '../../api/paging.js';
import { requirePrincipal } from '../../api/authenticate.js';
import { registerSubmitRoute } from '../../api/core-routes.js';
import { SIGNED_OR_SESSION, type ServiceRoutes } from '../../api/route.js';
import { PolityError } from '../../ledger/errors.js';
import { errorResponses } from '../../schemas/common.js';
import { Receipt } from '../../schemas/ledger.js';
import type { Static } from '@sinclair/typebox';
import { typeboxValidatorCompiler } from '../../api/validator.js';
import { decodeBatchBody, isBatchBody, packHashes, unpackHashes } from './batch-body.js';
import { ANCHORED_REPORT_MAX, AnchorBody, BATCH_REQUEST_HASHES_MAX, BatchBody, BatchQueued, HashParams, Lookup, Receipts, ReceiptsBody, REFERENCE_CHARS_MAX, ReferenceList, ReferenceParams, ReferenceQuery, type NotaryHostApi } from './schemas.js';
import { docKey, type AnchorRecord } from './module.js';

/** A batch body read by the fast parser: its hashes, 32 bytes each back to back. */
class PackedBatch {
  constructor(readonly hashes: Uint8Array) {}
}

/** A "height-txIndex" position of the reference index, both u32. */
const isIndexPosition = (key: unknown): key is string =>
  typeof key === 'string' && /^[0-9]{1,10}-[0-9]{1,10}$/.test(key) && key.split('-').every((n) => Number(n) <= 0xffffffff);

export const notaryRoutes: ServiceRoutes<NotaryHostApi | undefined> = (app, { node, host, auth }) => {
  const notary = (): NotaryHostApi => {
    if (!host) throw new PolityError('NODE_NOT_READY', 'this node runs no notary aggregation');
    return host;
  };

  registerSubmitRoute(app, node, {
    url: '/v1/notary/anchor',
    operationId: 'notaryAnchor',
    tags: ['notary'],
    summary: 'Anchor one document hash with a signed notary.anchor transaction.',
    body: AnchorBody,
  });

  // In a scope of its own: its JSON parser reads the plain form of a batch body straight into bytes (batch-body.ts).
  void app.register(async (scope) => {
    const parseJson = scope.getDefaultJsonParser(scope.initialConfig.onProtoPoisoning ?? 'error', scope.initialConfig.onConstructorPoisoning ?? 'ignore');
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const bytes = body as Buffer;
      // The bytes as received, for the Content-Digest check (api/authenticate.ts), as for every JSON body.
      request.rawBody = bytes;
      const packed = decodeBatchBody(bytes, BATCH_REQUEST_HASHES_MAX);
      if (packed) done(null, new PackedBatch(packed));
      else parseJson(request, bytes.toString('utf8'), done);
    });
    scope.post(
      '/v1/notary/batch',
      {
        schema: {
          operationId: 'notaryBatch',
          tags: ['notary'],
          summary: 'Queue up to 100,000 document hashes for the next aggregated anchoring (a signed request: RFC 9421, or a session).',
          description:
            'The request must be signed with HTTP Message Signatures (RFC 9421, Ed25519, covering @method, @target-uri, content-digest and content-type) or carry a session token (POST /v1/auth/session); see spec/api-auth.md. Answers how many distinct new hashes were queued (repeats of a waiting hash are not counted). Each receipt is ready once the next block commits (POST /v1/notary/receipts). A hash anchored before is anchored again; look-ups and receipts report its earliest anchoring.',
          body: BatchBody,
          security: [...SIGNED_OR_SESSION],
          // 503: the aggregation queue is full (NOTARY_BATCH_FULL), a node that is no validator has no link to one (NOTARY_NO_VALIDATOR), or large bodies are being served as many as may be at once (NODE_BUSY).
          response: { 202: BatchQueued, ...errorResponses(401, 503) },
        },
        // A body read by the fast parser is valid by construction; any other is checked against the schema,
        // with a loop instead of a pattern match per hash, and the schema's own message when it fails.
        validatorCompiler: (route) => {
          // Fastify hands each part's own schema (here BatchBody for the body), typed as the route's whole schema.
          const full = typeboxValidatorCompiler(route as unknown as Parameters<typeof typeboxValidatorCompiler>[0]);
          if (route.httpPart !== 'body') return full;
          return (value: unknown) => (value instanceof PackedBatch || isBatchBody(value, BATCH_REQUEST_HASHES_MAX) ? { value } : full(value));
        },
      },
      async (request, reply) => {
        // A write without a transaction signature: the request itself must be signed (or carry a session).
        // Aggregated anchoring is a public service like a signed anchor: any authenticated key may use it.
        // Who it was stays out of the logs (a citizen's key is personal data).
        await requirePrincipal(request, auth);
        // The schema's type, or the same hashes as bytes when the fast parser read them.
        const body = request.body as Static<typeof BatchBody> | PackedBatch;
        const packed = body instanceof PackedBatch ? body.hashes : packHashes(body.hashes);
        const count = packed.length / 32;
        // Say which were anchored before, and when: a signed anchor is in state, an aggregated one in the index.
        const anchored: { hash: string; height: number; time: number; timeIso: string }[] = [];
        if (count <= ANCHORED_REPORT_MAX) {
          const hashes = body instanceof PackedBatch ? unpackHashes(packed) : body.hashes;
          const located = await notary().locations(hashes);
          for (const [i, hash] of hashes.entries()) {
            const signed = node.getState(docKey(hash)) as AnchorRecord | undefined;
            const height = Math.min(signed?.height ?? Infinity, located[i]?.height ?? Infinity);
            if (height === Infinity || anchored.some((a) => a.hash === hash)) continue;
            const time = signed && signed.height === height ? signed.time : (await node.getSignedHeader(height))?.header.time;
            if (time !== undefined) anchored.push({ hash, height, time, timeIso: new Date(time).toISOString() });
          }
        }
        const queued = await notary().submitHashes(packed);
        return reply.code(202).send({ status: 'pending', count: queued, ...(anchored.length > 0 ? { anchored } : {}) });
      },
    );
  });

  app.get(
    '/v1/notary/hashes/:hash',
    {
      schema: { operationId: 'notaryLookup', tags: ['notary'], summary: 'When and in which block a hash was anchored.', params: HashParams, response: { 200: Lookup, ...errorResponses(503) } },
      // Reads the anchoring block whole (api/limits.ts).
      config: { cost: 'heavyRead' },
    },
    async (request) => notary().lookup(request.params.hash),
  );

  app.get(
    '/v1/notary/receipts/:hash',
    {
      schema: {
        operationId: 'notaryReceipt',
        tags: ['notary'],
        summary: 'The offline-verifiable receipt of an anchored hash.',
        params: HashParams,
        response: { 200: Receipt, ...errorResponses(404, 409, 503) },
      },
      config: { cost: 'heavyRead' },
    },
    async (request) => notary().receipt(request.params.hash),
  );

  app.post(
    '/v1/notary/receipts',
    {
      schema: {
        operationId: 'notaryReceipts',
        tags: ['notary'],
        summary: 'Receipts of up to 1,000 hashes; a hash without one gets its code instead.',
        body: ReceiptsBody,
        response: { 200: Receipts, ...errorResponses(503) },
      },
      config: { cost: 'heavyRead' },
    },
    async (request) => ({ receipts: await notary().receipts(request.body.hashes) }),
  );

  app.get(
    '/v1/notary/references/:reference',
    {
      schema: {
        operationId: 'notaryReferences',
        tags: ['notary'],
        summary: 'The documents anchored with a reference (a case or file number), newest first.',
        description:
          'Exact and case-sensitive. Only signed `notary.anchor` transactions carry metadata, so only they are found; aggregated hashes have no reference. Pages: `?limit=` (1-100, default 20) and `?cursor=` (the previous page\'s `next`).',
        params: ReferenceParams,
        querystring: ReferenceQuery,
        response: { 200: ReferenceList, ...errorResponses(400, 503) },
      },
    },
    async (request) => {
      const { reference } = request.params;
      if (reference.length > REFERENCE_CHARS_MAX) {
        // The reference itself stays out of the message: it is echoed nowhere but in a 200 answer.
        throw new PolityError('NOTARY_REFERENCE_INVALID', `a reference is at most ${REFERENCE_CHARS_MAX} characters; this one has ${reference.length}`);
      }
      const { limit = 20, cursor } = request.query;
      // The cursor (the one paging style, api/paging.ts) holds the "height-txIndex" the page starts below; u32 both, as the index keys them.
      const below = startBelow(cursor, undefined, isIndexPosition);
      const before = below === undefined ? undefined : (([h, i]) => ({ height: Number(h), txIndex: Number(i) }))(below.split('-'));
      // One more than the page: whether a next page exists.
      const found = await notary().references(reference, limit + 1, before);
      const page = found.slice(0, limit);
      const items = [];
      for (const { hash, height } of page) {
        const record = node.getState(docKey(hash)) as AnchorRecord | undefined;
        // A committed anchor's record is never removed; the index may only be behind, never ahead.
        if (!record) continue;
        items.push({ hash, height, time: record.time, timeIso: new Date(record.time).toISOString(), txId: record.txId, signer: record.signer, ...(record.meta?.docType ? { docType: record.meta.docType } : {}) });
      }
      const last = page[page.length - 1];
      return { reference, items, next: found.length > limit && last ? keyCursor(`${last.height}-${last.txIndex}`) : null };
    },
  );
};
