/**
 * DID resolution over HTTP (spec/did-method.md §6): public reads, no
 * authentication.
 *
 *   GET /v1/dids/{did}          a W3C DID Resolution result; query `versionId`,
 *                               `versionTime` (ISO 8601) or `height` (at most one)
 *   GET /v1/dids/{did}/history  every version record of a did:polity DID
 *
 * `did:polity` DIDs are read from the committed state; `did:key` (Ed25519)
 * DIDs are resolved locally, with no state. Answers follow the DID
 * Resolution HTTP(S) binding where it fits Polity's conventions:
 *
 * | outcome            | status | body                                                           |
 * |--------------------|--------|----------------------------------------------------------------|
 * | resolved           | 200    | resolution result                                              |
 * | resolved, deactivated | 410 | resolution result + `code: DID_DEACTIVATED`, `message`        |
 * | invalidDid         | 400    | `{code: DID_INVALID, message}` + an error resolution result    |
 * | notFound           | 404    | `{code: DID_UNKNOWN, message}` + …                             |
 * | methodNotSupported | 400    | `{code: DID_METHOD_UNSUPPORTED, message}` + … (the binding says 501; a 5xx would read as a fault of this node) |
 * | invalidOptions     | 400    | `{code: BAD_REQUEST, message}` + …                             |
 *
 * Every error body is Polity's `{code, message}` with the DID Resolution
 * fields beside it (`didResolutionMetadata.error` names the resolution
 * error), so both kinds of client read it.
 */
import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { offsetCursor, startOffset } from '../../api/paging.js';
import type { ServiceRoutes } from '../../api/route.js';
import { isPolityError, type PolityError } from '../../ledger/errors.js';
import { DID_LENGTH_MAX, parseDid, resolutionError, resolutionErrorName, resolutionErrorResult } from './method.js';
import { didHistory, resolveDid } from './queries.js';
import { DidHistory, DidHistoryQuery, DidParams, DidResolveQuery, Resolution } from './schemas.js';

const json = 'application/json; charset=utf-8';

export const didRoutes: ServiceRoutes = (app, { node, get, statusOf }) => {
  const sendError = (reply: FastifyReply, e: PolityError): FastifyReply =>
    reply
      .status(statusOf(e.code))
      .header('content-type', json)
      .send({ code: e.code, message: e.message, ...resolutionErrorResult(resolutionErrorName(e) ?? 'invalidOptions') });

  /** Map a domain failure of a handler to the resolution error body; rethrow bugs. */
  const answer = async (reply: FastifyReply, fn: () => FastifyReply): Promise<FastifyReply> => {
    try {
      return fn();
    } catch (e) {
      if (isPolityError(e)) return sendError(reply, e);
      throw e;
    }
  };
  /** The first schema error of a query, as the resolution error invalidOptions. */
  const invalidOptions = (error: Error): PolityError => resolutionError('invalidOptions', error.message.slice(0, 300));
  const chain = () => ({ get, height: node.height, chainId: node.chainId });

  app.get(
    '/v1/dids/:did',
    {
      attachValidation: true,
      schema: {
        operationId: 'resolveDid',
        tags: ['identity'],
        summary: 'Resolve a DID (W3C DID Resolution): did:polity from the chain, did:key (Ed25519) locally.',
        description:
          'Answers a DID Resolution result: didDocument, didResolutionMetadata (contentType application/did+json) and didDocumentMetadata (created, updated, deactivated, versionId, nextVersionId, nextUpdate, versionHeight). ' +
          'Give at most one of versionId, versionTime and height to resolve an earlier version. A deactivated DID answers 410 with its resolution result. ' +
          'Errors carry {code, message} and the resolution error name in didResolutionMetadata.error: invalidDid (400), notFound (404), methodNotSupported (400), invalidOptions (400).',
        params: DidParams,
        querystring: DidResolveQuery,
        response: { 200: Resolution, 400: Resolution, 404: Resolution, 410: Resolution },
      },
    },
    async (request, reply) =>
      answer(reply, () => {
        // A malformed DID cannot fail the params schema (any string); everything here is a bad query.
        if (request.validationError) throw invalidOptions(request.validationError);
        const result = resolveDid(chain(), request.params.did, request.query);
        if (result.didDocumentMetadata.deactivated) {
          return reply.status(410).header('content-type', json).send({ code: 'DID_DEACTIVATED', message: 'the DID is deactivated; no key of it is valid any more', ...result });
        }
        return reply.status(200).header('content-type', json).send(result);
      }),
  );

  app.get(
    '/v1/dids/:did/history',
    {
      attachValidation: true,
      schema: {
        operationId: 'didHistory',
        tags: ['identity'],
        summary: 'Every version of a did:polity DID: version, key in force, services, block, operation, who made it, and the reason code of registrar actions.',
        params: DidParams,
        querystring: DidHistoryQuery,
        response: { 200: DidHistory, 400: Resolution, 404: Resolution },
      },
    },
    async (request, reply) =>
      answer(reply, () => {
        if (request.validationError) throw invalidOptions(request.validationError);
        const { limit = 1_000, cursor } = request.query;
        // A cursor holds the offset of the page's first version; `from` (1-based) is its older form.
        const from = startOffset(cursor, request.query.from === undefined ? undefined : request.query.from - 1, 'from') + 1;
        const { did, head, versions } = didHistory(get, request.params.did, from, limit);
        const last = from - 1 + versions.length;
        return reply
          .status(200)
          .header('content-type', json)
          .send({ did, height: node.height, total: head.version, deactivated: head.deactivated, from, versions, next: versions.length > 0 && last < head.version ? offsetCursor(last) : null });
      }),
  );

  // What the two routes above cannot take — a DID longer than the router's parameter limit (100
  // characters) or one with a "/" in it — still gets a DID Resolution error, not "no such route".
  app.get('/v1/dids/*', { schema: { hide: true, params: Type.Object({ '*': Type.String() }) } }, async (request, reply) =>
    answer(reply, () => {
      const rest = request.params['*'];
      const did = rest.endsWith('/history') ? rest.slice(0, -'/history'.length) : rest;
      if (did.length > DID_LENGTH_MAX) throw resolutionError('invalidDid', `a DID has at most ${DID_LENGTH_MAX} characters here; got ${did.length}`);
      parseDid(did); // throws invalidDid or methodNotSupported
      throw resolutionError('invalidDid', 'not a DID this node can resolve');
    }),
  );
};
