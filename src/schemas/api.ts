/**
 * Requests and answers of the core HTTP API (spec/api.md): the node,
 * transactions, blocks and history proofs, state, the validator sets, the
 * modules and their access rules, authentication. Each service's own routes
 * have their schemas in src/services/<name>/schemas.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { AnyJson, ChainId, CursorParam, Either, Hex32, Hex64, Height, NextCursor, TimeMs, Word } from './common.js';
import { Block, BlockHeader, CommitCertificate, SetHandover, SignedTx, StateProof, TxResult, Validator } from './ledger.js';

const Int = (options: { minimum?: number; maximum?: number; description?: string } = {}) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...options });

// --- the node -------------------------------------------------------------------

/** The node's own fields of GET /v1/status; services add theirs (ServiceDefinition.status). */
/** Why a node is not ready (GET /readyz, GET /v1/status `health`; src/node/stall-watch.ts). */
export const ReadinessReason = Type.Object(
  {
    code: Word(['NO_QUORUM', 'STALLED', 'CATCHING_UP', 'STORAGE_DAMAGED', 'STORAGE_NOT_WRITABLE', 'STOPPED']),
    message: Type.String({ maxLength: 2000 }),
  },
  { title: 'ReadinessReason' },
);

export const NodeHealth = Type.Object(
  {
    ready: Type.Boolean({ description: 'what GET /readyz answers: true is 200' }),
    reasons: Type.Array(ReadinessReason, { description: 'why not ready, in words; empty when ready' }),
    quorum: Type.Boolean({ description: 'the validators this node hears from (itself included) hold more than two thirds of the voting power (always true on solo)' }),
    heardPower: Int({ description: 'voting power of the validators heard from' }),
    totalPower: Int({ description: 'voting power of the set that signs the next block' }),
    heardFrom: Type.Array(Type.String(), { description: 'validators heard from: organisation name and the first 8 hex digits of the key' }),
    missing: Type.Array(Type.String(), { description: 'validators not heard from' }),
    stalled: Type.Boolean({ description: 'no block for longer than expected (BFT: at all; solo: while work waits)' }),
    caughtUp: Type.Boolean({ description: 'no peer speaks of a height more than one past this head' }),
    lastBlockAgeMs: Int({ description: "milliseconds since the head block's header time" }),
  },
  { description: 'readiness, quorum and stall (spec/operations.md)' },
);

/** GET /readyz. */
export const Ready = Type.Object(
  { status: Type.Literal('ready'), height: Height, lastBlockAgeMs: Int(), quorum: Type.Object({ heardPower: Int(), totalPower: Int(), heardFrom: Type.Array(Type.String()) }) },
  { title: 'Ready' },
);
export const NotReady = Type.Object(
  {
    code: Type.Literal('NODE_NOT_READY'),
    message: Type.String({ description: 'every reason in one sentence' }),
    reasons: Type.Array(ReadinessReason),
    height: Height,
    lastBlockAgeMs: Int(),
    quorum: Type.Object({ heardPower: Int(), totalPower: Int(), heardFrom: Type.Array(Type.String()), missing: Type.Array(Type.String()) }),
  },
  { title: 'NotReady' },
);
export const Alive = Type.Object({ status: Type.Literal('alive') }, { title: 'Alive' });

export const NodeStatus = Type.Object(
  {
    chainId: ChainId,
    genesisHash: Hex32,
    nodeKey: Hex32,
    consensus: Word(['solo', 'bft']),
    height: Height,
    latestBlockHash: Hex32,
    latestBlockTime: TimeMs,
    stateRoot: Hex32,
    stateKeys: Int(),
    mempoolTxs: Int(),
    rulesVersion: Type.Integer({ minimum: 1, description: 'the rules version the next block runs under (spec/operations.md §4.7)' }),
    rulesVersionNewest: Type.Integer({ minimum: 1, description: "the newest rules version this node's release runs; above rulesVersion, a governance upgradeRules change moves the chain up" }),
    validators: Type.Array(Validator, { description: 'the set that signs the next block' }),
    peers: Type.Array(Hex32, { description: 'BFT: node keys of the peers connected now' }),
    round: Type.Optional(Int({ description: 'BFT: the round of the height being decided' })),
    step: Type.Optional(Type.String({ description: 'BFT: the step of that round' })),
    health: NodeHealth,
    storage: Type.Object(
      {
        state: Word(['checking', 'ok', 'damaged']),
        detail: Type.Optional(Type.String({ description: 'what is damaged (a kind and a height), naming the store' })),
        checkedAt: Type.Optional({ ...TimeMs, description: 'when the last full scan of the store finished' }),
      },
      { description: "the block store's health: checking (the scan after start runs), ok (it read everything back), damaged (a scan or a read found damage; reads of it answer 503 STORE_CORRUPT)" },
    ),
  },
  { title: 'NodeStatus' },
);

