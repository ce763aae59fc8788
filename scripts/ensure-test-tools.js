#!/usr/bin/env node
/**
 * Run before `npm test`: the tools some tests drive, from Debian.
 *
 * - Chromium (/usr/bin/chromium, through playwright-core, which downloads no
 *   browser) for the browser tests: required. When it is missing and this
 *   user may install packages (root, or sudo without a password) on a
 *   machine with apt-get, it installs Debian's `chromium` package; otherwise
 *   it stops at once with one line that says what to run, rather than
 *   letting three browser suites fail one by one.
 * - promtool (Debian's `prometheus` package) for the tests of the shipped
 *   alert rules (`promtool check rules`, `promtool test rules`): installed
 *   the same way when missing. Where it cannot be, those tests say they are
 *   skipped and why, and this script says so too.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = process.env.POLITY_CHROMIUM ?? '/usr/bin/chromium';
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const missing = [...(existsSync(CHROMIUM) ? [] : ['chromium']), ...(has('promtool') ? [] : ['prometheus'])];
if (missing.length === 0) process.exit(0);

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = !root && has('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
const canInstall = has('apt-get') && (root || sudo);

/** What to say when a package is not there: Chromium stops the run, promtool does not. */
const without = (pkg, why) => {
  if (pkg === 'chromium') {
    console.error(`npm test: the browser tests need Chromium at ${CHROMIUM}; ${why} (Debian/Ubuntu: sudo apt-get install chromium) and run npm test again.`);
    process.exit(1);
  }
  console.error(`npm test: promtool is missing, so the alert-rule tests are skipped; ${why} (Debian/Ubuntu: sudo apt-get install prometheus) to run them.`);
};

if (!canInstall) {
  for (const pkg of [...missing].reverse()) without(pkg, 'install it');
  process.exit(0);
}

console.error(`npm test: installing Debian's ${missing.join(' and ')} package${missing.length > 1 ? 's' : ''} for the tests (apt-get) …`);
const prefix = root ? [] : ['sudo', '-n'];
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const apt = (args) => {
  const [command, ...rest] = [...prefix, ...args];
  return spawnSync(command, rest, { stdio: ['ignore', 'ignore', 'inherit'], env }).status;
};
if (apt(['apt-get', 'update', '-qq']) !== 0) {
  for (const pkg of [...missing].reverse()) without(pkg, '"apt-get update" failed; install it yourself');
  process.exit(0);
}
// One package at a time: a failure of the optional one must not keep the browser from being installed.
for (const pkg of missing) {
  // The prometheus package recommends an exporter and more: only promtool is wanted.
  const status = apt(['apt-get', 'install', '-y', '-qq', ...(pkg === 'prometheus' ? ['--no-install-recommends'] : []), pkg]);
  if (status !== 0) without(pkg, `"apt-get install ${pkg}" failed (exit ${status}); install it yourself`);
}
if (!existsSync(CHROMIUM)) {
  console.error(`npm test: the chromium package is installed but ${CHROMIUM} is missing; set POLITY_CHROMIUM to the browser's path.`);
  process.exit(1);
}
if (missing.includes('prometheus') && !has('promtool')) without('prometheus', 'the prometheus package gave no promtool; install it yourself');
