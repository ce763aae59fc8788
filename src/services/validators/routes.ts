/**
 * GET /v1/validators/changes/{id}: a proposed change of the validator set
 * waiting for approvals (spec/services/validators.md). The sets in force and
 * their handovers are the core's GET /v1/validator-sets. A change past its
 * deadline is judged as org's reads judge an operation (readAtNow: the later
 * of the head block's time + 1 ms and this node's clock), since an idle
 * chain cuts no block to move time on; the chain refuses approvals by block
 * time only.
 */
import type { ServiceRoutes } from '../../api/route.js';
import { PolityError } from '../../ledger/errors.js';
import { errorResponses } from '../../schemas/common.js';
import { readAtNow } from '../org/routes.js';
import { pendingChange } from './queries.js';
import { ChangeParams, PendingChange } from './schemas.js';

export const validatorsRoutes: ServiceRoutes = (app, { node, get }) => {
  app.get(
    '/v1/validators/changes/:id',
    {
      schema: {
        operationId: 'getValidatorChange',
        tags: ['validators'],
        summary: 'A proposed change of the validator set that waits for approvals: the set, who approved it, how much power that is, and until when it is open.',
        params: ChangeParams,
        response: { 200: PendingChange, ...errorResponses(404) },
      },
    },
    async (request) => {
      const change = pendingChange(get, request.params.id, node.validatorSetAt(node.height + 1).validators, readAtNow(node));
      if (!change) throw new PolityError('VALIDATORS_CHANGE_UNKNOWN', 'no pending change of the validator set has this id (never proposed, already scheduled, or past its deadline)');
      return change;
    },
  );
};
