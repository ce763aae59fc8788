/**
 * What a public service is: one folder, src/services/<name>/, holding every
 * part that is the service's own, assembled in its index.ts into one
 * ServiceDefinition, and one line in src/services/index.ts.
 *
 *   module.ts         typed state keys, argument schemas, actions with access rules (pure)
 *   errors.ts         its error codes: HTTP status, where they arise, meaning, typed details
 *   queries.ts        pure reads of state: what routes, CLI and pages show
 *   schemas.ts        its routes' request and answer schemas (pure; the SDK, CLI and pages take types from them)
 *   routes.ts         its routes, typed from the schemas
 *   client.ts         optional: typed calls of its routes, for the CLI and scripts
 *   cli.ts            its `polity …` commands
 *   page.tsx          its web page, in the shared shell
 *   host.ts           optional: off-chain work on the node (a private store, aggregation, a tally)
 *   authorisation.ts  its rows of the authorisation matrix
 *   *.test.ts         its tests
 *   bench.ts          its part of `npm run bench`
 *   spec/services/<name>.md, its page of the specification
 *
 * Everything that serves services — the node, the API and its OpenAPI
 * document, the error table and spec/errors.md, the CLI and its help, the web
 * navigation, the authorisation matrix, the benchmark — is assembled from the
 * list; test/services.test.ts fails when a registered service lacks a part.
 */
import type { ModuleDefinition } from '../runtime/module.js';
import type { ApiService, ServiceRoutes } from '../api/route.js';
import type { Command } from '../cli/command.js';
import type { Authorisation } from './authorisation.js';
import type { ServiceHostFactory } from '../node/service-host.js';

export interface ServiceDefinition<H = unknown> extends ApiService {
  /** The module's name: the service's name everywhere (routes' tag, folder, CLI group). */
  name: string;
  /** The service's name for people. */
  title: string;
  module: ModuleDefinition;
  routes: ServiceRoutes<H>;
  commands: Readonly<Record<string, Command>>;
  authorisation: Authorisation;
  /** Its off-chain part on the node, when it has one (src/node/service-host.ts). */
  host?: ServiceHostFactory;
  /** Its page of the specification, relative to the repository. */
  spec: string;
}

/** A service's definition, checked against the shape every service has. */
export function defineService<H>(service: ServiceDefinition<H>): ServiceDefinition<H> {
  if (service.name !== service.module.name) throw new Error(`invariant broken: service ${service.name} registers module ${service.module.name}`);
  return service;
}
