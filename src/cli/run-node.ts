/** `polity init` and `polity start`. */
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createApi } from '../api/server.js';
import { parsePublicOrigin } from '../api/origin.js';
import { createNode } from '../node/node.js';
import { loadKeyFile } from '../node/key-file.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { adminKeyPath, type DataDir, exists, initDataDir, isInitialised, loadDataDir } from '../node/data-dir.js';
import { isHost, networkPath, readNetworkFile } from './network-init.js';
import { createLogger, LOG_FORMATS, type LogFormat, type LogLevel } from '../node/log.js';
import { ACCESS_LOG_LEVELS } from '../api/health-routes.js';
import { type Io, parsePort, parsePositiveInt, UsageError } from './io.js';
import type { CliApp } from './command.js';
import { keyUnlockOf, newPassphrase, plaintextPolicy } from './passphrase.js';
import { resolveStartSettings, startSettingsOf } from './start-config.js';
import type { ApiLimits } from '../api/limits.js';

export async function runInit(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const dir = values.data as string;
  const chainId = values['chain-id'] as string | undefined;
  if (chainId !== undefined && !/^[a-z0-9][a-z0-9-]{0,47}$/.test(chainId)) {
    throw new UsageError('--chain-id: expected 1-48 lowercase letters, digits and dashes');
  }
  if (await isInitialised(dir)) throw new Error(`${dir} is already initialised; use another --data directory`);
  // --encrypt: both keys sealed under one passphrase (the node's is opened at start, the admin's where it is used).
  const passphrase = values.encrypt ? await newPassphrase(values) : undefined;
  const created = await initDataDir(dir, { ...(chainId ? { chainId } : {}), ...(values.org ? { organisation: values.org as string } : {}), ...(passphrase ? { passphrase } : {}) });
  const org = created.genesis.organisations![0]!;
  if (values.json) {
    io.out(JSON.stringify({ ok: true, data: resolve(dir), chainId: created.genesis.chainId, nodeKey: created.nodeKey.publicKey, organisation: org.id, adminKey: created.adminKey!.publicKey, adminKeyFile: resolve(adminKeyPath(dir)), encrypted: Boolean(passphrase) }));
  } else {
    io.out(`initialised ${resolve(dir)}`);
    for (const line of initLines(created, Boolean(passphrase))) io.out(line);
    io.out(`next: polity start --data ${dir}${passphrase ? '' : ' --allow-plaintext-key   (or encrypt the keys first: polity keys encrypt FILE)'}`);
  }
  return 0;
}

/** What `polity init` and `polity start --init` say about a new data directory: the chain, the organisation, and where each key is. */
function initLines(created: DataDir, encrypted: boolean): string[] {
  const org = created.genesis.organisations![0]!;
  const sealed = encrypted ? ' (encrypted)' : ' (NOT encrypted)';
  return [
    `  chain         ${created.genesis.chainId} (one validator, solo consensus)`,
    `  organisation  ${org.id} (${org.name}): the id other commands take as --org`,
    `  admin key     ${resolve(adminKeyPath(created.path))}${sealed}: the organisation's admin; move it to its administrator (--key)`,
    `  node key      ${resolve(created.path, 'node-key.json')}${sealed}: public ${created.nodeKey.publicKey}`,
    `  genesis       ${resolve(created.path, 'genesis.json')} (give this file to anyone who verifies receipts)`,
    ...(encrypted ? [] : ['  the keys are not encrypted: polity start and --key refuse them unless --allow-plaintext-key (spec/deployment.md §9)']),
  ];
}

/** Where the API listens when neither --host nor network.json's api.host says: loopback only. */
const DEFAULT_API_HOST = '127.0.0.1';

/** --public-url: the origin signed requests must name (spec/api-auth.md §3). */
function publicOrigin(value: unknown): string {
  try {
    return parsePublicOrigin(String(value));
  } catch (e) {
    throw new UsageError(`--public-url: ${(e as Error).message.replace(/^public URL: /, '')}`);
  }
}

/** The API's limits from the settings (start-config.ts), each checked as a whole number within a sane bound. */
function apiLimitsOf(values: Record<string, unknown>): { bodyLimitBytes: number; sessionsMax: number; limits: Partial<ApiLimits> } {
  const int = (name: string, max: number): number => parsePositiveInt(name, values[name], max);
  if (values['loopback-exempt'] !== 'on' && values['loopback-exempt'] !== 'off') throw new UsageError('--loopback-exempt: expected on or off');
  return {
    bodyLimitBytes: int('body-limit-bytes', 1024 * 1024 * 1024),
    sessionsMax: int('sessions-max', 10_000_000),
    limits: {
      clientRequestsMax: int('client-requests-max', 1_000_000_000),
      clientWindowMs: int('client-window-ms', 3_600_000),
      loopbackExempt: values['loopback-exempt'] === 'on',
      challengesMax: int('challenges-max', 1_000_000),
      heavyReadsConcurrent: int('heavy-reads-concurrent', 1024),
      heavyReadsQueued: int('heavy-reads-queued', 100_000),
      largeBodyBytes: int('large-body-bytes', 1024 * 1024 * 1024),
      largeBodiesConcurrent: int('large-bodies-concurrent', 1024),
      largeBodiesQueued: int('large-bodies-queued', 100_000),
    },
  };
}

