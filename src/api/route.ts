/**
 * What a service's routes are written against (src/services/<name>/routes.ts).
 *
 * A service's routes are a function that registers them on the app, as a
 * Fastify plugin does, with the TypeBox type provider: each handler's params,
 * query and body are typed from the route's own schemas, and what it returns
 * is checked against the route's response schemas — nothing is cast. The
 * function also gets the service's context: the node, the service's host part
 * (its off-chain work, when it has one), authentication, and the error table.
 *
 * Every route declares, in its schema: an `operationId`, `tags`, a `summary`,
 * and a response schema for its success status; `security` when it needs a
 * signed request or a session. createApi checks this when the route is
 * registered (a route without them does not start), and Fastify serialises
 * every answer with the declared schema, so members the schema does not name
 * never leave the node.
 */
import type { KeyPair } from '../crypto/ed25519.js';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TObject } from '@sinclair/typebox';
import type { Json } from '../crypto/canonical-json.js';
import type { ErrorTable } from '../ledger/errors.js';
import type { PolityNode } from '../node/node.js';
import type { AuthenticateDeps } from './authenticate.js';

/** The Fastify instance routes are registered on, typed by TypeBox schemas. */
export type TypedApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface RouteContext<H = unknown> {
  node: PolityNode;
  /** The service's host part, or undefined when it has none (or runs none on this node). */
  host: H;
  auth: AuthenticateDeps;
  /** The HTTP status of an error code (every declared code has one). */
  statusOf(code: string): number;
  /** A committed state value (the genesis state before block 1). */
  get(key: string): Json | undefined;
  /** The service's own `polity start` options that were given (ApiService.startOptions), by name: file paths and the like, read when the routes are registered. */
  options?: Readonly<Record<string, string>>;
  /** The keys of its `keyFile` start options, opened by `polity start` (passphrase, plaintext policy) before the routes are registered. */
  keys?: Readonly<Record<string, KeyPair>>;
}

/** An option a service adds to `polity start` (a string: a file path, a URL), with its line of help. */
export interface StartOption {
  /** What the value is, in the usage line: FILE, URL. */
  arg: string;
  summary: string;
  /** A key file: `polity start` opens it as it opens the node key (sealed, or plaintext where allowed) and hands the key to the routes (RouteContext.keys). */
  keyFile?: boolean;
}

export type ServiceRoutes<H = unknown> = (app: TypedApp, ctx: RouteContext<H>) => void;

/** An OpenAPI tag: a group of operations with its description. */
export interface ApiTag {
  name: string;
  description: string;
}

/** A service as the API sees it (a ServiceDefinition of src/services is one). */
export interface ApiService {
  name: string;
  title: string;
  errors: ErrorTable;
  tags: readonly ApiTag[];
  routes: ServiceRoutes<any>;
  /** Fields the service's host adds to GET /v1/status. */
  status?: TObject;
  /** Options the service adds to `polity start` (names unique across services); their values reach its routes as `RouteContext.options`. */
  startOptions?: Readonly<Record<string, StartOption>>;
  /**
   * The public key currently valid for a DID of a method this service
   * resolves (signed requests and sessions accept such keyids), or undefined.
   */
  resolveDidKey?(get: (key: string) => Json | undefined, did: string): string | undefined;
  /** The service's web page, in the shared shell. */
  page: { path: string; title: string; nav: string };
  /**
   * More pages of the service, each its own module in the service folder
   * (`<module>.tsx`, a web-layer file): e.g. the credentials service's
   * holder wallet beside its "Check a credential" page.
   */
  morePages?: readonly { path: string; title: string; nav: string; module: string }[];
}

/** Security requirements of a route that needs a principal: a signed request (RFC 9421) or a session. */
export const SIGNED_OR_SESSION = [{ httpSignature: [] }, { session: [] }] as const;
