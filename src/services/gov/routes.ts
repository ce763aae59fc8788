/**
 * Reads of consortium governance (spec/services/gov.md): proposals with their
 * votes and outcome. Public: the consortium's decisions are what every
 * member and citizen may audit. Proposals and votes are signed gov.*
 * transactions (POST /v1/tx).
 */
import type { ServiceRoutes } from '../../api/route.js';
import { PolityError } from '../../ledger/errors.js';
import { errorResponses } from '../../schemas/common.js';
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
      const { status, limit = PROPOSALS_LIST_DEFAULT, before } = request.query;
      return { height: node.height, ...listProposals(get, node.height, { ...(status ? { status } : {}), limit, ...(before ? { before } : {}) }) };
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
      const p = proposal(get, request.params.id, node.height);
      if (!p) throw new PolityError('GOV_PROPOSAL_UNKNOWN', `no proposal ${request.params.id.slice(0, 16)}…`);
      return { height: node.height, proposal: p };
    },
  );
};
