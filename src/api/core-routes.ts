/**
 * The core routes of the API: the node, transactions, blocks and history
 * proofs, the authenticated state, the validator sets, the modules with
 * their access rules. Each public service adds its own routes
 * (src/services/<name>/routes.ts); authentication routes are in
 * auth-routes.ts.
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { assert, PolityError, type ErrorCode } from '../ledger/errors.js';
import type { ModuleDefinition } from '../runtime/module.js';
import type { ModuleRegistry } from '../runtime/registry.js';
import { Either, errorResponses } from '../schemas/common.js';
import { Genesis, SignedTx } from '../schemas/ledger.js';
import * as S from '../schemas/api.js';
import type { PolityNode } from '../node/node.js';
import { isPosition, keyCursor, startBelow } from './paging.js';
import type { TypedApp } from './route.js';

/** How long `?wait=commit` waits when no timeoutMs is given. */
const WAIT_DEFAULT_MS = 10_000;

export interface CoreRouteOptions {
  node: PolityNode;
  registry: Pick<ModuleRegistry, 'modules' | 'roles'>;
  /** The status answer: the node's fields and those each service's host adds. */
  statusSchema: TObject;
}

export function registerCoreRoutes(app: TypedApp, { node, registry, statusSchema }: CoreRouteOptions): void {
  // --- the node ---------------------------------------------------------------
  app.get(
    '/v1/status',
    { schema: { operationId: 'getStatus', tags: ['node'], summary: 'Node status: chain, height, latest block, mempool, validators, peers.', response: { 200: statusSchema, ...errorResponses() } } },
    async () => ({ ...node.status() }),
  );

  app.get(
    '/v1/genesis',
    { schema: { operationId: 'getGenesis', tags: ['node'], summary: 'The genesis document (what offline verifiers need).', response: { 200: Genesis, ...errorResponses() } } },
    async () => node.genesis,
  );

  app.get(
    '/v1/validator-sets',
    {
      schema: {
        operationId: 'getValidatorSets',
        tags: ['consensus'],
        summary: 'The validator set in force, and every handover from the genesis set to it (what offline verifiers need to follow the set).',
        description:
          'Each handover is the header of the last block an outgoing set signed (carrying nextValidatorSetHash), its commit certificate, and the incoming set. Scheduled changes not yet in force are listed under `scheduled`.',
        response: { 200: S.ValidatorSets, ...errorResponses() },
      },
    },
    async () => {
      const height = node.height;
      const current = node.validatorSetAt(height + 1);
      const next = node.validatorSetAt(height + 2);
      return {
        height,
        current: { since: current.since, validators: [...current.validators] },
        scheduled: next.since > height + 1 ? [{ since: next.since, validators: [...next.validators] }] : [],
        handovers: await node.setHandovers(),
      };
    },
  );

  app.get(
    '/v1/modules',
    {
      schema: {
        operationId: 'listModules',
        tags: ['modules'],
        summary: 'The modules the chain runs, each action with who may call it, and the roles officials can hold.',
        response: { 200: S.ModuleList, ...errorResponses() },
      },
    },
    async () => ({ roles: registry.roles.filter((r) => r !== 'admin'), modules: registry.modules.map(publicModule) }),
  );

  // --- transactions -----------------------------------------------------------
  registerSubmitRoute(app, node, {
    url: '/v1/tx',
    operationId: 'submitTx',
    tags: ['transactions'],
    summary: 'Submit one signed transaction; with wait=commit, answer once it commits.',
    description: '202 with its id once accepted into the mempool (or, with wait=commit, when timeoutMs passes first); 200 with its result once committed. A rejected transaction answers its code (spec/errors.md §2.2).',
    body: SignedTx,
  });

  app.post(
    '/v1/txs',
    {
      schema: {
        operationId: 'submitTxs',
        tags: ['transactions'],
        summary: 'Submit up to 2,000 signed transactions; each gets its own outcome.',
        description: '202 when at least one was accepted (see each outcome); 400 TX_REJECTED with the outcomes in details.results when none was.',
        body: S.TxBatch,
        response: { 202: S.TxBatchOutcomes, ...errorResponses(503) },
      },
    },
    async (request, reply) => {
      const results = await node.submitTxs(request.body.txs);
      if (results.every((r) => r.status === 'rejected')) {
        throw new PolityError('TX_REJECTED', 'no transaction in the batch was accepted', { results: results.filter((r) => r.status === 'rejected') });
      }
      // Serialised as is: the outcomes are built here in the schema's shape, and the schema's
      // serialiser would run a validator on every element to pick its branch of the union
      // (about a microsecond a transaction on the thread that also builds blocks).
      return reply.code(202).serializer(JSON.stringify).send({ results });
    },
  );

  app.get(
    '/v1/txs/:id',
    {
      schema: {
        operationId: 'getTx',
        tags: ['transactions'],
        summary: 'Status of a transaction, with the transaction once committed.',
        params: S.TxIdParams,
        response: { 200: Either('status', 'committed', S.TxLookup, S.TxPending), ...errorResponses(404, 503) },
      },
      // Reads the transaction's whole block.
      config: { cost: 'heavyRead' },
    },
    async (request) => {
      const status = await node.txStatus(request.params.id);
      if (status.status === 'unknown') throw new PolityError('NOT_FOUND', 'no such transaction on this node');
      if (status.status === 'pending') return status;
      const block = await node.getBlock(status.height);
      return { ...status, ...(block ? { blockHash: block.certificate.blockHash, time: block.header.time, tx: block.txs[status.index] } : {}) };
    },
  );

  app.get(
    '/v1/accounts/:key',
    { schema: { operationId: 'getAccount', tags: ['transactions'], summary: "A signer's next nonce.", params: S.KeyParams, response: { 200: S.Account, ...errorResponses() } } },
    async (request) => ({ key: request.params.key, nonce: node.nextNonce(request.params.key) }),
  );

  // --- blocks -------------------------------------------------------------------
  /** A committed block's answer: the same for ever (a year is the longest max-age caches honour, RFC 9111 §5.2.2.1). */
  const IMMUTABLE = 'public, max-age=31536000, immutable';
  /** Whether If-None-Match names this block hash (strong or weak, or `*`; RFC 9110 §13.1.2). */
  const ifNoneMatch = (header: string | undefined, hash: string): boolean =>
    header !== undefined && header.length <= 4096 && header.split(',').some((tag) => { const t = tag.trim().replace(/^W\//, ''); return t === '*' || t === `"${hash}"`; });
  app.get(
    '/v1/blocks',
    { schema: { operationId: 'listBlocks', tags: ['blocks'], summary: 'Latest block headers, newest first.', querystring: S.BlocksQuery, response: { 200: S.BlockList, ...errorResponses() } } },
    async (request) => {
      const { limit = 20, before, cursor } = request.query;
      // The cursor names the height the page starts below; `before` is its older form. A bare height
      // is what cursors were before they were shared with every list: still taken from clients mid-walk.
      const below = startBelow(cursor !== undefined && /^[0-9]{1,15}$/.test(cursor) ? keyCursor(Number(cursor)) : cursor, before, isPosition);
      const top = Math.min(below !== undefined ? below - 1 : node.height, node.height);
      const heights: number[] = [];
      for (let h = top; h >= 1 && heights.length < limit; h--) heights.push(h);
      // Headers and certificates only (stored apart from the bodies): a list reads kilobytes per block.
      const blocks = await Promise.all(heights.map((h) => node.getSignedHeader(h)));
      const lowest = heights[heights.length - 1];
      return {
        height: node.height,
        blocks: blocks.filter((b) => b !== undefined).map((b) => ({ hash: b.certificate.blockHash, header: b.header, signatures: b.certificate.signatures.length })),
        next: lowest !== undefined && lowest > 1 ? keyCursor(lowest) : null,
      };
    },
  );

  app.get(
    '/v1/blocks/:ref',
    {
      schema: {
        operationId: 'getBlock',
        tags: ['blocks'],
        summary: 'A block with its transactions, results and commit certificate.',
        params: S.BlockRefParams,
        response: { 200: S.BlockWithResults, 304: Type.Null({ description: "Not modified: If-None-Match names this block's hash (its ETag); a block by height or hash is immutable" }), ...errorResponses(404, 503) },
      },
      // A whole block (up to blockBytesMax) and its results: a few at a time (limits.ts).
      config: { cost: 'heavyRead' },
    },
    async (request, reply) => {
      const { ref } = request.params;
      // A committed block never changes (BFT finality): by height or hash it is cached for good, its hash the ETag.
      // `latest` moves, so it is not cached.
      if (ref !== 'latest') {
        const known = ref.length === 64 ? ref : (await node.getSignedHeader(Number(ref)))?.certificate.blockHash;
        if (known !== undefined && ifNoneMatch(request.headers['if-none-match'], known)) {
          return reply.status(304).header('etag', `"${known}"`).header('cache-control', IMMUTABLE).send(null);
        }
      }
      const block = ref === 'latest' ? await node.getBlock(node.height) : ref.length === 64 ? await node.getBlockByHash(ref) : await node.getBlock(Number(ref));
      if (!block) throw new PolityError('NOT_FOUND', `no block ${ref} on this node`);
      const results = (await node.getResults(block.header.height)) ?? [];
      if (ref === 'latest') void reply.header('cache-control', 'no-cache');
      else void reply.header('etag', `"${block.certificate.blockHash}"`).header('cache-control', IMMUTABLE);
      return { hash: block.certificate.blockHash, ...block, results };
    },
  );

  app.get(
    '/v1/blocks/:height/inclusion',
    {
      schema: {
        operationId: 'getHistoryInclusion',
        tags: ['blocks'],
        summary: "RFC 9162 proof that a block is in a later block's history root.",
        params: S.HeightParams,
        querystring: S.InclusionQuery,
        response: { 200: S.HistoryInclusion, ...errorResponses() },
      },
    },
    async (request) => {
      const { height } = request.params;
      const { head } = request.query;
      const proof = await node.historyInclusion(height, head);
      const [block, headBlock] = await Promise.all([node.getSignedHeader(height), node.getSignedHeader(head)]);
      if (!block || !headBlock) throw new PolityError('RECEIPT_UNAVAILABLE', 'a block of this proof is not stored on this node');
      return { ...proof, blockHash: block.certificate.blockHash, head: { header: headBlock.header, certificate: headBlock.certificate } };
    },
  );

  app.get(
    '/v1/history/consistency',
    {
      schema: {
        operationId: 'getHistoryConsistency',
        tags: ['blocks'],
        summary: "RFC 9162 consistency proof: the later head's history extends the earlier one's.",
        querystring: S.ConsistencyQuery,
        response: { 200: S.HistoryConsistency, ...errorResponses() },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      const proof = await node.historyConsistency(from, to);
      const [a, b] = await Promise.all([node.getSignedHeader(from), node.getSignedHeader(to)]);
      if (!a || !b) throw new PolityError('RECEIPT_UNAVAILABLE', 'a block of this proof is not stored on this node');
      return { ...proof, from: { header: a.header, certificate: a.certificate }, to: { header: b.header, certificate: b.certificate } };
    },
  );

  // --- state ----------------------------------------------------------------------
  app.get(
    '/v1/state',
    {
      schema: {
        operationId: 'readState',
        tags: ['state'],
        summary: 'Read a state key, optionally with an inclusion or non-inclusion proof against the latest block.',
        querystring: S.StateQuery,
        response: { 200: S.StateRead, ...errorResponses() },
      },
    },
    async (request) => node.readState(request.query.key, request.query.proof === true),
  );
}

/**
 * A route that takes one signed transaction (POST /v1/tx, and a service's
 * own narrower form such as POST /v1/notary/anchor, whose `body` schema
 * admits only its action): 202 once accepted, 200 with the result once
 * committed under wait=commit, the admission code otherwise.
 */
export function registerSubmitRoute<B extends TSchema>(
  app: TypedApp,
  node: PolityNode,
  route: { url: string; operationId: string; tags: string[]; summary: string; description?: string; body: B },
): void {
  const { url, body, ...doc } = route;
  app.post(
    url,
    { schema: { ...doc, body, querystring: S.WaitQuery, response: { 200: S.TxCommitted, 202: S.TxPending, ...errorResponses(401, 409, 410, 413, 503) } } },
    async (request, reply) => {
      const outcome = await submitOne(node, request.body, request.query);
      if (outcome.status === 'rejected') throw rejection(outcome);
      if (outcome.status === 'committed') return reply.code(200).send(outcome);
      return reply.code(202).send(outcome);
    },
  );
}

/** Submit one transaction and, with wait=commit, wait for it: what POST /v1/tx and the services' write routes answer. */
export async function submitOne(
  node: PolityNode,
  tx: unknown,
  query: { wait?: 'commit' | 'none'; timeoutMs?: number },
): Promise<{ status: 'rejected'; code: string; message: string } | S.TxPendingT | S.TxCommittedT> {
  const [outcome] = await node.submitTxs([tx]);
  if (!outcome || outcome.status === 'rejected') return { status: 'rejected', code: outcome?.code ?? 'TX_MALFORMED', message: outcome?.message ?? 'rejected' };
  if (query.wait !== 'commit') return { txId: outcome.txId, status: 'pending' };
  const status = await node.waitForTx(outcome.txId, query.timeoutMs ?? WAIT_DEFAULT_MS);
  if (status.status !== 'committed') return status;
  // A waiter told by the commit has its block's hash and time; one that found the transaction
  // already committed (or looked again as its time ran out) reads them from the block.
  if (status.blockHash !== undefined && status.time !== undefined) return { ...status, blockHash: status.blockHash, time: status.time };
  const block = await node.getBlock(status.height);
  assert(block, `block ${status.height} of a committed transaction is not stored`);
  return { ...status, blockHash: block.certificate.blockHash, time: block.header.time };
}

/**
 * A refused admission as the error it answers. The node reports admission
 * codes as text (they travel to peers and into logs); every one of them is a
 * PolityError code of the admission checks.
 */
export function rejection(outcome: { code: string; message: string }): PolityError {
  return new PolityError(outcome.code as ErrorCode, outcome.message);
}

/** A module as GET /v1/modules publishes it: its actions and who may call each. */
function publicModule(m: ModuleDefinition) {
  return {
    name: m.name,
    description: m.description,
    actions: Object.entries(m.actions).map(([name, a]) => ({ name, description: a.description, access: typeof a.access === 'string' ? a.access : { roles: [...a.access.roles] } })),
  };
}