export async function runStart(flags: Record<string, unknown>, _positionals: string[], io: Io, program: CliApp): Promise<number> {
  // Every setting from a flag, POLITY_ variable, config file or default (start-config.ts), then one set of checks.
  const settings = startSettingsOf(program.services);
  const resolved = await resolveStartSettings(flags, settings);
  const values: Record<string, unknown> = { ...flags, ...resolved.values };
  const dir = values.data as string;
  if (values.host !== undefined && (typeof values.host !== 'string' || !isHost(values.host))) throw new UsageError('--host: expected a host name or IP address');
  // A port or host not set anywhere: network.json's api section, then the default (below).
  const explicitPort = resolved.sources.port !== 'default' ? parsePort(values.port) : undefined;
  const explicitHost = resolved.sources.host !== 'default' ? (values.host as string) : undefined;
  const level = values['log-level'] as string;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) throw new UsageError('--log-level: expected debug, info, warn, error or silent');
  const format = values['log-format'] as string;
  if (!LOG_FORMATS.includes(format as LogFormat)) throw new UsageError('--log-format: expected text or json');
  const accessLog = values['access-log'] as string;
  if (!ACCESS_LOG_LEVELS.includes(accessLog as never)) throw new UsageError(`--access-log: expected ${ACCESS_LOG_LEVELS.join(', ')}`);
  if (values.metrics !== 'on' && values.metrics !== 'off') throw new UsageError('--metrics: expected on or off');
  const stallAfterMs = values['stall-after-ms'] === undefined ? undefined : parsePositiveInt('stall-after-ms', values['stall-after-ms'], 3_600_000);
  const blockIntervalMs =
    values['block-interval-ms'] === undefined || String(values['block-interval-ms']) === '0' ? undefined : parsePositiveInt('block-interval-ms', values['block-interval-ms'], 60_000);
  const verifyWorkers = verifyWorkersOf(values['verify-workers']);
  const apiLimits = apiLimitsOf(values);
  const plaintextKeys = plaintextPolicy(values);
  if (values['passphrase-file'] !== undefined && typeof values['passphrase-file'] !== 'string') throw new UsageError('--passphrase-file: expected a file name');
  if (values['print-config']) {
    const shown = settings.filter((s) => s.name !== 'print-config').map((s) => [s.name, { value: values[s.name], from: resolved.sources[s.name] }]);
    io.out(JSON.stringify({ file: resolved.file, settings: Object.fromEntries(shown) }, null, 2));
    return 0;
  }
  if (!(await isInitialised(dir))) {
    if (!values.init) throw new Error(`${dir} is not initialised; run \`polity init --data ${dir}\` first (or pass --init)`);
    // Keys a department will use are sealed: with a passphrase source (--passphrase-file, POLITY_KEY_PASSPHRASE)
    // --init seals them; without one it makes plaintext keys only where they are allowed (a try-out node, `npm start`).
    const hasPassphrase = typeof values['passphrase-file'] === 'string' || Boolean(process.env.POLITY_KEY_PASSPHRASE);
    if (!hasPassphrase && plaintextKeys === 'refuse') {
      throw new UsageError('--init would make unencrypted keys: set POLITY_KEY_PASSPHRASE or pass --passphrase-file FILE to seal them, or pass --allow-plaintext-key for a try-out node');
    }
    const passphrase = hasPassphrase ? await newPassphrase(values) : undefined;
    const created = await initDataDir(dir, passphrase ? { passphrase } : {});
    io.err(`initialised a new one-node chain in ${resolve(dir)}`);
    for (const line of initLines(created, Boolean(passphrase))) io.err(line);
  }
  const data = await loadDataDir(dir, { ...keyUnlockOf(values, io.err), plaintext: plaintextKeys });
  // A network of departments: P2P settings (and the API's host and port) from <data>/network.json;
  // --host and --port, when given, win over the file, each on its own.
  const network = (await exists(networkPath(dir))) ? await readNetworkFile(dir) : undefined;
  const port = explicitPort ?? network?.api?.port ?? parsePort(undefined);
  const host = explicitHost ?? network?.api?.host ?? DEFAULT_API_HOST;
  const log = createLogger(level as LogLevel | 'silent', undefined, format as LogFormat);
  const node = await createNode({
    dataDir: dir,
    genesis: data.genesis,
    nodeSecretKey: data.nodeKey.secretKey,
    services: program.services,
    log,
    processMetrics: true,
    ...(stallAfterMs ? { stallWatch: { stallAfterMs } } : {}),
    ...(blockIntervalMs ? { blockIntervalMs } : {}),
    ...(verifyWorkers !== undefined ? { verifyWorkers } : {}),
    ...(values['no-repair'] ? { repair: false } : {}),
    ...(network
      ? {
          p2p: {
            listen: network.listen,
            peers: network.peers.map((p) => ({ pubKey: p.pubKey, host: p.host, port: p.port })),
            ...(network.observers ? { observers: network.observers } : {}),
            ...(process.env[P2P_TAP_ENV] ? { tap: tapToFile(process.env[P2P_TAP_ENV]!) } : {}),
          },
        }
      : {}),
  });
  const publicUrl = values['public-url'] ?? network?.api?.publicUrl;
  // Each service's own start options that were given (ApiService.startOptions): its routes read them.
  const serviceOptions = Object.fromEntries(
    program.services.map((s) => [s.name, Object.fromEntries(Object.keys(s.startOptions ?? {}).flatMap((name) => (typeof values[name] === 'string' ? [[name, values[name] as string]] : [])))]),
  );
  let app: Awaited<ReturnType<typeof createApi>>;
  try {
    // Key files among them (--issuing-key) open as the node key did: sealed with the passphrase, plaintext only where allowed.
    const unlock = { ...keyUnlockOf(values, io.err), plaintext: plaintextKeys };
    const serviceKeys: Record<string, Record<string, KeyPair>> = {};
    for (const s of program.services) {
      for (const [name, option] of Object.entries(s.startOptions ?? {})) {
        if (!option.keyFile || typeof values[name] !== 'string') continue;
        try {
          (serviceKeys[s.name] ??= {})[name] = await loadKeyFile(values[name] as string, unlock);
        } catch (e) {
          throw new Error(`--${name}: ${(e as Error).message}`);
        }
      }
    }
    app = await createApi(node, { services: program.services, serviceOptions, serviceKeys, ...apiLimits, metrics: values.metrics === 'on', accessLog: accessLog as LogLevel | 'off', ...(publicUrl === undefined ? {} : { publicOrigin: publicOrigin(publicUrl) }) });
  } catch (e) {
    await node.close();
    throw e;
  }
  try {
    await app.listen({ port, host });
  } catch (e) {
    await node.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${port} on ${host} is already in use; pick another with --port`);
    if (code === 'EADDRNOTAVAIL') throw new Error(`${host} is not an address of this machine; pick another with --host (or api.host in network.json)`);
    throw e;
  }
  await node.start();
  if (publicUrl === undefined && (host === '0.0.0.0' || host === '::')) {
    io.err('note: listening on every address without --public-url, so signed requests are refused: this node cannot tell which URL they must name (spec/api-auth.md §3)');
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const status = node.status();
  if (values.json) {
    io.out(JSON.stringify({ ok: true, url, chainId: status.chainId, height: status.height, data: resolve(dir) }));
  } else {
    io.out(`Polity node running — chain ${status.chainId}, height ${status.height}, ${status.consensus === 'bft' ? `BFT consensus, ${status.validators.length} validators` : 'solo consensus'}`);
    const row = (label: string, value: string): void => io.out(`  ${label.padEnd(18)} ${value}`);
    if (network) row('peers', `listening on ${network.listen.host}:${network.listen.port}, dialling ${network.peers.length}`);
    row('explorer', `${url}/`);
    for (const s of program.services) for (const page of [s.page, ...(s.morePages ?? [])]) row(page.nav, `${url}${page.path}`);
    row('API', `${url}/v1/status   (reference: ${url}/docs, OpenAPI: ${url}/openapi.json)`);
    row('probes', `${url}/healthz ${url}/readyz${values.metrics === 'on' ? `   metrics: ${url}/metrics` : ''}`);
    row('data', resolve(dir));
    io.out('press Ctrl+C to stop');
  }
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.err('stopping…');
  await app.close();
  await node.close();
  return 0;
}

/**
 * Tests that scan the network's traffic for data that must never cross it
 * (test/sharing-bft.test.ts, the canary scan) set this to a file path: every
 * frame the node receives, decrypted (above Noise), is appended there. Never
 * set it in production: the file holds everything peers said.
 */
export const P2P_TAP_ENV = 'POLITY_TEST_P2P_TAP';
function tapToFile(path: string): (peer: string, body: Uint8Array) => void {
  return (_peer, body) => appendFileSync(path, body);
}

/** Most verification workers `--verify-workers` takes (a thread each). */
const VERIFY_WORKERS_MAX = 256;

/** `--verify-workers`: undefined for the default (one per core), else 0 to VERIFY_WORKERS_MAX. */
function verifyWorkersOf(value: unknown): number | undefined {
  if (value === undefined || value === 'one per core') return undefined;
  const text = String(value);
  if (!/^\d{1,4}$/.test(text) || Number(text) > VERIFY_WORKERS_MAX) throw new UsageError(`--verify-workers: expected a whole number from 0 to ${VERIFY_WORKERS_MAX}`);
  return Number(text);
}
