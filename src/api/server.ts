/**
 * The HTTP API and web pages of a node.
 *
 * The HTTP layer is the first contact with untrusted data. Every route
 * declares TypeBox schemas for its request and for each answer: Fastify
 * validates requests with them (validator.ts), serialises answers with them
 * (so nothing a schema does not name leaves the node), types the handlers
 * with them (route.ts), and the OpenAPI document (/openapi.json, openapi.ts;
 * a reference page at /docs) is generated from the same objects. Every
 * rejected input is answered with a 4xx and `{code, message}` (codes in
 * spec/errors.md, statuses in the error tables); only a bug answers 500.
 *
 * The core routes are here and in core-routes.ts and auth-routes.ts; each
 * service in `options.services` adds its own (src/services/<name>/routes.ts),
 * its error codes, its status fields and its web page. The API names no
 * service itself.
 *
 * Tests call the app in-process (`app.inject`) without opening a socket.
 */
import type { KeyPair } from '../crypto/ed25519.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type, type TObject } from '@sinclair/typebox';
import { PolityError, assert } from '../ledger/errors.js';
import { createModuleRegistry } from '../runtime/registry.js';
import type { PolityNode } from '../node/node.js';
import * as S from '../schemas/api.js';
import { answerClientError } from './client-errors.js';
import { createErrorIndex, type ErrorIndex } from './error-table.js';
import { registerStatic, webPagesOf } from './static.js';
import { createKeyIdResolver, registerRawBody, type AuthenticateDeps } from './authenticate.js';
import { createReplayGuard } from './http-signatures.js';
import { originsOfListenAddress, parsePublicOrigin } from './origin.js';
import { createSessionStore } from './sessions.js';
import { registerAuthRoutes, sessionStandingOf } from './auth-routes.js';
import { registerCoreRoutes } from './core-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import type { LogLevel } from '../node/log.js';
import { registerLimits, type ApiLimits } from './limits.js';
import { createRouteTable } from './method-not-allowed.js';
import { CORE_TAGS, openApiOptions } from './openapi.js';
import type { ApiService, TypedApp } from './route.js';
import { RequestValidationError, typeboxValidatorCompiler } from './validator.js';
import type { ModuleDefinition } from '../runtime/module.js';

export interface ApiOptions {
  /** The services this node serves: their routes, error codes, status fields and pages. */
  services: readonly (ApiService & { module: ModuleDefinition })[];
  /** Largest request body accepted, bytes. */
  bodyLimitBytes?: number;
  /**
   * scheme://authority clients use to reach this node (`polity start
   * --public-url`): signed requests must be signed for it (spec/api-auth.md
   * §3). Default: the address the API listens on (origin.ts).
   */
  publicOrigin?: string;
  /** Serve the web pages (explorer, the services' pages) and the API reference at /docs. */
  web?: boolean;
  /**
   * Sessions held at most (default 100,000): a quarter shared by keys that
   * are no organisation's, the rest for admins' and officials' keys
   * (sessions.ts, spec/api-auth.md §5).
   */
  sessionsMax?: number;
  /** Per-client rate limits and the gates for heavy work (limits.ts; defaults in DEFAULT_LIMITS, spec/api.md). */
  limits?: Partial<ApiLimits>;
  /** Serve GET /metrics (default true; `polity start --metrics off`). */
  metrics?: boolean;
  /** Log each answered request at this level (default 'off'; `polity start --access-log`). */
  accessLog?: LogLevel | 'off';
  /** Each service's `polity start` options that were given (ApiService.startOptions), by service name. */
  serviceOptions?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Keys the caller opened for start options marked `keyFile` (sealed or allowed plaintext, as `polity start` opens its node key), by service name, then option name. */
  serviceKeys?: Readonly<Record<string, Readonly<Record<string, KeyPair>>>>;
}

/** Default largest request body: 8 MiB (a batch of 100,000 hashes is ~6.7 MB). */
const BODY_LIMIT_BYTES = 8 * 1024 * 1024;
/** Sessions: lifetime, lifetime of an unused challenge, and most held at once. */
const SESSION_TTL_MS = 15 * 60_000;
const CHALLENGE_TTL_MS = 60_000;
const SESSIONS_MAX = 100_000;
/** Signatures remembered against replay, seconds (spec/api-auth.md §4). */
const REPLAY_WINDOW_SECONDS = 360;
/** Error messages of the framework are cut to this many characters. */
const FRAMEWORK_MESSAGE_MAX = 300;

