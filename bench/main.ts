/**
 * `npm run bench` — Polity's throughput on this machine, printed beside the
 * machine's own ceilings measured in the same run, so the ratios mean the
 * same thing on any machine:
 *
 *   ceilings   Ed25519 verifications/s (one core, all cores), SHA-256
 *              hashes/s, and the HTTP framework answering a trivial route
 *   services   each registered service's part (src/services/<name>/bench.ts),
 *              in the order of the service list: the notary's signed
 *              transactions and aggregated anchoring with receipts, DIDs
 *              created and resolved, organisations' and governance's
 *              transactions and reads, evidence and validator-set checks
 *
 * `npm run bench -- --json` prints the same figures as one JSON object.
 * `--quick` runs smaller samples (a smoke test); `--only NAME` runs one
 * service's parts, or one part (`signed`, `aggregate`, …); the ceilings
 * always run.
 *
 * Each part runs in a process of its own (this file again, with `--part
 * SERVICE/NAME` and the ceilings measured here), as a node runs in its own:
 * what one part leaves in the process must not weigh on the next. Measured
 * in one process, aggregated anchoring ran at 442,000-513,000 hashes/s after
 * the signed and latency parts against 695,000-766,000 alone: the heap the
 * earlier parts had grown made V8 mark the whole old space every 0.3 s, at
 * 100-150 ms a time.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ed25519AllCores, ed25519OneCore, sha256PerSecond } from './ceilings.js';
import { fmt, httpTrivialPerSecond, type BenchPart, type Ceilings } from './part.js';
import { SERVICES } from '../src/services/index.js';

const args = process.argv.slice(2);
const JSON_OUT = args.includes('--json');
const QUICK = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const ONLY = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
/** Set in a part's own process: `SERVICE/NAME`, and the ceilings the parent measured. */
const partAt = args.indexOf('--part');
const PART = partAt >= 0 ? args[partAt + 1] : undefined;
const ceilingsAt = args.indexOf('--ceilings');
/** A part's process ends its output with this line and its figures as JSON. */
const FIGURES = 'bench-figures ';
const say = (line: string): void => {
  if (!JSON_OUT) process.stdout.write(line + '\n');
};

/** Each service's parts, found by the convention src/services/<name>/bench.ts (test/services.test.ts requires the file). */
async function partsOf(service: string): Promise<BenchPart[]> {
  const loaded = (await import(new URL(`../src/services/${service}/bench.js`, import.meta.url).href)) as { benches?: unknown };
  if (!Array.isArray(loaded.benches)) throw new Error(`src/services/${service}/bench.ts exports no benches`);
  return loaded.benches as BenchPart[];
}

/** In a part's own process: run the one part, print its lines, then its figures. */
async function runPart(name: string): Promise<void> {
  const [service, partName] = name.split('/');
  const part = (await partsOf(service!)).find((p) => p.name === partName);
  if (!part || ceilingsAt < 0) throw new Error(`bench: --part ${name}: no such part, or no --ceilings`);
  const ceilings = JSON.parse(args[ceilingsAt + 1]!) as Ceilings;
  const figures = await part.run({ quick: QUICK, ceilings, say: (line) => process.stdout.write(line + '\n') });
  process.stdout.write(FIGURES + JSON.stringify(figures) + '\n');
}

/** Run a part in a process of its own; its lines are said as they come, its figures answered. */
function partProcess(service: string, part: BenchPart, ceilings: Ceilings): Promise<Record<string, number>> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--part', `${service}/${part.name}`, '--ceilings', JSON.stringify(ceilings), ...(QUICK ? ['--quick'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let figures: Record<string, number> | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith(FIGURES)) figures = JSON.parse(line.slice(FIGURES.length)) as Record<string, number>;
    else say(line);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && figures ? resolve(figures) : reject(new Error(`bench: the part ${service}/${part.name} ended with exit code ${code}`))));
  });
}

async function main(): Promise<void> {
  if (PART !== undefined) return runPart(PART);
  const cores = availableParallelism();
  const all = await Promise.all(SERVICES.map(async (s) => ({ service: s.name, parts: await partsOf(s.name) })));
  const chosen = all
    .map(({ service, parts }) => ({ service, parts: parts.filter((p) => ONLY === undefined || ONLY === service || ONLY === p.name) }))
    .filter((s) => s.parts.length > 0);
  if (ONLY !== undefined && chosen.length === 0) {
    process.stderr.write(`bench: --only ${ONLY}: no service or part of that name (${all.flatMap((s) => [s.service, ...s.parts.map((p) => p.name)]).join(', ')})\n`);
    process.exitCode = 2;
    return;
  }

  say(`Polity benchmark — ${cores} cores, Node ${process.version}${QUICK ? ' (quick sample)' : ''}`);
  say('');
  const ceilings: Ceilings = {
    ed25519VerifyOneCorePerSecond: ed25519OneCore(QUICK ? 5_000 : 30_000),
    ed25519VerifyAllCoresPerSecond: await ed25519AllCores(QUICK ? 5_000 : 30_000),
    sha256PerSecond: sha256PerSecond(QUICK ? 200_000 : 2_000_000),
    httpTrivialPerSecond: await httpTrivialPerSecond(QUICK ? 5_000 : 50_000),
  };
  say('machine ceilings (this run)');
  say(`  Ed25519 verify, one core            ${fmt(ceilings.ed25519VerifyOneCorePerSecond).padStart(12)} /s`);
  say(`  Ed25519 verify, all ${cores} cores          ${fmt(ceilings.ed25519VerifyAllCoresPerSecond).padStart(12)} /s`);
  say(`  SHA-256 (33-byte inputs), one core  ${fmt(ceilings.sha256PerSecond).padStart(12)} /s`);
  say(`  HTTP, a trivial route (in process)  ${fmt(ceilings.httpTrivialPerSecond).padStart(12)} /s`);

  const figures: Record<string, Record<string, number>> = {};
  for (const { service, parts } of chosen) {
    for (const part of parts) {
      say('');
      say(`${service} · ${part.title}`);
      figures[service] = { ...figures[service], ...(await partProcess(service, part, ceilings)) };
    }
  }
  if (JSON_OUT) process.stdout.write(JSON.stringify({ machine: { cores, node: process.version }, ceilings, services: figures, quick: QUICK }) + '\n');
}

await main();
