/**
 * The shapes of the API answers the pages read.
 *
 * Built from the chain's own types (ledger, runtime, the services' pure
 * files) with `import type`, which is erased: nothing here ships to the
 * browser. TEMPORARY: the envelopes written out below (status, look-ups,
 * lists) are replaced by `Static<typeof …>` of the route schemas once the
 * HTTP schemas live in src/schemas/ and src/services/<name>/schemas.ts, so
 * that the pages and the server read one definition.
 */
import type { Block, BlockHeader, TxResult } from '../../src/ledger/block.js';
import type { GovernanceParams, Validator } from '../../src/ledger/genesis.js';
import type { SetHandover } from '../../src/ledger/set-history.js';
import type { SignedTx } from '../../src/ledger/transaction.js';
import type { Access } from '../../src/runtime/module.js';
import type { Member, Organisation } from '../../src/runtime/membership.js';
import type { DidResolutionResult, DidVersion } from '../../src/services/did/method.js';
import type { EvidenceRecord } from '../../src/services/evidence/module.js';
import type { Proposal, ProposalStatus } from '../../src/services/gov/module.js';
import type { OrgOp } from '../../src/services/org/module.js';

export type { Block, BlockHeader, TxResult, Validator, SetHandover, SignedTx, Organisation, Proposal, ProposalStatus, OrgOp, EvidenceRecord, DidVersion, GovernanceParams };

/** GET /v1/status */
export interface StatusResponse {
  chainId: string;
  genesisHash: string;
  nodeKey: string;
  consensus: 'solo' | 'bft';
  height: number;
  latestBlockHash: string;
  latestBlockTime: number;
  mempoolTxs: number;
  notaryPendingHashes: number;
  validators: Validator[];
  peers: string[];
  round?: number;
  step?: string;
}

/** GET /v1/blocks */
export interface BlocksResponse {
  height: number;
  blocks: { hash: string; header: BlockHeader; signatures: number }[];
}

/** GET /v1/blocks/{ref} */
export type BlockResponse = Block & { hash: string; results?: TxResult[] };

/** GET /v1/txs/{id} */
export type TxResponse =
  | { txId: string; status: 'pending' }
  | { txId: string; status: 'committed'; height: number; index: number; result: TxResult; blockHash?: string; time?: number; tx?: SignedTx };

/** GET /v1/notary/hashes/{hash} */
export interface NotaryLookupResponse {
  hash: string;
  status: 'anchored' | 'pending' | 'unknown';
  mode?: 'signed' | 'batch';
  height?: number;
  time?: number;
  blockHash?: string;
  txId?: string;
  signer?: string;
  meta?: Record<string, unknown>;
}

/** GET /v1/evidence */
export interface EvidenceResponse {
  evidence: EvidenceRecord[];
}

/** GET /v1/validator-sets */
export interface ValidatorSetsResponse {
  height: number;
  current: { since: number; validators: Validator[] };
  scheduled: { since: number; validators: Validator[] }[];
  handovers: SetHandover[];
}

/** GET /v1/accounts/{key} */
export interface AccountResponse {
  key: string;
  nonce: number;
}

/** POST /v1/tx?wait=commit: 200 once committed, 202 while still pending. */
export type SubmitResponse = { txId: string; status: 'committed'; height: number; index: number; result: TxResult } | { txId: string; status: 'pending' };

/** GET /v1/modules */
export interface ModulesResponse {
  roles: string[];
  modules: { name: string; description: string; actions: { name: string; description: string; access: Access }[] }[];
}

/** GET /v1/orgs */
export interface OrgsResponse {
  height: number;
  organisations: Organisation[];
  governance: GovernanceParams | null;
}

/** A pending operation of an organisation, as GET /v1/orgs/{id} lists it. */
export interface PendingOp {
  id: string;
  op: OrgOp;
  approvals: string[];
  proposer: string;
  proposedAt: number;
  expiresAt: number;
}

/** GET /v1/orgs/{id} */
export interface OrgResponse {
  height: number;
  organisation: Organisation;
  officials: ({ key: string } & Member & { roles: string[]; since: number })[];
  pending: PendingOp[];
  log: { height: number; txId: string; op: OrgOp }[];
}

/** GET /v1/members/{key} */
export interface MemberResponse {
  key: string;
  org?: string;
  roles: string[];
  admin: boolean;
  nodeOf?: string;
}

/** A proposal as the API shows it: its status as a vote in the next block would meet it. */
export type ProposalView = Omit<Proposal, 'status'> & { status: ProposalStatus };

/** GET /v1/gov/proposals */
export interface ProposalsResponse {
  height: number;
  proposals: ProposalView[];
  total: number;
}

/** GET /v1/dids/{did}: a W3C DID Resolution result; error answers add Polity's {code, message}. */
export type DidResolutionResponse = DidResolutionResult & { code?: string; message?: string; didResolutionMetadata: { height?: number } };

/** GET /v1/dids/{did}/history */
export interface DidHistoryResponse {
  did: string;
  height: number;
  total: number;
  deactivated?: boolean;
  from: number;
  versions: DidVersion[];
  next?: number;
}