export const ValidatorSets = Type.Object(
  {
    height: Height,
    current: Type.Object({ since: Type.Integer({ minimum: 1 }), validators: Type.Array(Validator) }),
    scheduled: Type.Array(Type.Object({ since: Type.Integer({ minimum: 1 }), validators: Type.Array(Validator) })),
    handovers: Type.Array(SetHandover),
  },
  { title: 'ValidatorSets' },
);

// --- transactions ---------------------------------------------------------------

export const WaitQuery = Type.Object(
  {
    wait: Type.Optional(Type.Union([Type.Literal('commit'), Type.Literal('none')], { description: 'commit: answer once the transaction commits (or timeoutMs passes)' })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, default: 10_000 })),
  },
  { additionalProperties: false },
);

export const TxBatch = Type.Object({ txs: Type.Array(SignedTx, { minItems: 1, maxItems: 2_000 }) }, { additionalProperties: false });

export const TxPending = Type.Object({ txId: Hex32, status: Word(['pending', 'unknown']) }, { title: 'TxPending' });
export const TxCommitted = Type.Object(
  {
    txId: Hex32,
    status: Type.Literal('committed'),
    height: Type.Integer({ minimum: 1 }),
    index: Int({ description: 'position in the block' }),
    result: TxResult,
    blockHash: Hex32,
    time: { ...TimeMs, description: "the block's time, milliseconds since the Unix epoch" },
  },
  { title: 'TxCommitted', description: 'A transaction committed while the request waited (?wait=commit): as GET /v1/txs/{id} describes it, without the transaction itself.' },
);
/** GET /v1/txs/{id} of a committed transaction: its status, block and the transaction itself. */
export const TxLookup = Type.Object(
  {
    txId: Hex32,
    status: Type.Literal('committed'),
    height: Type.Integer({ minimum: 1 }),
    index: Int(),
    result: TxResult,
    blockHash: Type.Optional(Hex32),
    time: Type.Optional(TimeMs),
    tx: Type.Optional(SignedTx),
  },
  { title: 'TxLookup' },
);

export const TxOutcome = Either(
  'status',
  'accepted',
  Type.Object({ txId: Hex32, status: Type.Literal('accepted') }),
  Type.Object({ txId: Type.Optional(Hex32), status: Type.Literal('rejected'), code: Type.String(), message: Type.String() }),
  { title: 'TxOutcome', description: "One transaction's admission: accepted into the mempool, or rejected with a code." },
);
export const TxBatchOutcomes = Type.Object({ results: Type.Array(TxOutcome) }, { title: 'TxBatchOutcomes' });

export const Account = Type.Object({ key: Hex32, nonce: Int({ description: "the nonce the signer's next transaction must carry" }) }, { title: 'Account' });

export const Mempool = Type.Object({ height: Height, size: Int(), txs: Type.Array(SignedTx) }, { title: 'Mempool' });

// --- blocks and history -----------------------------------------------------------

export const BlocksQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(CursorParam),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'list blocks below this height (the older form of cursor)' })),
  },
  { additionalProperties: false },
);
export const BlockSummary = Type.Object({ hash: Hex32, header: BlockHeader, signatures: Int({ description: 'signatures in its certificate' }) }, { title: 'BlockSummary' });
export const BlockList = Type.Object(
  {
    height: Height,
    blocks: Type.Array(BlockSummary),
    next: NextCursor,
  },
  { title: 'BlockList' },
);
export const BlockWithResults = Type.Composite([Block, Type.Object({ hash: Hex32, results: Type.Array(TxResult) })], { title: 'BlockWithResults' });

