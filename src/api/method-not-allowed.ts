/**
 * 405 for a wrong method on a path that exists (RFC 9110 §15.5.6), with the
 * `Allow` header naming the methods it has. Fastify answers a request that
 * matches no route with its not-found handler whatever the reason, so the
 * routes are recorded as they are added (onRoute) and the not-found handler
 * asks this table whether the path is a route under another method.
 *
 * Patterns are Fastify's: `:name` (optionally `:name(regex)`) matches one
 * path segment, a trailing `*` the rest. Matching is by segment, so a path
 * that is no route at all stays a 404.
 */
import type { FastifyInstance } from 'fastify';

/** Routes recorded, at most: a build has a few hundred; a bug that adds routes in a loop stops here. */
const ROUTES_MAX = 10_000;

export interface RouteTable {
  /** The methods the path has as a route (HEAD with GET), sorted; empty when it is no route. */
  allowed(path: string): string[];
}

function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      const star = segment.endsWith('*');
      const text = (star ? segment.slice(0, -1) : segment).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return star ? `${text}.*` : text;
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Record every route added to `app` from now on. */
export function createRouteTable(app: FastifyInstance): RouteTable {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    if (routes.length >= ROUTES_MAX) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => String(m).toUpperCase());
    routes.push({ pattern: patternOf(route.url), methods });
  });
  return {
    allowed(path) {
      const found = new Set<string>();
      for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) found.add(m);
      if (found.has('GET')) found.add('HEAD');
      return [...found].sort();
    },
  };
}
