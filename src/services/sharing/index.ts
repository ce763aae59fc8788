/**
 * Data sharing between departments: a directory of datasets, salted
 * commitments of records held in the private stores of the organisations
 * allowed to hold them, the subject's consents, releases checked against a
 * consent or a published legal basis, transfers between nodes, an access
 * log the subject reads and proves offline, and erasure
 * (spec/services/sharing.md).
 */
import { Type } from '@sinclair/typebox';
import { defineService } from '../service.js';
import { sharingModule } from './module.js';
import { SHARING_ERRORS } from './errors.js';
import { SHARING_STORE_ERRORS } from './errors-store.js';
import { sharingRoutes } from './routes.js';
import { sharingStoreRoutes } from './routes-store.js';
import { createSharingHost } from './host.js';
import { sharingCommands } from './cli.js';
import { sharingAuthorisation } from './authorisation.js';

export const sharing = defineService({
  name: 'sharing',
  title: 'Data sharing',
  module: sharingModule,
  errors: { ...SHARING_ERRORS, ...SHARING_STORE_ERRORS },
  tags: [{ name: 'sharing', description: "Data sharing between departments: the directory of datasets, record commitments, consents, requests and releases, the private stores and transfers, the subject's access log and its offline receipts (spec/services/sharing.md)." }],
  routes: (app, ctx) => {
    sharingRoutes(app, ctx);
    sharingStoreRoutes(app, ctx as never);
  },
  host: createSharingHost,
  status: Type.Object({ sharingRecordsHeld: Type.Optional(Type.Integer({ description: "records in this node's private store" })) }),
  commands: sharingCommands,
  page: { path: '/sharing', title: 'Who used my data', nav: 'My data' },
  morePages: [{ path: '/data-sharing', title: "An organisation's data sharing", nav: 'Data sharing', module: 'org-page' }],
  authorisation: sharingAuthorisation,
  spec: 'spec/services/sharing.md',
});
