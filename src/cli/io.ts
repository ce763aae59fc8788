/**
 * The CLI's input/output seam: commands write through an `Io`, so tests run
 * them in-process and read what they printed.
 */
import { DEFAULT_PORT_FALLBACK } from './defaults.js';

export class UsageError extends Error {}

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Overwrite the current status line (progress); no-op when not a terminal. */
  progress(line: string): void;
  isTty: boolean;
}

let pipeGuarded = false;

export function defaultIo(): Io {
  const tty = Boolean(process.stderr.isTTY);
  // Output piped into a reader that stops early (`polity … | head`): stop quietly, not with a stack trace.
  if (!pipeGuarded) {
    pipeGuarded = true;
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(0);
        throw e;
      });
    }
  }
  let progressShown = false;
  return {
    out: (line) => {
      if (progressShown) {
        process.stderr.write('\r\x1b[K');
        progressShown = false;
      }
      process.stdout.write(line + '\n');
    },
    err: (line) => {
      if (progressShown) {
        process.stderr.write('\r\x1b[K');
        progressShown = false;
      }
      process.stderr.write(line + '\n');
    },
    progress: (line) => {
      if (!tty) return;
      process.stderr.write('\r\x1b[K' + line);
      progressShown = line.length > 0;
    },
    isTty: tty,
  };
}

/** A text progress bar: `[#####.....]  512/1000 files  hashing`. */
export function progressBar(done: number, total: number, label: string, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`;
}

/** The node API URL from `--api URL` or `--port N`. */
export function apiUrl(values: Record<string, unknown>): string {
  if (typeof values.api === 'string' && values.api.length > 0) {
    let url: URL;
    try {
      url = new URL(values.api);
    } catch {
      throw new UsageError(`--api: expected a URL like http://127.0.0.1:${DEFAULT_PORT_FALLBACK}, got ${JSON.stringify(values.api)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--api: expected an http:// or https:// URL');
    return url.toString().replace(/\/+$/, '');
  }
  const port = parsePort(values.port);
  return `http://127.0.0.1:${port}`;
}

export function parsePort(value: unknown): number {
  if (value === undefined) return DEFAULT_PORT_FALLBACK;
  const port = Number(value);
  if (!/^[0-9]{1,5}$/.test(String(value)) || port < 1 || port > 65535) throw new UsageError(`--port: expected a port number 1-65535, got ${JSON.stringify(value)}`);
  return port;
}

export function parsePositiveInt(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^[0-9]{1,15}$/.test(String(value)) || n < 1 || n > max) throw new UsageError(`--${name}: expected a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** The values of an option that may be given several times (`--add A --add B`), as a list. */
export function optionList(value: unknown): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];
}
