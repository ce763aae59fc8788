/**
 * How a service reaches the node: its host part.
 *
 * The node names no service (DESIGN.md, "Layers"). A service that needs
 * more than its pure module — off-chain work such as the notary's
 * aggregation and hash index, or the evidence a node's own engine caught —
 * gives the node a factory `(ctx: HostContext) => ServiceHost`. The node
 * calls it once, after the chain state is rebuilt and before consensus
 * starts, and from then on calls the host's hooks. Every hook is optional:
 * a host implements what its service needs and nothing else. The shape
 * follows what the two hosts of today need, and why:
 *
 * - `open`/`close`: a host may keep a store of its own (the notary's hash
 *   index, a LevelDB beside the chain) and worker threads. `open` runs
 *   after the chain is rebuilt, so it can catch up on blocks committed
 *   before a crash (the index re-derives the blocks it missed).
 * - `pendingWork`: work waiting for a block counts like waiting
 *   transactions, so a solo node cuts a block for it; `HostContext.workAvailable`
 *   wakes the node when such work appears outside a request (a background
 *   seal finished).
 * - `contribute`: transactions the node itself signs into a block it
 *   proposes. A host returns unsigned bodies (module, action, args); the
 *   node signs them with its node key and its next nonces — the key never
 *   leaves the node — so that nobody else can interleave transactions of
 *   that signer. Each may carry an attachment, bytes stored in the same
 *   atomic write as the block (the leaves of an aggregation batch: the
 *   receipts of its hashes are rebuilt from them after any restart). Each
 *   contribution is later settled: committed, failed (in the block, with a
 *   failed result) or abandoned (over the block's limits, or the block
 *   was not the one committed), so a host can requeue or forget its work.
 * - `HostContext.signOwnTx` and `submitOwnTx`: a transaction signed with
 *   the node key that goes through the node's mempool like any client's,
 *   so whichever validator proposes next includes it (peers receive it by
 *   gossip), where a contribution waits for this node's own turn to
 *   propose, one block in four with four validators, and never comes on a
 *   node that does not propose (an observer, a retired validator). The
 *   notary's aggregation batches go this way. The host picks the nonce (its
 *   transactions in flight run on from the committed one) and an
 *   `expiresAt` height, after which it knows the transaction can no longer
 *   commit. A contribution made meanwhile at the same nonce comes first in
 *   its block, and the mempool one then fails with `TX_NONCE_USED`: the host
 *   sees the failed result and submits its work again.
 * - `afterCommit`: every committed block with its results and state
 *   changes, after it is durable and visible in the chain reads.
 * - `onEvidence`: the equivocations the node's consensus engine caught.
 * - `status`: fields the host adds to the node's status (GET /v1/status).
 * - `onPeerRequest` and `HostContext.peers`: a service request channel
 *   between the hosts of one service on different nodes, over the
 *   authenticated P2P links (peer-protocol.ts, `service/<name>`): the data
 *   sharing service sends a private record from the node that holds it to
 *   the node of an organisation allowed to read it. `from` is the asking
 *   node's key, proven in the link's handshake. Bytes are bounded by the
 *   peer protocol; a rejection goes back to the asker as the remote error
 *   (its message: no personal data).
 * - `HostContext.keyAgreement`: the node's X25519 key, the twin of its node
 *   key (src/crypto/x25519.ts), so others can encrypt to a node whose key
 *   they read on the chain. The host gets shared secrets, never the secret.
 *
 * Hooks run on the node's serial consensus queue (`contribute`, settling,
 * `afterCommit`, `onEvidence`): a host must not block it for long, and a
 * hook that throws stops the node like any broken invariant.
 */
import type { Json } from '../crypto/canonical-json.js';
import type { Genesis } from '../ledger/genesis.js';
import type { TxResult } from '../ledger/block.js';
import type { Evidence } from '../ledger/votes.js';
import type { SignedTx } from '../ledger/transaction.js';
import type { ModuleDefinition } from '../runtime/module.js';
import type { ChainReads, CommittedBlock } from './chain-state.js';
import type { Logger } from './log.js';

