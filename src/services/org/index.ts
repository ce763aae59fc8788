/**
 * Member organisations: departments with admins (m of n), officials and
 * their roles, node keys, and the modules they may act in
 * (spec/services/org.md, spec/identity.md).
 */
import { defineService } from '../service.js';
import { orgModule } from './module.js';
import { ORG_ERRORS } from './errors.js';
import { orgRoutes } from './routes.js';
import { orgCommands } from './cli.js';
import { orgAuthorisation } from './authorisation.js';

export const org = defineService({
  name: 'org',
  title: 'Organisations',
  module: orgModule,
  errors: ORG_ERRORS,
  tags: [{ name: 'membership', description: 'Member organisations, their officials and roles, and who a key is (spec/identity.md).' }],
  routes: orgRoutes,
  commands: orgCommands,
  page: { path: '/console', title: 'Organisations', nav: 'Organisations' },
  authorisation: orgAuthorisation,
  spec: 'spec/services/org.md',
});
