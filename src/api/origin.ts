/**
 * The node's own public origin: the `scheme://authority` a signed request's
 * `@target-uri` must name (spec/api-auth.md §3).
 *
 * Why the node must know it rather than read it from the request: the Host
 * header is chosen by whoever sends the request. A verifier that rebuilt
 * `@target-uri` from it accepted, at node 2, a request signed for node 1 and
 * relayed with node 1's Host header: six of six such replays succeeded in
 * outside testing. With the origin configured, a signature binds a request
 * to one node.
 *
 * Where it comes from, first match wins: `createApi({publicOrigin})`, which
 * `polity start --public-url` and network.json's `api.publicUrl` set (a node
 * behind a proxy or load balancer, or reached by a DNS name); otherwise the
 * address the API listens on, `http://<host>:<port>`, where a loopback
 * address also answers to `localhost` (only this machine reaches it, so the
 * two spellings name the same node). A node listening on every address
 * (0.0.0.0, ::) with no public URL has no origin: it refuses signed
 * requests, saying so, until one is configured.
 */
import type { AddressInfo } from 'node:net';

/** The origin as the signature base writes it: lowercase, no default port (RFC 9421 §2.2.3). */
export function normaliseOrigin(scheme: string, authority: string): string {
  const s = scheme.toLowerCase();
  let a = authority.toLowerCase();
  if ((s === 'http' && a.endsWith(':80')) || (s === 'https' && a.endsWith(':443'))) a = a.slice(0, a.lastIndexOf(':'));
  return `${s}://${a}`;
}

/** A configured public URL as an origin, or a TypeError saying what is wrong with it. */
export function parsePublicOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`public URL: expected scheme://host[:port], like https://node.example.gov, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('public URL: the scheme must be http or https');
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new TypeError('public URL: only scheme://host[:port], with no path, query, fragment or credentials');
  }
  return normaliseOrigin(url.protocol.slice(0, -1), url.host);
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** The origins of an API listening at `address` (what server.address() answers); none for a wildcard or before it listens. */
export function originsOfListenAddress(address: AddressInfo | string | null): string[] {
  if (address === null || typeof address === 'string' || WILDCARDS.has(address.address)) return [];
  const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  const own = normaliseOrigin('http', `${host}:${address.port}`);
  const loopback = address.address === '::1' || address.address.startsWith('127.');
  return loopback ? [own, normaliseOrigin('http', `localhost:${address.port}`)] : [own];
}