export interface HostContext {
  /** The node's data directory: a host keeps its own files under it. */
  readonly dataDir: string;
  readonly genesis: Genesis;
  /** The node key (public, hex): the signer of every transaction the node contributes. */
  readonly nodeKey: string;
  readonly log: Logger;
  /** Reads of the committed chain. */
  readonly chain: ChainReads;
  /** The attachment stored with a committed transaction this node contributed. */
  attachment(txId: string): Promise<Uint8Array | undefined>;
  /** Tell the node there is work for a block (it asks `pendingWork` and `contribute` when it builds one). */
  workAvailable(): void;
  /** False once the node has stopped after an internal failure: take no more work then. */
  running(): boolean;
  /** Sign a transaction with the node key (this chain, version 1); the key stays in the node. */
  signOwnTx(body: OwnTxBody): SignedTx;
  /** Submit a transaction the node signed to its mempool; accepted ones are gossiped to peers like any client's. */
  submitOwnTx(tx: SignedTx): Promise<{ txId: string; status: 'accepted' } | { txId?: string; status: 'rejected'; code: string; message: string }>;
  /** The service request channel to this service's hosts on other nodes (none on a solo node: no peers, requests reject). */
  readonly peers: HostPeers;
  /** The node's X25519 key (the twin of its node key): its public half, and shared secrets with it. */
  readonly keyAgreement: KeyAgreement;
}

/** A transaction the node signs for a host: everything but version, chain, signer and signature. */
export interface OwnTxBody {
  module: string;
  action: string;
  args: { [key: string]: Json };
  nonce: number;
  /** The last height at which it may be included (spec/transactions.md). */
  expiresAt?: number;
}

export interface HostPeers {
  /** Node keys of the peers with an open link now. */
  connectedPeers(): readonly string[];
  /** Ask the same service's host on `peer`; rejects on timeout, disconnect, a size limit or the peer's refusal (its message). */
  request(peer: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
}

export interface KeyAgreement {
  /** 32 bytes: X25519 public key of this node (derived from its node key: anyone can compute it from the chain). */
  readonly publicKey: Uint8Array;
  /** X25519(node secret, publicKey): 32 bytes; throws for a low-order key. */
  sharedSecret(publicKey: Uint8Array): Uint8Array;
}

/** Room left in the block being built, and its height. */
export interface BlockSpace {
  height: number;
  txsMax: number;
  bytesMax: number;
}

/** What became of a contributed transaction. */
export type ContributionOutcome =
  | { status: 'committed' | 'failed'; height: number; txIndex: number; txId: string; result: TxResult }
  | { status: 'abandoned'; reason: string };

export interface Contribution {
  /** The transaction without signer, nonce and signature: the node adds them (v 1, this chain). */
  readonly body: { module: string; action: string; args: { [key: string]: Json } };
  /** Stored with the block, in its one atomic write, when the transaction commits with an OK result (HostContext.attachment reads it back). */
  readonly attachment?: Uint8Array;
  /** Called once, on the node's queue, when the contribution's fate is known. */
  settled?(outcome: ContributionOutcome): void;
}

export interface ServiceHost {
  open?(): Promise<void>;
  close?(): Promise<void>;
  /** How many items wait for a block (0 when none). */
  pendingWork?(): number;
  /** Transactions for the block this node is building, in order; those past the block's room are abandoned. */
  contribute?(space: BlockSpace): Promise<readonly Contribution[]>;
  afterCommit?(committed: CommittedBlock): void;
  onEvidence?(evidence: Evidence): void;
  /** A service request from the same service's host on node `from` (its key); the answer's bytes, or a rejection sent back as its message. */
  onPeerRequest?(from: string, data: Uint8Array): Promise<Uint8Array>;
  /**
   * The LevelDB stores of primary data this host keeps open, by folder name
   * in the data directory, each with a copy from one snapshot for a backup
   * of the running node (backup.ts).
   */
  backupStores?(): ReadonlyMap<string, (target: string) => Promise<unknown>>;
  /** Fields for the node's status (numbers, strings or flags; names unique across services). */
  status?(): Readonly<Record<string, number | string | boolean>>;
}

export type ServiceHostFactory = (ctx: HostContext) => ServiceHost;

/** A service as the node runs it: its module, and its host part when it has one. */
export interface NodeService {
  readonly name: string;
  readonly module: ModuleDefinition;
  readonly host?: ServiceHostFactory;
}