export const BlockRefParams = Type.Object({ ref: Type.String({ pattern: '^(?:[0-9]{1,15}|[0-9a-f]{64}|latest)$', description: 'a height, a block hash, or "latest"' }) });
export const HeightParams = Type.Object({ height: Type.Integer({ minimum: 1 }) });
export const TxIdParams = Type.Object({ id: Hex32 });
export const KeyParams = Type.Object({ key: Hex32 });

export const InclusionQuery = Type.Object({ head: Type.Integer({ minimum: 2 }) }, { additionalProperties: false });
export const ConsistencyQuery = Type.Object({ from: Type.Integer({ minimum: 2 }), to: Type.Integer({ minimum: 2 }) }, { additionalProperties: false });

const CertifiedHeader = Type.Object({ header: BlockHeader, certificate: CommitCertificate });
export const HistoryInclusion = Type.Object(
  { leafIndex: Int(), treeSize: Int(), path: Type.Array(Hex32), blockHash: Hex32, head: CertifiedHeader },
  { title: 'HistoryInclusion', description: "RFC 9162 proof that a block is in a later block's history root." },
);
export const HistoryConsistency = Type.Object(
  { fromSize: Int(), toSize: Int(), path: Type.Array(Hex32), from: CertifiedHeader, to: CertifiedHeader },
  { title: 'HistoryConsistency', description: "RFC 9162 proof that a later head's history extends an earlier one's." },
);

// --- state --------------------------------------------------------------------------

export const StateQuery = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 256 }),
    proof: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export const StateRead = Type.Object(
  {
    key: Type.String(),
    value: AnyJson,
    height: Height,
    stateRoot: Hex32,
    proof: Type.Optional(StateProof),
    header: Type.Optional(BlockHeader),
    certificate: Type.Optional(CommitCertificate),
  },
  { title: 'StateRead', description: 'A state value (null when absent) at the latest block, optionally with its proof against that block.' },
);

// --- modules and access rules -------------------------------------------------------------

export const Access = Type.Union(
  [Type.Literal('anyone'), Type.Literal('validator'), Type.Literal('orgAdmin'), Type.Object({ roles: Type.Array(Type.String()) })],
  { title: 'Access', description: 'Who may call an action (spec/identity.md §4).' },
);
export const ModuleList = Type.Object(
  {
    roles: Type.Array(Type.String(), { description: 'roles an official can hold (besides admin)' }),
    modules: Type.Array(
      Type.Object({
        name: Type.String(),
        description: Type.String(),
        actions: Type.Array(Type.Object({ name: Type.String(), description: Type.String(), access: Access })),
      }),
    ),
  },
  { title: 'ModuleList' },
);

// --- authentication -------------------------------------------------------------------------

export const Subject = Type.String({ minLength: 1, maxLength: 256, description: 'a 64-hex Ed25519 public key, a did:key or a did:polity DID' });
export const ChallengeRequest = Type.Object({ subject: Subject }, { additionalProperties: false });
export const Challenge = Type.Object({ challenge: Type.String(), expiresAt: TimeMs }, { title: 'Challenge' });
export const SessionRequest = Type.Object({ subject: Subject, challenge: Type.String({ maxLength: 64 }), signature: Hex64 }, { additionalProperties: false });
export const Session = Type.Object({ token: Type.String({ description: 'send as "Authorization: Bearer <token>"' }), expiresAt: TimeMs }, { title: 'Session' });
export const Whoami = Type.Object(
  {
    publicKey: Hex32,
    keyId: Type.String(),
    via: Word(['signature', 'session']),
    did: Type.Optional(Type.String()),
    org: Type.Optional(Type.String()),
    roles: Type.Array(Type.String()),
    admin: Type.Boolean(),
  },
  { title: 'Whoami' },
);
export const MempoolQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false });

export type NodeStatusT = Static<typeof NodeStatus>;
export type ValidatorSetsT = Static<typeof ValidatorSets>;
export type TxPendingT = Static<typeof TxPending>;
export type TxCommittedT = Static<typeof TxCommitted>;
export type TxLookupT = Static<typeof TxLookup>;
export type TxOutcomeT = Static<typeof TxOutcome>;
export type BlockListT = Static<typeof BlockList>;
export type BlockWithResultsT = Static<typeof BlockWithResults>;
export type StateReadT = Static<typeof StateRead>;
export type ModuleListT = Static<typeof ModuleList>;
export type WhoamiT = Static<typeof Whoami>;
