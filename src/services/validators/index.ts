/**
 * The validator set, changed by the chain itself: a validator proposes a new
 * set, validators holding more than two thirds of the power approve it, and
 * it signs from two blocks later (spec/services/validators.md).
 */
import { defineService } from '../service.js';
import { validatorsModule } from './module.js';
import { VALIDATORS_ERRORS } from './errors.js';
import { validatorsRoutes } from './routes.js';
import { validatorsCommands } from './cli.js';
import { validatorsAuthorisation } from './authorisation.js';

export const validators = defineService({
  name: 'validators',
  title: 'Validator set',
  module: validatorsModule,
  errors: VALIDATORS_ERRORS,
  tags: [{ name: 'validators', description: 'Proposed changes of the validator set and their approvals (spec/services/validators.md).' }],
  routes: validatorsRoutes,
  commands: validatorsCommands,
  page: { path: '/validators', title: 'Validator set', nav: 'Validators' },
  authorisation: validatorsAuthorisation,
  spec: 'spec/services/validators.md',
});
