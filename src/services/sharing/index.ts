/**
 * Data sharing between departments: a directory of datasets, salted
 * commitments of records held in the private stores of the organisations
 * allowed to hold them, the subject's consents, releases, transfers between
 * nodes, an access log the subject can read, and erasure
 * (spec/services/sharing.md).
 */
import { Type } from '@sinclair/typebox';
import { defineService } from '../service.js';
import { sharingModule } from './module.js';
import { SHARING_ERRORS } from './errors.js';
import { SHARING_STORE_ERRORS } from './errors-store.js';
import { sharingStoreRoutes } from './routes-store.js';
import { createSharingHost } from './host.js';

export const sharing = defineService({
  name: 'sharing',
  title: 'Data sharing',
  module: sharingModule,
  errors: { ...SHARING_ERRORS, ...SHARING_STORE_ERRORS },
  tags: [{ name: 'sharing', description: 'Data sharing: directory, consents, requests, private stores, transfers and the access log (spec/services/sharing.md).' }],
  routes: (app, ctx) => {
    sharingStoreRoutes(app, ctx as never);
  },
  host: createSharingHost,
  status: Type.Object({ sharingRecordsHeld: Type.Optional(Type.Integer({ description: "records in this node's private store" })) }),
  commands: {},
  page: { path: '/sharing', title: 'Who used my data', nav: 'Sharing' },
  authorisation: { rows: {} },
  spec: 'spec/services/sharing.md',
});