const json = { 'content-type': 'application/json; charset=utf-8' };

export async function createApi(node: PolityNode, options: ApiOptions): Promise<FastifyInstance> {
  const { services } = options;
  const errors = createErrorIndex(services.map((s) => ({ owner: s.name, table: s.errors })));
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // A path segment as sent, percent-encoded: a document reference of 128 characters
    // (GET /v1/notary/references/{reference}) is up to 1,536 once encoded (4-byte UTF-8, %XX each).
    routerOptions: { maxParamLength: 1536 },
    // Requests Node's parser refuses before routing (headers over 16 KB, malformed HTTP): {code, message} too.
    clientErrorHandler: answerClientError,
    // Errors of the router itself (a malformed URL, a path segment over the length limit) answer in
    // Polity's {code, message} shape and never echo the path: it may carry what a client should not
    // have put there.
    frameworkErrors: (error, _request, routerReply) => {
      const reply = routerReply as unknown as FastifyReply;
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return reply.status(414).headers(json).send({ code: 'URI_TOO_LONG', message: 'a part of the path is longer than this API accepts' });
      return reply.status(400).headers(json).send({ code: 'BAD_REQUEST', message: 'the request URL is malformed' });
    },
  }).withTypeProvider<import('@fastify/type-provider-typebox').TypeBoxTypeProvider>();

  app.setValidatorCompiler(typeboxValidatorCompiler);
  // JSON only: any other content type is answered 415. The raw bytes are kept for Content-Digest.
  app.removeContentTypeParser('text/plain');
  registerRawBody(app);
  checkRouteContracts(app);

  const publicOrigin = options.publicOrigin === undefined ? undefined : parsePublicOrigin(options.publicOrigin);
  const stateGet = (key: string) => node.getState(key);
  const didResolvers = services.filter((s) => s.resolveDidKey);
  const auth: AuthenticateDeps = {
    resolveKey: createKeyIdResolver(async (did) => {
      for (const s of didResolvers) {
        const key = s.resolveDidKey!(stateGet, did);
        if (key) return key;
      }
      return undefined;
    }),
    // Split by what the chain knows of the subject, so keys without standing cannot fill the table for everyone.
    sessions: createSessionStore({ ttlMs: SESSION_TTL_MS, challengeTtlMs: CHALLENGE_TTL_MS, max: options.sessionsMax ?? SESSIONS_MAX }, { standingOf: sessionStandingOf(stateGet) }),
    // The floor starts at this start: a signature made before it may have been accepted by this
    // node before a restart, which the in-memory guard cannot know (http-signatures.ts).
    replay: createReplayGuard(REPLAY_WINDOW_SECONDS, { notBeforeSeconds: Math.floor(Date.now() / 1000) }),
    now: () => Date.now(),
    origins: () => (publicOrigin ? [publicOrigin] : originsOfListenAddress(app.server.address())),
  };

  // Before any route: the limits attach to routes as they are added, and the route table records them.
  const routeTable = createRouteTable(app);
  await registerLimits(app, options.limits);
  await app.register(swagger, openApiOptions([...CORE_TAGS, ...services.flatMap((s) => s.tags)], '1'));
  app.setErrorHandler((error: FastifyError, request, reply) => answerError(error, reply, errors, node, request.routeOptions.url));
  // The message names no part of the URL: a path may carry data a client should not have put there.
  // A path that is a route under other methods is a 405 with Allow (method-not-allowed.ts).
  app.setNotFoundHandler((request, reply) => {
    const allow = routeTable.allowed(request.url.split('?')[0]!);
    if (allow.length > 0 && !allow.includes(request.method)) {
      return reply.status(405).header('allow', allow.join(', ')).send({ code: 'METHOD_NOT_ALLOWED', message: `this path answers ${allow.join(', ')}; see /openapi.json` });
    }
    return reply.status(404).send({ code: 'NOT_FOUND', message: 'no such route; see /openapi.json' });
  });

  const registry = createModuleRegistry(services.map((s) => s.module));
  const statusSchema: TObject = Type.Composite([S.NodeStatus, ...services.flatMap((s) => (s.status ? [s.status] : []))], { title: 'Status' });
  registerCoreRoutes(app, { node, registry, statusSchema });
  registerHealthRoutes(app, node, { ...(options.metrics === undefined ? {} : { metrics: options.metrics }), ...(options.accessLog ? { accessLog: options.accessLog } : {}) });
  registerAuthRoutes(app, node, auth);
  for (const service of services) {
    service.routes(app, { node, host: node.host(service.name), auth, statusOf: errors.statusOf, get: stateGet, options: options.serviceOptions?.[service.name] ?? {}, keys: options.serviceKeys?.[service.name] ?? {} });
  }

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (options.web !== false) {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // The reference page's own policy, tightened like the web app's: nothing from other origins, no framing.
      staticCSP: true,
      transformStaticCSP: (header) => docsPolicy(header),
      uiConfig: { deepLinking: true, docExpansion: 'list', validatorUrl: null },
      logo: { type: 'image/svg+xml', content: readFileSync(fileURLToPath(new URL('../../../web/favicon.svg', import.meta.url))), href: '/' },
    });
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/docs' || request.url.startsWith('/docs/')) reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
    });
    await registerStatic(app, { pages: webPagesOf(services), chainInfo: () => ({ chainId: node.chainId, height: node.height }) });
  }
  return app;
}

