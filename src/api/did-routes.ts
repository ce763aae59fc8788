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
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { isPolityError, type PolityError } from '../ledger/errors.js';
import type { PolityNode } from '../node/node.js';
import { getHead, readVersions } from '../services/did/module.js';
import {
  DID_LENGTH_MAX,
  parseDid,
  resolutionError,
  resolutionErrorName,
  resolutionErrorResult,
  resolveDidKey,
  resolveFromVersions,
  type DidResolutionResult,
  type ResolutionErrorName,
  type ResolveOptions,
} from '../services/did/method.js';
import { statusOf } from './error-status.js';

const json = 'application/json; charset=utf-8';

export const DidParams = Type.Object({ did: Type.String({ description: 'a DID: did:polity:<32 hex> or did:key:z6Mk… (URL-encoding optional)' }) });
export const DidResolveQuery = Type.Object(
  {
    versionId: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,8}$', description: 'a version number: 1, 2, …' })),
    versionTime: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'ISO 8601 date and time with a zone, e.g. 2025-03-01T12:00:00Z: the version in force then' })),
    height: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'a block height: the version in force after that block' })),
  },
  { additionalProperties: false },
);
export const DidHistoryQuery = Type.Object(
  {
    from: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: 'first version to list' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000, default: 1_000, description: 'most versions to list' })),
  },
  { additionalProperties: false },
);

const ResolutionBody = Type.Object(
  {
    didDocument: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    didResolutionMetadata: Type.Record(Type.String(), Type.Unknown()),
    didDocumentMetadata: Type.Record(Type.String(), Type.Unknown()),
    code: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  { additionalProperties: true, description: 'A W3C DID Resolution result; on errors also Polity’s {code, message}.' },
);

function sendError(reply: FastifyReply, e: PolityError): FastifyReply {
  const name = resolutionErrorName(e) ?? 'invalidOptions';
  return reply
    .status(statusOf(e.code))
    .header('content-type', json)
    .send({ code: e.code, message: e.message, ...resolutionErrorResult(name) });
}

/** Map any domain failure of a handler to the error body; rethrow bugs. */
async function answer(reply: FastifyReply, fn: () => Promise<FastifyReply> | FastifyReply): Promise<FastifyReply> {
  try {
    return await fn();
  } catch (e) {
    if (isPolityError(e)) return sendError(reply, e);
    throw e;
  }
}

/** The first schema error of a query, as the resolution error invalidOptions. */
function invalidOptions(error: Error): PolityError {
  return resolutionError('invalidOptions', error.message.slice(0, 300));
}

export function resolveDid(node: Pick<PolityNode, 'getState' | 'height' | 'chainId'>, text: string, options: ResolveOptions): DidResolutionResult {
  const parsed = parseDid(text);
  const height = node.height;
  if (options.height !== undefined && options.height > height) {
    throw resolutionError('invalidOptions', `height: the chain is at block ${height}; block ${options.height} does not exist yet`);
  }
  const result = parsed.method === 'key' ? resolveDidKey(parsed.did, options) : resolveFromVersions(parsed.did, readVersions((k) => node.getState(k), parsed.id), height, options);
  result.didResolutionMetadata = { ...result.didResolutionMetadata, ...(parsed.method === 'polity' ? { chainId: node.chainId } : {}), height };
  return result;
}

export function registerDidRoutes(app: FastifyInstance, node: PolityNode): void {
  app.get(
    '/v1/dids/:did',
    {
      attachValidation: true,
      schema: {
        tags: ['identity'],
        summary: 'Resolve a DID (W3C DID Resolution): did:polity from the chain, did:key (Ed25519) locally.',
        description:
          'Answers a DID Resolution result: didDocument, didResolutionMetadata (contentType application/did+json) and didDocumentMetadata (created, updated, deactivated, versionId, nextVersionId, nextUpdate, versionHeight). ' +
          'Give at most one of versionId, versionTime and height to resolve an earlier version. A deactivated DID answers 410 with its resolution result. ' +
          'Errors carry {code, message} and the resolution error name in didResolutionMetadata.error: invalidDid (400), notFound (404), methodNotSupported (400), invalidOptions (400).',
        params: DidParams,
        querystring: DidResolveQuery,
        response: { 200: ResolutionBody, 400: ResolutionBody, 404: ResolutionBody, 410: ResolutionBody },
      },
    },
    async (request, reply) =>
      answer(reply, () => {
        if (request.validationError) {
          // A malformed DID cannot fail the params schema (any string); everything here is a bad query.
          throw invalidOptions(request.validationError);
        }
        const { did } = request.params as { did: string };
        const result = resolveDid(node, did, request.query as ResolveOptions);
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
        tags: ['identity'],
        summary: 'Every version of a did:polity DID: version, key in force, services, block, operation, who made it, and the reason code of registrar actions.',
        params: DidParams,
        querystring: DidHistoryQuery,
      },
    },
    async (request, reply) =>
      answer(reply, () => {
        if (request.validationError) throw invalidOptions(request.validationError);
        const { did } = request.params as { did: string };
        const { from = 1, limit = 1_000 } = request.query as { from?: number; limit?: number };
        const parsed = parseDid(did);
        if (parsed.method === 'key') throw resolutionError('methodNotSupported', 'a did:key has no history: its document is derived from the key and never changes');
        const head = getHead((k) => node.getState(k), parsed.id);
        if (!head) throw resolutionError('notFound', 'no DID with this identifier exists on this chain');
        const versions = readVersions((k) => node.getState(k), parsed.id).slice(from - 1, from - 1 + limit);
        const last = from - 1 + versions.length;
        return reply
          .status(200)
          .header('content-type', json)
          .send({ did: parsed.did, height: node.height, total: head.version, deactivated: head.deactivated, from, versions, ...(last < head.version ? { next: last + 1 } : {}) });
      }),
  );

  // What the two routes above cannot take — a DID longer than the router's parameter limit (100
  // characters) or one with a "/" in it — still gets a DID Resolution error, not "no such route".
  app.get('/v1/dids/*', { schema: { hide: true } }, async (request, reply) =>
    answer(reply, () => {
      const rest = (request.params as { '*': string })['*'];
      const did = rest.endsWith('/history') ? rest.slice(0, -'/history'.length) : rest;
      if (did.length > DID_LENGTH_MAX) throw resolutionError('invalidDid', `a DID has at most ${DID_LENGTH_MAX} characters here; got ${did.length}`);
      parseDid(did); // throws invalidDid or methodNotSupported
      throw resolutionError('invalidDid', 'not a DID this node can resolve');
    }),
  );
}
