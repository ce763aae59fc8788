/**
 * The node as its users see it — the API, the CLI, tests and benchmarks —
 * and the options it is created with. The parts behind it (chain state,
 * consensus host, peer protocol, admission, the service hosts) have their
 * own files; node.ts wires them.
 */
import type { StorageStatus } from './store-health.js';
import type { NodeMetrics } from './metrics.js';
import type { NodeHealth, ReadinessCode, StallWatchOptions } from './stall-watch.js';
import type { Json } from '../crypto/canonical-json.js';
import type { Block, BlockHeader, CommitCertificate, TxResult } from '../ledger/block.js';
import type { Genesis } from '../ledger/genesis.js';
import type { SetHandover } from '../ledger/set-history.js';
import type { SignedTx } from '../ledger/transaction.js';
import type { Timeouts } from '../consensus/tendermint.js';
import type { PeerAddress } from '../p2p/network.js';
import type { SubmitOutcome } from './admission.js';
import type { CommittedBlock, StateRead, ValidatorSetAt } from './chain-state.js';
import type { Clock } from './clock.js';
import type { Logger } from './log.js';
import type { MempoolOptions } from './mempool.js';
import type { SignedHeader } from '../storage/interface.js';
import type { NodeService, ServiceHost } from './service-host.js';

export type { SubmitOutcome } from './admission.js';
export type { CommittedBlock, StateRead, ValidatorSetAt } from './chain-state.js';

export interface NodeOptions {
  dataDir: string;
  genesis: Genesis;
  /** This node's Ed25519 secret seed (hex): it signs blocks (as validator) and the transactions its services contribute. */
  nodeSecretKey: string;
  /** The services this node runs: their modules make the chain's registry (the same on every node), their hosts run beside it. */
  services: readonly NodeService[];
  /** Solo: the least time between blocks, ms (default 0: a block as soon as work waits and the previous one is committed). */
  blockIntervalMs?: number;
  /** Solo: cut a block at once when this many transactions wait (default min(5,000, blockTxsMax)). */
  blockTxsTrigger?: number;
  /** Signature-verification worker threads (default: one per core; 0 verifies on the main thread). */
  verifyWorkers?: number;
  mempool?: MempoolOptions;
  log?: Logger;
  /** Injectable for tests. */
  clock?: Clock;
  /** BFT: where to listen for peers and whom to dial (from <data>/network.json). */
  p2p?: {
    listen: { host: string; port: number };
    peers: PeerAddress[];
    observers?: string[];
    /** Tests only: every frame received, decrypted (src/p2p/network.ts `tap`). */
    tap?: (peer: string, body: Uint8Array) => void;
  };
  consensusTimeouts?: Partial<Timeouts>;
  /** BFT: how often this node re-sends its messages of the current height, ms (default 1000). */
  resendIntervalMs?: number;
  /**
   * BFT: when the start-up check refuses the block store, move it aside and
   * resync from the peers (default true; `polity start --no-repair` sets
   * false, to inspect first). A solo node never does.
   */
  repair?: boolean;
  /** When no block is a stall (stall-watch.ts; default: 10 s, warned again every minute). */
  stallWatch?: Partial<StallWatchOptions>;
  /** Add prom-client's process and runtime metrics to the node's (default false: `polity start` turns them on; they describe the process, not the node). */
  processMetrics?: boolean;
  /** The full scan of the store after start (store-check.ts): its pace, or false for none (default 16 MiB/s). */
  storeScan?: { bytesPerSecond?: number } | false;
}

export type TxStatus =
  | { txId: string; status: 'pending' }
  | { txId: string; status: 'unknown' }
  | { txId: string; status: 'committed'; height: number; index: number; result: TxResult; blockHash?: string; time?: number };

/**
 * GET /v1/status. Service hosts add their own fields (the notary's
 * `notaryPendingHashes`, for example) beside these.
 */
