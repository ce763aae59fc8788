/**
 * Point a W3C suite's `github:` dependencies (vc-test-suite-implementations,
 * data-integrity-test-suite-assertion) at the tarballs prepare.sh packed
 * into ../tarballs, so `npm install` needs only the npm registry; drop the
 * lint and report devDependencies (keeping mocha, which runs the suite).
 *
 *   node patch-deps.cjs SUITE_DIR
 */
const fs = require('node:fs');
const path = require('node:path');
const dir = process.argv[2];
const file = path.join(dir, 'package.json');
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
const tarballs = fs.readdirSync(path.join(dir, '..', 'tarballs'));
for (const name of ['vc-test-suite-implementations', 'data-integrity-test-suite-assertion']) {
  if (!pkg.dependencies?.[name]) continue;
  const tgz = tarballs.find((f) => f.startsWith(`${name}-`) && f.endsWith('.tgz'));
  if (!tgz) throw new Error(`no ${name}-*.tgz in ../tarballs: run prepare.sh`);
  pkg.dependencies[name] = `file:../tarballs/${tgz}`;
}
const mocha = pkg.devDependencies?.mocha;
pkg.devDependencies = {};
if (mocha && !pkg.dependencies.mocha) pkg.dependencies.mocha = mocha;
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