/**
 * The API reference's Content-Security-Policy: Swagger UI's own, with
 * framing refused and nothing loaded from another origin (no fonts or styles
 * from https:, no validator badge, no upgrade of this node's plain-HTTP
 * loopback address). Scripts stay 'self' only; styles also allow inline
 * ones, because Swagger UI injects a <style> element as it renders (the
 * page's only such need; the web app's pages allow no inline style).
 */
export function docsPolicy(header: string): string {
  return header
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d.length > 0 && d !== 'upgrade-insecure-requests')
    .map((d) => {
      if (d.startsWith('frame-ancestors')) return "frame-ancestors 'none'";
      if (d.startsWith('style-src')) return "style-src 'self' 'unsafe-inline'";
      return d.replace(/ https:| validator\.swagger\.io| undefined/g, '');
    })
    .join('; ');
}

/** Every route declares its operation id, tags, summary and a success answer; a route without them does not start. */
function checkRouteContracts(app: TypedApp): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { hide?: boolean; operationId?: string; tags?: string[]; summary?: string; response?: Record<string, unknown> } | undefined;
    if (!schema || schema.hide || route.url.startsWith('/docs')) return;
    const where = `${String(route.method)} ${route.url}`;
    assert(typeof schema.operationId === 'string', `route ${where} has no operationId`);
    assert(schema.tags && schema.tags.length > 0 && typeof schema.summary === 'string', `route ${where} has no tags or summary`);
    assert(Object.keys(schema.response ?? {}).some((status) => /^2\d\d$/.test(status)), `route ${where} declares no success answer`);
  });
}

function answerError(error: FastifyError, reply: FastifyReply, errors: ErrorIndex, node: PolityNode, route: string | undefined): FastifyReply {
  if (error instanceof PolityError) {
    const status = errors.statusOf(error.code);
    if (!errors.has(error.code)) node.log.error('api.undeclaredCode', { route: route ?? 'unknown', code: error.code.slice(0, 64) });
    // RFC 9110 §11.6.1 / RFC 9421 §5.1: say how to authenticate.
    if (status === 401 && error.code.startsWith('AUTH_')) {
      reply.header('www-authenticate', 'Bearer').header('accept-signature', 'sig1=("@method" "@target-uri");alg="ed25519";tag="polity"');
    }
    return reply.status(status).headers(json).send(error.toJSON());
  }
  if (error instanceof RequestValidationError || error.validation) {
    return reply.status(400).headers(json).send({ code: 'SCHEMA_INVALID', message: error.message.slice(0, FRAMEWORK_MESSAGE_MAX) });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply.status(413).headers(json).send({ code: 'BODY_TOO_LARGE', message: `request body is larger than ${reply.server.initialConfig.bodyLimit} bytes` });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply.status(415).headers(json).send({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply.status(400).headers(json).send({ code: 'MALFORMED_JSON', message: 'the request body is empty; expected JSON' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return reply.status(400).headers(json).send({ code: 'BAD_REQUEST', message: 'content-length does not match the body' });
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return reply.status(400).headers(json).send({ code: 'MALFORMED_JSON', message: 'the request body is not valid JSON' });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return reply.status(status).headers(json).send({ code: 'BAD_REQUEST', message: error.message.slice(0, 200) });
  }
  node.log.error('api.internal', { route: route ?? 'unknown', error: error.message.slice(0, 200) });
  return reply.status(500).headers(json).send({ code: 'INTERNAL', message: 'internal error' });
}
