/** How every page writes numbers, times, sizes, hashes and sentences, so that they read alike. */

export const numberFormat = new Intl.NumberFormat();
export const formatNumber = (n: number): string => numberFormat.format(n);

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const longDateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });
/** A time (ms since the epoch) with date and seconds, in the reader's zone. */
export const formatTime = (ms: number): string => dateFormat.format(new Date(ms));
/** A time with its zone, for results a person may copy into a record. */
export const formatTimeLong = (ms: number): string => longDateFormat.format(new Date(ms));
/** A time as an ISO string, for `<time datetime>`. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
/** "5 seconds ago", "in 2 minutes": a time relative to `nowMs`. */
export function formatAgo(ms: number, nowMs: number = Date.now()): string {
  const seconds = Math.round((ms - nowMs) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relativeFormat.format(seconds, 'second');
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  return relativeFormat.format(Math.round(seconds / 86400), 'day');
}

/** "1 block", "5,000 blocks". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${numberFormat.format(n)} ${n === 1 ? one : many}`;

/** A file size: "812 bytes", "1.4 kB", "23 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  const units = ['kB', 'MB', 'GB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The first 8 and last 4 hex digits of a long value. */
export const shortHex = (hex: string): string => (hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex);

/** First letter up, full stop at the end: the ledger's messages are sentence fragments. */
export function sentence(text: string | undefined): string {
  const s = String(text ?? '').trim();
  if (s === '') return s;
  return s[0]!.toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
}
