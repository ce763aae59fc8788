/**
 * What operators' tools ask a node (spec/operations.md): is the process
 * alive (`GET /healthz`), should traffic and alerts treat it as serving
 * (`GET /readyz`: quorum, caught up, not stalled, storage writable —
 * src/node/stall-watch.ts decides), and its Prometheus metrics
 * (`GET /metrics`, src/node/metrics.ts). Also the HTTP access log.
 *
 * /healthz and /readyz answer from memory and never touch the store, so a
 * probe every second costs nothing. /metrics can be turned off
 * (`polity start --metrics off`): the API listens on loopback unless told
 * otherwise, and an operator who exposes the API through a proxy either
 * keeps /metrics behind it or turns it off here (spec/operations.md §1).
 *
 * The access log names the route's pattern (`/v1/txs/:id`), never the URL
 * as sent, and no client address, query or header: a path may carry a DID
 * or a reference a client should not have put there.
 */
import { Type } from '@sinclair/typebox';
import type { LogLevel } from '../node/log.js';
import type { PolityNode } from '../node/node.js';
import * as S from '../schemas/api.js';
import { errorResponses } from '../schemas/common.js';
import type { TypedApp } from './route.js';

export interface HealthRouteOptions {
  /** Serve GET /metrics (default true). */
  metrics?: boolean;
  /** Log each answered request at this level, or 'off' (default). */
  accessLog?: LogLevel | 'off';
}

export const ACCESS_LOG_LEVELS: readonly (LogLevel | 'off')[] = ['off', 'debug', 'info', 'warn'];

export function registerHealthRoutes(app: TypedApp, node: PolityNode, options: HealthRouteOptions = {}): void {
  app.get(
    '/healthz',
    { schema: { operationId: 'getHealthz', tags: ['operations'], summary: 'Liveness: 200 while the process answers (restart it when this fails).', response: { 200: S.Alive, ...errorResponses() } } },
    async () => ({ status: 'alive' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadyz',
        tags: ['operations'],
        summary: 'Readiness: 200 when the node has quorum, is caught up, is not stalled and its storage is writable; 503 with the reasons otherwise.',
        description:
          'Quorum (BFT): the validators this node hears from, itself included, hold more than two thirds of the voting power. Stalled: no new block for longer than expected (BFT makes a block at every height; solo only while transactions wait). Reason codes: NO_QUORUM, STALLED, CATCHING_UP, STORAGE_DAMAGED, STORAGE_NOT_WRITABLE, STOPPED.',
        response: { 200: S.Ready, 503: S.NotReady, ...errorResponses() },
      },
    },
    async (_request, reply) => {
      const h = node.health();
      const status = node.status();
      const lastBlockAgeMs = status.health.lastBlockAgeMs;
      if (h.ready) {
        return { status: 'ready' as const, height: status.height, lastBlockAgeMs, quorum: { heardPower: h.quorum.heardPower, totalPower: h.quorum.totalPower, heardFrom: h.quorum.heardFrom } };
      }
      return reply.status(503).send({
        code: 'NODE_NOT_READY' as const,
        message: h.reasons.map((r) => r.message).join('; '),
        reasons: h.reasons,
        height: status.height,
        lastBlockAgeMs,
        quorum: { heardPower: h.quorum.heardPower, totalPower: h.quorum.totalPower, heardFrom: h.quorum.heardFrom, missing: h.quorum.missing },
      });
    },
  );

  if (options.metrics !== false) {
    app.get(
      '/metrics',
      {
        schema: {
          operationId: 'getMetrics',
          tags: ['operations'],
          summary: 'Prometheus metrics in the text exposition format 0.0.4 (names in spec/operations.md).',
          produces: ['text/plain'],
          response: { 200: Type.String({ description: 'Prometheus text format' }), ...errorResponses() },
        },
      },
      async (_request, reply) => {
        node.health(); // the readiness gauges as of now
        const text = await node.metrics.text();
        return reply.type(node.metrics.contentType).send(text);
      },
    );
  }

  const level = options.accessLog ?? 'off';
  if (level !== 'off') {
    app.addHook('onResponse', async (request, reply) => {
      node.log[level]('http.access', {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      });
    });
  }
}
