/**
 * The node's log: one line per event on stderr, either text
 * (`time level event key=value...`, for a person at a terminal) or JSON lines
 * (`--log-format json`: `{"time","level","event",...fields}`, for a log
 * shipper: journald, Loki, Elasticsearch). Both carry the same fields.
 * Lines carry heights, counts, hashes, organisation names of validators and
 * timings only — never request bodies, URLs as sent, metadata or anything a
 * citizen typed (STYLE.md, "Errors" 4).
 *
 * Why not pino (which Fastify carries): the node logs few, small events, and
 * the same logger runs inside the simulator and tests with a write function
 * handed in; this one is 50 lines and has no worker thread or transport.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export const LOG_LEVELS: readonly (LogLevel | 'silent')[] = ['debug', 'info', 'warn', 'error', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A text value with a space, quote or `=` is quoted, so `key=value` pairs stay apart. */
const textValue = (v: string | number | boolean): string => (typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v));

export function createLogger(
  level: LogLevel | 'silent' = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  format: LogFormat = 'text',
): Logger {
  const min = level === 'silent' ? Infinity : ORDER[level];
  const emit = (lvl: LogLevel, event: string, fields?: LogFields): void => {
    if (ORDER[lvl] < min) return;
    const time = new Date().toISOString();
    if (format === 'json') {
      const record: Record<string, string | number | boolean> = { time, level: lvl, event };
      // Fields never overwrite time, level or event.
      if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined && !(k in record)) record[k] = v;
      write(JSON.stringify(record));
      return;
    }
    let line = `${time} ${lvl.padEnd(5)} ${event}`;
    if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${textValue(v)}`;
    write(line);
  };
  return {
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
  };
}
