/**
 * Consortium governance: organisations propose and vote on changes to the
 * consortium — members, the validator set, permissions, parameters — and a
 * change executes once the configured share approved it (spec/services/gov.md).
 */
import { defineService } from '../service.js';
import { govModule } from './module.js';
import { GOV_ERRORS } from './errors.js';
import { govRoutes } from './routes.js';
import { govCommands } from './cli.js';
import { govAuthorisation } from './authorisation.js';

export const gov = defineService({
  name: 'gov',
  title: 'Governance',
  module: govModule,
  errors: GOV_ERRORS,
  tags: [{ name: 'governance', description: 'Proposals of organisation admins, their votes and outcome (spec/identity.md §5).' }],
  routes: govRoutes,
  commands: govCommands,
  page: { path: '/governance', title: 'Governance', nav: 'Governance' },
  authorisation: govAuthorisation,
  spec: 'spec/services/gov.md',
});
