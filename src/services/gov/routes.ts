/**
 * Reads of consortium governance (spec/services/gov.md): proposals with their
 * votes and outcome. Public: the consortium's decisions are what every
 * member and citizen may audit. Proposals and votes are signed gov.*
 * transactions (POST /v1/tx). A proposal reads as expired once its deadline
 * passed by the head block's time or this node's clock (org/routes.ts
 * readAtNow); the chain refuses votes by block time only.
 */
import { isHex32, keyCursor, startBelow } from '../../api/paging.js';
import type { ServiceRoutes } from '../../api/route.js';
import { PolityError } from '../../ledger/errors.js';
import { errorResponses } from '../../schemas/common.js';
import { readAtNow } from '../org/routes.js';
import { listProposals, proposal } from './queries.js';
import { PROPOSALS_LIST_DEFAULT, ProposalDetail, ProposalList, ProposalParams, ProposalsQuery } from './schemas.js';

export const govRoutes: ServiceRoutes = (app, { node, get }) => {
  app.get(
    '/v1/gov/proposals',
    {
      schema: {
        operationId: 'listProposals',
        tags: ['governance'],
        summary: 'Governance proposals, newest first, with their votes and outcome.',
        querystring: ProposalsQuery,
        response: { 200: ProposalList, ...errorResponses(404) },
      },
    },
    async (request) => {
      const { status, limit = PROPOSALS_LIST_DEFAULT, before: older, cursor } = request.query;
      const before = startBelow(cursor, older, isHex32);
      const { next, ...page } = listProposals(get, readAtNow(node), { ...(status ? { status } : {}), limit, ...(before ? { before } : {}) });
      return { height: node.height, ...page, next: next !== undefined ? keyCursor(next) : null };
    },
  );

  app.get(
    '/v1/gov/proposals/:id',
    {
      schema: {
        operationId: 'getProposal',
        tags: ['governance'],
        summary: 'One proposal: the change, who proposed it, each organisation’s votes, and its outcome.',
        params: ProposalParams,
        response: { 200: ProposalDetail, ...errorResponses(404) },
      },
    },
    async (request) => {
      const p = proposal(get, request.params.id, readAtNow(node));
      if (!p) throw new PolityError('GOV_PROPOSAL_UNKNOWN', `no proposal ${request.params.id.slice(0, 16)}…`);
      return { height: node.height, proposal: p };
    },
  );
};
