/**
 * Data sharing between departments: a directory of datasets, records held
 * only by the organisations allowed to, consents signed by the subject,
 * releases checked against a consent or a published legal basis, and an
 * access log the subject reads and proves offline
 * (spec/services/sharing.md).
 */
import { defineService } from '../service.js';
import { sharingModule } from './module.js';
import { SHARING_ERRORS } from './errors.js';
import { sharingRoutes } from './routes.js';
import { sharingCommands } from './cli.js';
import { sharingAuthorisation } from './authorisation.js';

export const sharing = defineService({
  name: 'sharing',
  title: 'Data sharing',
  module: sharingModule,
  errors: SHARING_ERRORS,
  tags: [{ name: 'sharing', description: "Data sharing between departments: the directory of datasets, record commitments, consents, requests and releases, the subject's access log and its offline receipts (spec/services/sharing.md)." }],
  routes: sharingRoutes,
  commands: sharingCommands,
  page: { path: '/sharing', title: 'Who used my data', nav: 'My data' },
  morePages: [{ path: '/data-sharing', title: "An organisation's data sharing", nav: 'Data sharing', module: 'org-page' }],
  authorisation: sharingAuthorisation,
  spec: 'spec/services/sharing.md',
});
