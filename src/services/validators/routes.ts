/**
 * GET /v1/validators/changes/{id}: a proposed change of the validator set
 * waiting for approvals (spec/services/validators.md). The sets in force and
 * their handovers are the core's GET /v1/validator-sets.
 */
import type { ServiceRoutes } from '../../api/route.js';
import { PolityError } from '../../ledger/errors.js';
import { errorResponses } from '../../schemas/common.js';
import { pendingChange } from './queries.js';
import { ChangeParams, PendingChange } from './schemas.js';

export const validatorsRoutes: ServiceRoutes = (app, { node, get }) => {
  app.get(
    '/v1/validators/changes/:id',
    {
      schema: {
        operationId: 'getValidatorChange',
        tags: ['validators'],
        summary: 'A proposed change of the validator set that waits for approvals: the set, who approved it, and how much power that is.',
        params: ChangeParams,
        response: { 200: PendingChange, ...errorResponses(404) },
      },
    },
    async (request) => {
      const change = pendingChange(get, request.params.id, node.validatorSetAt(node.height + 1).validators);
      if (!change) throw new PolityError('VALIDATORS_CHANGE_UNKNOWN', 'no pending change of the validator set has this id (never proposed, or already scheduled)');
      return change;
    },
  );
};
