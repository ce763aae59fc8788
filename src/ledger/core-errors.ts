/**
 * The error codes of Polity's core: input at the edge, transaction admission,
 * authentication of API requests, authorisation of transactions, and the
 * node. Each service declares its own codes in its errors.ts; errors.ts says
 * how the tables fit together.
 */
import { Type } from '@sinclair/typebox';
import { defineErrors, type DetailsOf } from './errors.js';

export const CORE_ERRORS = defineErrors({
  // --- input at the edge
  BAD_REQUEST: {
    status: 400,
    arises:
      'history proof routes (`/v1/blocks/{h}/inclusion`, `/v1/history/consistency`) when the heights are out of range; a `content-length` that does not match the body; a malformed URL; any other 4xx the HTTP framework raises; bad resolution options of `GET /v1/dids/{did}`; an invalid genesis document ("genesis: …", when a node starts or `polity verify` loads one)',
    meaning: 'the request is well-formed but asks for something impossible',
    details: Type.Object({ error: Type.String({ description: 'on DID routes: the DID Resolution error name (invalidOptions)' }) }),
    detailsOptional: true,
  },
  MALFORMED_JSON: { status: 400, arises: 'HTTP, before routing', meaning: 'the body is not valid JSON, or is empty while declared `application/json`' },
  SCHEMA_INVALID: {
    status: 400,
    arises: 'HTTP, every route',
    meaning:
      "the body, path parameters or query do not match the route's schema. Bodies are checked as sent, never coerced (`\"5\"` for a number is this error, and so is a member the schema does not allow); query strings and path parameters are converted to the schema's types first. The message is the first error, `<part><path>: <rule>`, where `<part>` is `body`, `querystring` or `params`, cut to 300 characters",
  },
  CURSOR_INVALID: {
    status: 400,
    arises: 'every list route (`?cursor=`: `GET /v1/blocks`, `/v1/evidence`, `/v1/gov/proposals`, the invoice, sharing queue, access and dataset-history lists, `/v1/dids/{did}/history`)',
    meaning: "the cursor is not one the list gave (pass back the previous page's `next` unchanged), or it is given together with the older parameter it replaces (`before`, `offset`, `from`)",
  },
  BODY_TOO_LARGE: { status: 413, arises: 'HTTP', meaning: 'the body exceeds the limit (8 MiB by default)' },
  URI_TOO_LONG: { status: 414, arises: 'HTTP, routing', meaning: 'a part of the path is longer than the router accepts (100 characters)' },
  HEADERS_TOO_LARGE: { status: 431, arises: "HTTP, before routing (Node's parser)", meaning: 'the request line and headers exceed 16 KB; a long URL counts. The connection is closed' },
  MALFORMED_HTTP: {
    status: 400,
    arises: "HTTP, before routing (Node's parser)",
    meaning: 'the request is not well-formed HTTP/1.1: a garbage request line, an invalid header, a duplicate Content-Length, bad chunked encoding. The connection is closed',
  },
  REQUEST_TIMEOUT: { status: 408, arises: "HTTP, before routing (Node's parser)", meaning: 'the request line, headers or body did not arrive in time. The connection is closed' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    arises: 'HTTP, a request with a body',
    meaning: "the body's content type is not `application/json` (the API parses JSON only). Message: \"send the body as application/json\"",
  },
  NOT_FOUND: {
    status: 404,
    arises: 'HTTP: no such route, an unknown transaction or block, a static file that does not exist',
    meaning: 'nothing here by that name',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    arises: 'HTTP: a method the path does not answer (`DELETE /v1/status`, `GET /v1/tx`)',
    meaning: 'the path exists under other methods, named in the `Allow` header',
  },
  RATE_LIMITED: {
    status: 429,
    arises:
      'any route, when one client address has sent more than its limit in the window (3,000 per 10 s; loopback exempt by default), `POST /v1/auth/challenge` over its own limit (60 per 10 s per address, loopback included), a signed request from a key that already has 10,000 signatures in the replay guard\'s window, and `POST /v1/auth/session` from an admin\'s or official\'s key when the sessions reserved for organisations\' keys are all held (keys without standing share a pool that closes its oldest session instead)',
    meaning: 'slow down: retry after the `Retry-After` seconds (or, for sessions, sign each request instead)',
  },
  NODE_BUSY: {
    status: 503,
    arises:
      'routes that hold a whole block or many receipts (`GET /v1/blocks/{ref}`, `GET /v1/txs/{id}`, `GET /v1/mempool`, the notary\'s look-ups and receipts) when 2 run and 32 wait; any request with a body over 256 KiB when 2 run and 8 wait (spec/api.md §"Limits"); a submitted transaction\'s outcome (`POST /v1/tx`, `POST /v1/txs`) when 65,536 submitted transactions are already being decoded and verified, or the node is shutting down',
    meaning: 'the node is at its limit of concurrent heavy work and its queue is full; retry after the `Retry-After` seconds',
  },
  INTERNAL: { status: 500, arises: 'any route', meaning: 'a bug; the message is only "internal error", and the node logs the route and a truncated error message' },
  // --- transaction admission
  TX_MALFORMED: { status: 400, arises: 'submission (`decodeTx`)', meaning: 'the transaction is not `{body, sig}` of the right shape; the message names the field' },
  TX_TOO_LARGE: { status: 413, arises: 'submission', meaning: "the transaction's canonical size is above 16,384 bytes" },
  TX_WRONG_CHAIN: { status: 400, arises: 'submission; also a result', meaning: "`body.chainId` is not this chain's" },
  TX_BAD_SIGNATURE: { status: 401, arises: 'submission (signature workers)', meaning: '`sig` does not verify against `body.signer`' },
  TX_NONCE_USED: {
    status: 409,
    arises: "submission: the nonce is below the signer's committed nonce, or another waiting transaction has it; also a result: the nonce is not the signer's next one at execution",
    meaning: 'replay, or a conflicting transaction',
  },
  TX_NONCE_TOO_FAR: {
    status: 409,
    arises: 'submission',
    meaning: "the nonce is 50,000 or more ahead of the signer's committed nonce, or it waits behind a gap and is 256 or more past the signer's next runnable nonce (spec/transactions.md §7.2)",
  },
  TX_EXPIRED: { status: 410, arises: "submission: `expiresAt <=` the current height; also a result: `expiresAt <` the block's height", meaning: 'too late' },
  TX_DUPLICATE: { status: 409, arises: 'submission', meaning: 'the same transaction (same id) is already waiting' },
  TX_UNKNOWN_MODULE: { status: 400, arises: 'submission; also a result', meaning: 'no module of that name on this chain' },
  TX_UNKNOWN_ACTION: { status: 400, arises: 'submission; also a result', meaning: 'the module has no such action' },
  TX_ARGS_INVALID: { status: 400, arises: 'submission; also a result', meaning: "`body.args` does not match the action's schema; the message gives the first schema error" },
  TX_REJECTED: {
    status: 400,
    arises: '`POST /v1/txs` when not one transaction of the batch was accepted',
    meaning: "`details.results` holds each transaction's outcome",
    details: Type.Object({
      results: Type.Array(Type.Object({ txId: Type.Optional(Type.String()), status: Type.Literal('rejected'), code: Type.String(), message: Type.String() })),
    }),
  },
  MEMPOOL_FULL: {
    status: 503,
    arises: 'submission',
    meaning:
      "the mempool's transaction or byte limit, or this signer's limit, is reached and nothing waiting behind a nonce gap can be evicted for it; or the share of transactions waiting behind a gap is taken (send the missing nonce first); retry later",
  },
  // --- authentication of API requests (spec/api-auth.md §6)
  AUTH_REQUIRED: { status: 401, arises: 'routes that need a principal', meaning: 'the route needs a signed request or a session token, and the request has neither' },
  AUTH_MALFORMED: { status: 401, arises: 'signed requests, sessions', meaning: 'Signature-Input / Signature / Authorization cannot be parsed, or the profile is not followed' },
  AUTH_EXPIRED: {
    status: 401,
    arises: 'signed requests, sessions',
    meaning: "the signature is too old or from the future, `expires` passed, or it was created before the node started (or before what its replay guard still remembers); the challenge expired; the session token is unknown, closed or expired, or the session's key is no longer its subject's",
  },
  AUTH_BAD_SIGNATURE: { status: 401, arises: 'signed requests, sessions', meaning: 'the signature does not verify with the key of its keyid (or a challenge signed by another key)' },
  AUTH_WRONG_ORIGIN: {
    status: 401,
    arises: 'signed requests',
    meaning: "`@target-uri` names another origin than this node's public URL (the request was signed for another node), or the node has no public URL to check it against",
  },
  AUTH_UNKNOWN_KEY: { status: 401, arises: 'signed requests, sessions', meaning: 'no current key is known for the keyid (an unknown or deactivated DID)' },
  AUTH_DIGEST_MISMATCH: { status: 400, arises: 'signed requests', meaning: 'Content-Digest does not match the body received' },
  AUTH_REPLAYED: { status: 401, arises: 'signed requests, sessions', meaning: 'the same signature was seen within the window, or the challenge was used' },
  AUTH_FORBIDDEN: { status: 403, arises: 'non-public reads (`GET /v1/mempool`)', meaning: 'authenticated, but not allowed to read or do this' },
  // --- authorisation of transactions (spec/identity.md §4)
  AUTH_NOT_OFFICIAL: { status: 403, arises: 'role-gated actions', meaning: 'the signer is no official or admin of an active member organisation' },
  AUTH_NOT_VALIDATOR: { status: 403, arises: 'any action with access `validator`', meaning: "the signer is not a node key of the block's validator set" },
  AUTH_ROLE_MISSING: { status: 403, arises: 'role-gated actions', meaning: 'the official lacks every role the action accepts; the message names them' },
  AUTH_ORG_NOT_PERMITTED: { status: 403, arises: 'role-gated actions', meaning: "the signer's organisation lacks the module's permission (granted by governance)" },
  AUTH_NOT_ORG_ADMIN: {
    status: 403,
    arises: 'actions with access `orgAdmin`',
    meaning: 'the signer is not an admin of an active member organisation, or not of the organisation it acts for',
  },
  // --- the node
  RECEIPT_UNAVAILABLE: {
    status: 404,
    arises: 'receipts and validator-set handovers',
    meaning: 'a block, or the leaves of an aggregation batch, are not stored on this node (receipts of aggregated hashes come from the node that aggregated them)',
  },
  STORE_CORRUPT: {
    status: 503,
    arises: 'any read of stored blocks, results, transactions, proofs and attachments; the start-up check of the chain store',
    meaning:
      "the node's chain store is damaged: what was asked for is stored but cannot be read back (LevelDB reports corruption, or a stored block does not link to its successor). The message names the store's directory; the node keeps answering what it can read. An operator recovers the node (spec/storage.md §8): restore the data directory from a backup, or on a BFT network delete `chain/` and let the node resync from its peers",
  },
  NODE_NOT_READY: { status: 503, arises: 'writes (`POST /v1/tx`, `/v1/txs` and the services\' write routes); `GET /readyz`', meaning: 'the node has stopped after an internal failure (it is about to exit); from `GET /readyz`: the node lacks quorum, is catching up, is stalled or cannot write its storage (`reasons` names which)' },
});

declare module './errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof CORE_ERRORS> {}
}
