#!/usr/bin/env node
/**
 * Run before `npm test`: the browser tests drive Debian's Chromium
 * (/usr/bin/chromium, through playwright-core, which downloads no browser).
 *
 * When Chromium is missing and this user may install packages (root, or
 * sudo without a password) on a machine with apt-get, it installs Debian's
 * `chromium` package. Otherwise it stops at once with one line that says what
 * to run, rather than letting three browser suites fail one by one.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = process.env.POLITY_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const sudo = !root && has('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;

if (!has('apt-get') || (!root && !sudo)) {
  console.error(`npm test: the browser tests need Chromium at ${CHROMIUM}; install it (Debian/Ubuntu: sudo apt-get install chromium) and run npm test again.`);
  process.exit(1);
}

console.error("npm test: installing Debian's chromium package for the browser tests (apt-get) …");
const prefix = root ? [] : ['sudo', '-n'];
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', 'chromium']]) {
  const [command, ...rest] = [...prefix, ...args];
  const run = spawnSync(command, rest, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (run.status !== 0) {
    console.error(`npm test: "${args.join(' ')}" failed (exit ${run.status}); install Chromium yourself (sudo apt-get install chromium) and run npm test again.`);
    process.exit(1);
  }
}
if (!existsSync(CHROMIUM)) {
  console.error(`npm test: the chromium package is installed but ${CHROMIUM} is missing; set POLITY_CHROMIUM to the browser's path.`);
  process.exit(1);
}