export interface NodeStatus {
  chainId: string;
  genesisHash: string;
  nodeKey: string;
  consensus: 'solo' | 'bft';
  height: number;
  latestBlockHash: string;
  latestBlockTime: number;
  stateRoot: string;
  stateKeys: number;
  mempoolTxs: number;
  /** The rules version the next block runs under (runtime/rules.ts). */
  rulesVersion: number;
  /** The newest rules version this release runs: above `rulesVersion`, governance can move the chain up (gov upgradeRules). */
  rulesVersionNewest: number;
  validators: { name: string; pubKey: string; power: number }[];
  /** BFT: the node keys of the peers connected now. */
  peers: string[];
  /** BFT: the round and step of the height being decided. */
  round?: number;
  step?: string;
  /** The block store's health: the background scan's finding, or damage a read found (store-health.ts). */
  storage: StorageStatus;
  /** Readiness as GET /readyz judges it, with the quorum this node sees (stall-watch.ts). */
  health: {
    ready: boolean;
    reasons: { code: ReadinessCode; message: string }[];
    quorum: boolean;
    heardPower: number;
    totalPower: number;
    heardFrom: string[];
    missing: string[];
    stalled: boolean;
    caughtUp: boolean;
    /** Milliseconds since the head block's header time. */
    lastBlockAgeMs: number;
  };
  readonly [serviceField: string]: unknown;
}

export interface PolityNode {
  readonly genesis: Genesis;
  readonly chainId: string;
  readonly genesisHash: string;
  readonly nodeKey: string;
  readonly log: Logger;
  start(): Promise<void>;
  close(): Promise<void>;
  status(): NodeStatus;
  /** Readiness now: quorum, caught up, not stalled, storage writable (GET /readyz). */
  health(): NodeHealth;
  /** The node's Prometheus metrics (GET /metrics). */
  readonly metrics: NodeMetrics;
  readonly height: number;
  /** Validate, verify and queue transactions. Every element gets an outcome; bad ones change nothing. */
  submitTxs(values: readonly unknown[], options?: { fromPeer?: boolean }): Promise<SubmitOutcome[]>;
  txStatus(txId: string): Promise<TxStatus>;
  /** Resolves when the transaction commits, or with its current status after `timeoutMs`. */
  waitForTx(txId: string, timeoutMs: number): Promise<TxStatus>;
  getState(key: string): Json | undefined;
  readState(key: string, withProof: boolean): StateRead;
  /** Check an Ed25519 signature over any message in the verification workers (the API's verifiers use every core). */
  verifySignature(pubKey: string, message: Uint8Array, sig: Uint8Array): Promise<boolean>;
  /**
   * The node's attestation key: an Ed25519 key derived from the node key
   * (its own domain, never used for consensus or transactions) that signs
   * documents the node serves as of its state, such as status list
   * credentials (whose issuer is its did:key).
   */
  readonly attest: { readonly publicKey: string; sign(message: Uint8Array): Uint8Array };
  nextNonce(signer: string): number;
  getBlock(height: number): Promise<Block | undefined>;
  getBlockByHash(hash: string): Promise<Block | undefined>;
  /** A block's header and certificate without its transactions (what lists and history proofs read). */
  getSignedHeader(height: number): Promise<SignedHeader | undefined>;
  getResults(height: number): Promise<TxResult[] | undefined>;
  /**
   * The validator-set handovers committed up to `height` (default: the head),
   * oldest first: what a verifier needs to follow the set from genesis
   * (ledger/set-history.ts).
   */
  setHandovers(height?: number): Promise<SetHandover[]>;
  /** Up to `limit` transactions waiting for a block, in arrival order (not public: see the API's /v1/mempool). */
  pendingTxs(limit: number): SignedTx[];
  /** The validator set in force at a height up to head + 2, and the height it took effect. */
  validatorSetAt(height: number): ValidatorSetAt;
  lastCertificate(): CommitCertificate | undefined;
  lastHeader(): BlockHeader | undefined;
  historyInclusion(height: number, headHeight: number): Promise<{ leafIndex: number; treeSize: number; path: string[] }>;
  historyConsistency(fromHeight: number, toHeight: number): Promise<{ fromSize: number; toSize: number; path: string[] }>;
  /** Follow commits: each block once it is durable, with its results and state changes. Returns the function that stops following. */
  onCommit(listener: (committed: CommittedBlock) => void): () => void;
  /** A service's host part, by the service's name (undefined when the service has none). */
  host<T extends ServiceHost>(name: string): T | undefined;
}
