/**
 * The HTTP API and web pages of a node.
 *
 * The HTTP layer is the first contact with untrusted data. Every route
 * declares TypeBox schemas; Fastify validates requests with them and the
 * OpenAPI document (/openapi.json) is generated from the same objects. Every
 * rejected input is answered with a 4xx and `{code, message}` (codes in
 * spec/errors.md, statuses in error-status.ts); only a bug answers 500.
 *
 * Tests call the app in-process (`app.inject`) without opening a socket.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import { PolityError } from '../ledger/errors.js';
import type { PolityNode, TxStatus } from '../node/node.js';
import { currentDidKey } from '../services/did/module.js';
import type { EvidenceHost } from '../services/evidence/host.js';
import type { NotaryHost } from '../services/notary/host.js';
import { statusOf } from './error-status.js';
import * as S from './schemas.js';
import { registerStatic } from './static.js';
import { registerMembershipRoutes } from './membership-routes.js';
import { createKeyIdResolver, registerRawBody, requirePrincipal, type AuthenticateDeps } from './authenticate.js';
import { createReplayGuard } from './http-signatures.js';
import { createSessionStore } from './sessions.js';
import { registerAuthRoutes } from './auth-routes.js';
import { registerDidRoutes } from './did-routes.js';
import { RequestValidationError, typeboxValidatorCompiler } from './validator.js';

export interface ApiOptions {
  /** Largest request body accepted, bytes. */
  bodyLimitBytes?: number;
  /**
   * scheme://authority clients use to reach this node when it differs from
   * what the node sees (behind a TLS-terminating proxy): signed requests
   * cover the URL the client used (spec/api-auth.md).
   */
  publicOrigin?: string;
  /** Serve the web pages (explorer, verify). */
  web?: boolean;
}

const json = { 'content-type': 'application/json; charset=utf-8' };

