/**
 * The runtime Polity supports: Node.js 24 LTS. The floor in package.json's
 * `engines` must be one the whole locked dependency tree accepts (otherwise
 * `npm install` on the floor version prints EBADENGINE warnings), and the
 * tests themselves must run on a supported Node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };

/** Locked packages whose `engines.node` does not admit `version`. */
export function enginesRefusing(version: string, packages: typeof lock.packages): string[] {
  const out: string[] = [];
  for (const [path, p] of Object.entries(packages)) {
    const range = !Array.isArray(p.engines) ? p.engines?.node : undefined;
    if (path !== '' && range && !semver.satisfies(version, range)) out.push(`${path.replace(/^.*node_modules\//, '')} needs ${range}`);
  }
  return out;
}

test('the engines floor is Node 24 and every locked package accepts it', () => {
  const floor = semver.minVersion(pkg.engines.node);
  assert.ok(floor, `engines.node ${pkg.engines.node} has no lowest version`);
  assert.equal(floor.major, 24, 'Polity targets Node.js 24 LTS');
  assert.deepEqual(enginesRefusing(floor.version, lock.packages), []);
});

test('negative control: a locked package that needs a newer Node is named', () => {
  const planted = { ...lock.packages, 'node_modules/needs-26': { engines: { node: '>=26' } } };
  assert.deepEqual(enginesRefusing('24.0.0', planted), ['needs-26 needs >=26']);
});

test('the tests run on the supported Node', () => {
  assert.ok(semver.satisfies(process.versions.node, pkg.engines.node), `running on Node ${process.versions.node}; package.json says ${pkg.engines.node}`);
});
