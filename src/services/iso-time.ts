/**
 * Deadlines in words: a time in ms since the epoch as ISO 8601 in UTC, and a
 * duration as "2 h 10 min", computed without `Date` so that state
 * transitions, pure queries and the CLI write the same text (an error message
 * of a transition is part of its result, so it must be the same on every
 * node). The calendar arithmetic is Howard Hinnant's days-from-civil inverse
 * (proleptic Gregorian), exact for the years 0 to 9999 that ISO 8601's
 * four-digit form covers; block times are far inside them.
 */

const DAY_MS = 86_400_000;
/** The latest time written: 9999-12-31T23:59:59.999Z. */
export const ISO_TIME_MAX_MS = 253_402_300_799_999;
/** The earliest: 0000-01-01T00:00:00.000Z. */
export const ISO_TIME_MIN_MS = -62_167_219_200_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `ms` as `YYYY-MM-DDTHH:MM:SS.sssZ`, the form of `Date.prototype.toISOString`. */
export function isoTime(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < ISO_TIME_MIN_MS || ms > ISO_TIME_MAX_MS) throw new RangeError(`expected a whole number of ms within the years 0-9999, got ${ms}`);
  const days = Math.floor(ms / DAY_MS);
  const inDay = ms - days * DAY_MS;
  // Civil date from days since 1970-01-01 (Hinnant, "chrono-Compatible Low-Level Date Algorithms").
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(inDay / 3_600_000);
  const m = Math.floor((inDay % 3_600_000) / 60_000);
  const s = Math.floor((inDay % 60_000) / 1000);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(inDay % 1000, 3)}Z`;
}

/** `ms` as a person reads a deadline: `2026-12-05 14:03 UTC` (to the minute, rounded down). */
export function utcMinute(ms: number): string {
  const iso = isoTime(ms);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * A duration, at most its two largest units, rounded to the smaller of them:
 * "45 s", "12 min", "2 h 10 min", "3 d 4 h" (a week less 100 ms is "7 d").
 */
export function formatDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return minutes % 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes / 60} h`;
  const hours = Math.round(seconds / 3600);
  return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${hours / 24} d`;
}

/** "2026-12-05 14:03 UTC (in 2 h 10 min)" or "… (5 min ago)": a deadline seen at `nowMs`. */
export function formatDeadline(ms: number, nowMs: number): string {
  return `${utcMinute(ms)} (${ms >= nowMs ? `in ${formatDuration(ms - nowMs)}` : `${formatDuration(nowMs - ms)} ago`})`;
}

/**
 * A period as a person types it: "90s", "30min", "2h", "7d", or parts in
 * falling order ("1d12h", "1h30m"); a bare number is seconds. Its seconds, or
 * undefined when it is not one.
 */
export function parsePeriodSeconds(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d{1,9}$/.test(t)) return Number(t);
  const m = /^(?:(\d{1,5})d)?(?:(\d{1,6})h)?(?:(\d{1,8})(?:m|min))?(?:(\d{1,9})s)?$/.exec(t);
  if (!m || t.length === 0) return undefined;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number];
  return d * 86_400 + h * 3600 + min * 60 + s;
}