export async function createApi(node: PolityNode, options: ApiOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? 8 * 1024 * 1024,
    return503OnClosing: true,
    // Errors of the router itself (a malformed URL, a path segment over the length limit) answer in
    // Polity's {code, message} shape and never echo the path: it may carry what a client should not
    // have put there.
    frameworkErrors: (error, _request, routerReply) => {
      const reply = routerReply as unknown as import('fastify').FastifyReply;
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return reply.status(414).headers(json).send({ code: 'BAD_REQUEST', message: 'a part of the path is longer than this API accepts' });
      return reply.status(400).headers(json).send({ code: 'BAD_REQUEST', message: 'the request URL is malformed' });
    },
  });

  app.setValidatorCompiler(typeboxValidatorCompiler);
  // JSON only: any other content type is answered 415. The raw bytes are kept for Content-Digest.
  app.removeContentTypeParser('text/plain');
  registerRawBody(app);
  const auth: AuthenticateDeps = {
    resolveKey: createKeyIdResolver(async (did) => currentDidKey((key) => node.getState(key), did)),
    sessions: createSessionStore({ ttlMs: 15 * 60_000, challengeTtlMs: 60_000, max: 100_000 }),
    replay: createReplayGuard(360),
    now: () => Date.now(),
    ...(options.publicOrigin ? { origin: options.publicOrigin } : {}),
  };

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Polity node API',
        version: '1',
        description: 'A Polity node: transactions, blocks, authenticated state and the notary service. Every error body is {code, message}.',
      },
      components: {},
    },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof PolityError) {
      const status = statusOf(error.code);
      // RFC 9110 §11.6.1 / RFC 9421 §5.1: say how to authenticate.
      if (status === 401 && error.code.startsWith('AUTH_')) {
        reply.header('www-authenticate', 'Bearer').header('accept-signature', 'sig1=("@method" "@target-uri");alg="ed25519";tag="polity"');
      }
      return reply.status(status).headers(json).send(error.toJSON());
    }
    if (error instanceof RequestValidationError || error.validation) {
      return reply.status(400).send({ code: 'SCHEMA_INVALID', message: error.message.slice(0, 300) });
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send({ code: 'BODY_TOO_LARGE', message: `request body is larger than ${app.initialConfig.bodyLimit} bytes` });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(415).send({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send({ code: 'MALFORMED_JSON', message: 'the request body is empty; expected JSON' });
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return reply.status(400).send({ code: 'BAD_REQUEST', message: 'content-length does not match the body' });
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return reply.status(400).send({ code: 'MALFORMED_JSON', message: 'the request body is not valid JSON' });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ code: 'BAD_REQUEST', message: error.message.slice(0, 200) });
    }
    node.log.error('api.internal', { route: request.routeOptions.url ?? 'unknown', error: error.message.slice(0, 200) });
    return reply.status(500).send({ code: 'INTERNAL', message: 'internal error' });
  });

  // The message names no part of the URL: a path may carry data a client should not have put there.
  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ code: 'NOT_FOUND', message: 'no such route; see /openapi.json' }));

  const errors = { 400: S.ErrorBody, 404: S.ErrorBody };

  // --- node -----------------------------------------------------------------
  app.get('/v1/status', { schema: { tags: ['node'], summary: 'Node status: chain, height, latest block, mempool.' } }, async () => node.status());
  app.get(
    '/v1/evidence',
    { schema: { tags: ['consensus'], summary: 'Equivocation evidence recorded on the chain: validators that signed two conflicting consensus messages.' } },
    async () => ({ evidence: node.host<EvidenceHost>('evidence')?.list() ?? [] }),
  );
  app.get('/v1/genesis', { schema: { tags: ['node'], summary: 'The genesis document (what offline verifiers need).' } }, async () => node.genesis);
  app.get(
    '/v1/validator-sets',
    {
      schema: {
        tags: ['consensus'],
        summary: 'The validator set in force, and every handover from the genesis set to it (what offline verifiers need to follow the set).',
        description:
          'Each handover is the header of the last block an outgoing set signed (carrying nextValidatorSetHash), its commit certificate, and the incoming set. Scheduled changes not yet in force are listed under `scheduled`.',
      },
    },
    async () => {
      const height = node.height;
      const current = node.validatorSetAt(height + 1);
      const next = node.validatorSetAt(height + 2);
      return {
        height,
        current: { since: current.since, validators: current.validators },
        scheduled: next.since > height + 1 ? [{ since: next.since, validators: next.validators }] : [],
        handovers: await node.setHandovers(),
      };
    },
  );

  // --- transactions ---------------------------------------------------------
  const waitFor = async (txId: string, wait: string | undefined, timeoutMs: number | undefined): Promise<TxStatus | undefined> =>
    wait === 'commit' ? node.waitForTx(txId, timeoutMs ?? 10_000) : undefined;

  const submitOne = async (tx: unknown, query: { wait?: string; timeoutMs?: number }, reply: import('fastify').FastifyReply) => {
    const [outcome] = await node.submitTxs([tx]);
    if (!outcome || outcome.status === 'rejected') {
      const code = outcome?.code ?? 'TX_MALFORMED';
      return reply.status(statusOf(code)).send({ code, message: outcome?.message ?? 'rejected' });
    }
    const status = await waitFor(outcome.txId, query.wait, query.timeoutMs);
    if (status?.status === 'committed') return reply.status(200).send(status);
    return reply.status(202).send(status ?? { txId: outcome.txId, status: 'pending' });
  };

  app.post(
    '/v1/tx',
    { schema: { tags: ['transactions'], summary: 'Submit one signed transaction.', body: S.SignedTx, querystring: S.WaitQuery, response: errors } },
    async (request, reply) => submitOne(request.body, request.query as { wait?: string; timeoutMs?: number }, reply),
  );

  app.post(
    '/v1/txs',
    {
      schema: {
        tags: ['transactions'],
        summary: 'Submit up to 2,000 signed transactions; each gets its own outcome.',
        description: '202 when at least one was accepted (see each outcome); 400 TX_REJECTED with the outcomes when none was.',
        body: S.TxBatch,
        response: { 202: Type.Unknown(), 400: S.ErrorBody },
      },
    },
    async (request, reply) => {
      const { txs } = request.body as { txs: unknown[] };
      const results = await node.submitTxs(txs);
      if (results.every((r) => r.status === 'rejected')) {
        return reply.status(400).send({ code: 'TX_REJECTED', message: 'no transaction in the batch was accepted', details: { results } });
      }
      return reply.status(202).send({ results });
    },
  );

  app.get(
    '/v1/txs/:id',
    { schema: { tags: ['transactions'], summary: 'Status of a transaction, with the transaction once committed.', params: S.TxIdParams, response: errors } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const status = await node.txStatus(id);
      if (status.status === 'unknown') return reply.status(404).send({ code: 'NOT_FOUND', message: 'no such transaction on this node' });
      if (status.status === 'pending') return status;
      const block = await node.getBlock(status.height);
      return { ...status, blockHash: block?.certificate.blockHash, time: block?.header.time, tx: block?.txs[status.index] };
    },
  );

  app.get(
    '/v1/accounts/:key',
    { schema: { tags: ['transactions'], summary: "A signer's next nonce.", params: Type.Object({ key: S.Hex32 }), response: errors } },
    async (request) => {
      const { key } = request.params as { key: string };
      return { key, nonce: node.nextNonce(key) };
    },
  );

  // --- blocks -----------------------------------------------------------------
  app.get(
    '/v1/blocks',
    { schema: { tags: ['blocks'], summary: 'Latest block headers, newest first.', querystring: S.BlocksQuery, response: errors } },
    async (request) => {
      const { limit = 20, before } = request.query as { limit?: number; before?: number };
      const top = Math.min(before !== undefined ? before - 1 : node.height, node.height);
      const heights: number[] = [];
      for (let h = top; h >= 1 && heights.length < limit; h--) heights.push(h);
      const blocks = await Promise.all(heights.map((h) => node.getBlock(h)));
      return {
        height: node.height,
        blocks: blocks.filter((b) => b !== undefined).map((b) => ({ hash: b.certificate.blockHash, header: b.header, signatures: b.certificate.signatures.length })),
      };
    },
  );

  app.get(
    '/v1/blocks/:ref',
    { schema: { tags: ['blocks'], summary: 'A block with its transactions, results and commit certificate.', params: S.BlockRefParams, response: errors } },
    async (request, reply) => {
      const { ref } = request.params as { ref: string };
      const block = ref === 'latest' ? await node.getBlock(node.height) : ref.length === 64 ? await node.getBlockByHash(ref) : await node.getBlock(Number(ref));
      if (!block) return reply.status(404).send({ code: 'NOT_FOUND', message: `no block ${ref} on this node` });
      const results = await node.getResults(block.header.height);
      return { hash: block.certificate.blockHash, ...block, results };
    },
  );

  app.get(
    '/v1/blocks/:height/inclusion',
    {
      schema: {
        tags: ['blocks'],
        summary: "RFC 9162 proof that a block is in a later block's history root.",
        params: S.HeightParams,
        querystring: S.InclusionQuery,
        response: errors,
      },
    },
    async (request) => {
      const { height } = request.params as { height: number };
      const { head } = request.query as { head: number };
      const proof = await node.historyInclusion(height, head);
      const [block, headBlock] = await Promise.all([node.getBlock(height), node.getBlock(head)]);
      return { ...proof, blockHash: block!.certificate.blockHash, head: { header: headBlock!.header, certificate: headBlock!.certificate } };
    },
  );

  app.get(
    '/v1/history/consistency',
    {
      schema: {
        tags: ['blocks'],
        summary: "RFC 9162 consistency proof: the later head's history extends the earlier one's.",
        querystring: S.ConsistencyQuery,
        response: errors,
      },
    },
    async (request) => {
      const { from, to } = request.query as { from: number; to: number };
      const proof = await node.historyConsistency(from, to);
      const [a, b] = await Promise.all([node.getBlock(from), node.getBlock(to)]);
      return { ...proof, from: { header: a!.header, certificate: a!.certificate }, to: { header: b!.header, certificate: b!.certificate } };
    },
  );

  // --- state ------------------------------------------------------------------
  app.get(
    '/v1/state',
    {
      schema: {
        tags: ['state'],
        summary: 'Read a state key, optionally with an inclusion or non-inclusion proof against the latest block.',
        querystring: S.StateQuery,
        response: errors,
      },
    },
    async (request) => {
      const { key, proof } = request.query as { key: string; proof?: boolean };
      return node.readState(key, proof === true);
    },
  );

  // --- notary -----------------------------------------------------------------
  const notary = (): NotaryHost => {
    const host = node.host<NotaryHost>('notary');
    if (!host) throw new PolityError('NOT_FOUND', 'this node runs no notary service');
    return host;
  };
  app.post(
    '/v1/notary/anchor',
    {
      schema: {
        tags: ['notary'],
        summary: 'Anchor one document hash with a signed notary.anchor transaction.',
        body: S.NotaryAnchorBody,
        querystring: S.WaitQuery,
        response: errors,
      },
    },
    async (request, reply) => submitOne(request.body, request.query as { wait?: string; timeoutMs?: number }, reply),
  );

  app.post(
    '/v1/notary/batch',
    {
      schema: {
        tags: ['notary'],
        summary: 'Queue up to 100,000 document hashes for the next aggregated anchoring (a signed request: RFC 9421, or a session).',
        description:
          'The request must be signed with HTTP Message Signatures (RFC 9421, Ed25519, covering @method, @target-uri, content-digest and content-type) or carry a session token (POST /v1/auth/session); see spec/api-auth.md. Answers how many distinct new hashes were queued (repeats of a waiting hash are not counted). Each receipt is ready once the next block commits (POST /v1/notary/receipts). A hash anchored before is anchored again; look-ups and receipts report its earliest anchoring.',
        body: S.NotaryBatchBody,
        response: { 202: Type.Unknown(), ...errors },
      },
    },
    async (request, reply) => {
      // A write without a transaction signature: the request itself must be signed (or carry a session).
      // Aggregated anchoring is a public service like a signed anchor: any authenticated key may use it.
      // Who it was stays out of the logs (a citizen's key is personal data).
      await requirePrincipal(request, auth);
      const { hashes } = request.body as { hashes: string[] };
      const queued = await notary().submitHashes(hashes);
      return reply.status(202).send({ status: 'pending', count: queued });
    },
  );

  app.get(
    '/v1/notary/hashes/:hash',
    { schema: { tags: ['notary'], summary: 'When and in which block a hash was anchored.', params: S.HashParams, response: errors } },
    async (request) => notary().lookup((request.params as { hash: string }).hash),
  );

  app.get(
    '/v1/notary/receipts/:hash',
    { schema: { tags: ['notary'], summary: 'The offline-verifiable receipt of an anchored hash.', params: S.HashParams, response: errors } },
    async (request) => notary().receipt((request.params as { hash: string }).hash),
  );

  app.post(
    '/v1/notary/receipts',
    { schema: { tags: ['notary'], summary: 'Receipts of up to 1,000 hashes.', body: S.NotaryReceiptsBody, response: errors } },
    async (request) => ({ receipts: await notary().receipts((request.body as { hashes: string[] }).hashes) }),
  );

  registerMembershipRoutes(app, node);
  registerAuthRoutes(app, node, auth);
  registerDidRoutes(app, node);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (options.web !== false) await registerStatic(app);
  return app;
}
