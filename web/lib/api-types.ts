/**
 * The shapes of the API answers the pages read: the static types of the very
 * schemas the routes answer with (src/schemas/api.ts for the core, each
 * service's schemas.ts), so a page and the server read one definition.
 *
 * Type-only imports: erased by tsc, so no schema code — nor TypeBox — ships
 * to the browser (the start-up import check would refuse it: TypeBox is not
 * in the pages' import map).
 */
import type { Static } from '@sinclair/typebox';
import type { Account, BlockList, BlockWithResults, ModuleList, NodeStatus, TxCommitted, TxLookup, TxPending, ValidatorSets } from '../../src/schemas/api.js';
import type { DidHistory, Resolution } from '../../src/services/did/schemas.js';
import type { EvidenceList, EvidenceRecord as EvidenceRecordSchema } from '../../src/services/evidence/schemas.js';
import type { Proposal, ProposalList } from '../../src/services/gov/schemas.js';
import type { Lookup, StatusFields as NotaryStatusFields } from '../../src/services/notary/schemas.js';
import type { MemberInfo, OrgDetail, OrgList, Organisation as OrganisationSchema, OrgLogEntryT, PendingOperation } from '../../src/services/org/schemas.js';
import type { PendingChange } from '../../src/services/validators/schemas.js';
import type { DidVersion } from '../../src/services/did/method.js';
import type { GovernanceParams, Validator } from '../../src/ledger/genesis.js';
import type { OrgOp } from '../../src/services/org/module.js';

export type { DidVersion, GovernanceParams, Validator, OrgOp };

/** GET /v1/status: the node's fields and those the services add (the notary's). */
export type StatusResponse = Static<typeof NodeStatus> & Static<typeof NotaryStatusFields>;
/** GET /v1/blocks */
export type BlocksResponse = Static<typeof BlockList>;
/** GET /v1/blocks/{ref} */
export type BlockResponse = Static<typeof BlockWithResults>;
/** GET /v1/txs/{id}: committed, or still waiting for a block. */
export type TxResponse = Static<typeof TxLookup> | Static<typeof TxPending>;
/** POST /v1/tx?wait=commit: 200 once committed, 202 while still pending. */
export type SubmitResponse = Static<typeof TxCommitted> | Static<typeof TxPending>;
/** GET /v1/accounts/{key} */
export type AccountResponse = Static<typeof Account>;
/** GET /v1/validator-sets */
export type ValidatorSetsResponse = Static<typeof ValidatorSets>;
/** GET /v1/modules */
export type ModulesResponse = Static<typeof ModuleList>;
/** GET /v1/notary/hashes/{hash} */
export type NotaryLookupResponse = Static<typeof Lookup>;
/** GET /v1/evidence */
export type EvidenceResponse = Static<typeof EvidenceList>;
export type EvidenceRecord = Static<typeof EvidenceRecordSchema>;
/** GET /v1/orgs */
export type OrgsResponse = Static<typeof OrgList>;
export type Organisation = Static<typeof OrganisationSchema>;
/** GET /v1/orgs/{id} */
export type OrgResponse = Static<typeof OrgDetail>;
export type PendingOp = Static<typeof PendingOperation>;
/** GET /v1/members/{key} */
export type MemberResponse = Static<typeof MemberInfo>;
/** GET /v1/gov/proposals */
export type ProposalsResponse = Static<typeof ProposalList>;
export type ProposalView = Static<typeof Proposal>;
/** GET /v1/dids/{did}: a W3C DID Resolution result; error answers add Polity's {code, message}. */
export type DidResolutionResponse = Static<typeof Resolution>;
/** GET /v1/dids/{did}/history */
export type DidHistoryResponse = Static<typeof DidHistory>;
/** GET /v1/validators/changes/{id} */
export type PendingChangeResponse = Static<typeof PendingChange>;

/** An entry of an organisation's log (GET /v1/orgs/{id} `log`). */
export type OrgLogEntry = OrgLogEntryT;
