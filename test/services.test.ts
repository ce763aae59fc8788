/**
 * Every registered service has every part a service has (src/services/service.ts):
 * its files, its spec page, at least one route and one command, error codes
 * named after it, a web page of its own, and state keys that no other
 * service owns. A negative control plants each kind of hole and shows the
 * checker catching it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import type { TypedApp } from '../src/api/route.js';
import type { ServiceDefinition } from '../src/services/service.js';
import { SERVICES } from '../src/services/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The files every service folder holds. */
export const REQUIRED_FILES = ['index.ts', 'module.ts', 'errors.ts', 'queries.ts', 'schemas.ts', 'routes.ts', 'cli.ts', 'page.tsx', 'authorisation.ts', 'bench.ts'] as const;

interface Tree {
  exists(path: string): boolean;
  list(dir: string): string[];
}
const disk: Tree = { exists: (p) => existsSync(join(ROOT, p)), list: (d) => (existsSync(join(ROOT, d)) ? readdirSync(join(ROOT, d)) : []) };

/** The paths a service registers, by running its routes on a bare app. */
function routesOf(service: ServiceDefinition<any>): string[] {
  const app = Fastify({ logger: false });
  const urls: string[] = [];
  app.addHook('onRoute', (r) => {
    if (!(r.schema as { hide?: boolean } | undefined)?.hide) urls.push(`${String(r.method)} ${r.url}`);
  });
  const none = (): never => assert.fail('not called while registering');
  service.routes(app as unknown as TypedApp, { node: undefined as never, host: undefined, auth: undefined as never, statusOf: none, get: none });
  return urls;
}

/** What a service lacks or does wrong, as sentences. */
export function serviceProblems(service: ServiceDefinition<any>, others: readonly ServiceDefinition<any>[], tree: Tree = disk): string[] {
  const out: string[] = [];
  const dir = `src/services/${service.name}`;
  for (const file of REQUIRED_FILES) if (!tree.exists(`${dir}/${file}`)) out.push(`${service.name}: ${dir}/${file} is missing`);
  if (!tree.list(dir).some((f) => /\.test\.tsx?$/.test(f))) out.push(`${service.name}: no test file in ${dir}`);
  if (service.spec !== `spec/services/${service.name}.md` || !tree.exists(service.spec)) out.push(`${service.name}: its spec page spec/services/${service.name}.md is missing`);
  if (service.name !== service.module.name) out.push(`${service.name}: registers module ${service.module.name}`);
  if (Object.keys(service.commands).length === 0) out.push(`${service.name}: no CLI command`);
  if (service.tags.length === 0) out.push(`${service.name}: no OpenAPI tag`);
  if (routesOf(service).length === 0) out.push(`${service.name}: no route`);
  const prefix = `${service.name.toUpperCase()}_`;
  for (const code of Object.keys(service.errors)) if (!code.startsWith(prefix)) out.push(`${service.name}: error code ${code} does not start with ${prefix}`);
  if (!service.page.path.startsWith('/') || service.page.nav.length === 0) out.push(`${service.name}: its page needs a path and a navigation label`);
  if (service.module.state.owns.length === 0) out.push(`${service.name}: its module owns no state keys`);
  for (const other of others) {
    if (other === service || other.name === service.name) continue;
    if (other.page.path === service.page.path) out.push(`${service.name}: page ${service.page.path} is also ${other.name}'s`);
    for (const mine of service.module.state.owns) {
      for (const theirs of other.module.state.owns) {
        const overlap = mine === theirs || (mine.endsWith('/') && theirs.startsWith(mine)) || (theirs.endsWith('/') && mine.startsWith(theirs));
        if (overlap) out.push(`${service.name}: state key ${mine} overlaps ${other.name}'s ${theirs}`);
      }
    }
  }
  return out;
}

test('every registered service has every part, and no two services share keys, pages or codes', () => {
  assert.ok(SERVICES.length >= 6, `expected the services, got ${SERVICES.length}`);
  const problems = SERVICES.flatMap((s) => serviceProblems(s, SERVICES));
  assert.deepEqual(problems, []);
  const names = SERVICES.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, 'service names are unique');
});

test('negative control: a missing part, a stray code, a shared key and a shared page are each caught', () => {
  const notary = SERVICES.find((s) => s.name === 'notary')!;
  const noPage: Tree = { exists: (p) => !p.endsWith('notary/page.tsx') && disk.exists(p), list: disk.list };
  assert.deepEqual(serviceProblems(notary, SERVICES, noPage), ['notary: src/services/notary/page.tsx is missing']);
  const noTests: Tree = { exists: disk.exists, list: (d) => disk.list(d).filter((f) => !f.endsWith('.test.ts')) };
  assert.deepEqual(serviceProblems(notary, SERVICES, noTests), ['notary: no test file in src/services/notary']);
  const stray = { ...notary, errors: { ...notary.errors, DID_STOLEN: { status: 400, arises: '', meaning: '' } } };
  assert.deepEqual(serviceProblems(stray, SERVICES), ['notary: error code DID_STOLEN does not start with NOTARY_']);
  const grabby = { ...notary, module: { ...notary.module, state: { owns: ['notary/', 'did/key/'] } } };
  assert.deepEqual(serviceProblems(grabby, SERVICES), ["notary: state key did/key/ overlaps did's did/"]);
  const twin = { ...notary, name: 'twin', spec: 'spec/services/notary.md' };
  assert.ok(serviceProblems(twin, SERVICES).includes("twin: page /verify is also notary's"));
});
