import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDeadline, formatDuration, isoTime, ISO_TIME_MAX_MS, ISO_TIME_MIN_MS, parsePeriodSeconds, utcMinute } from './iso-time.js';

test('isoTime writes what Date.prototype.toISOString writes, across the years 0 to 9999', () => {
  for (const ms of [0, 1, -1, 951_782_400_000, 1_700_000_000_000, 1_798_207_380_000, ISO_TIME_MIN_MS, ISO_TIME_MAX_MS, 4_107_542_400_000]) assert.equal(isoTime(ms), new Date(ms).toISOString());
  fc.assert(fc.property(fc.integer({ min: ISO_TIME_MIN_MS, max: ISO_TIME_MAX_MS }), (ms) => isoTime(ms) === new Date(ms).toISOString()), { numRuns: 20_000 });
  assert.throws(() => isoTime(ISO_TIME_MAX_MS + 1), RangeError);
  assert.throws(() => isoTime(1.5), RangeError);
});

test('deadlines in words: to the minute in UTC, and how far away', () => {
  const at = Date.UTC(2026, 11, 5, 14, 3, 59);
  assert.equal(utcMinute(at), '2026-12-05 14:03 UTC');
  assert.equal(formatDeadline(at, at - (2 * 3600 + 10 * 60) * 1000), '2026-12-05 14:03 UTC (in 2 h 10 min)');
  assert.equal(formatDeadline(at, at + 5 * 60_000), '2026-12-05 14:03 UTC (5 min ago)');
  assert.deepEqual([45_000, 12 * 60_000, 7_200_000, (3 * 24 + 4) * 3_600_000, 7 * 86_400_000].map(formatDuration), ['45 s', '12 min', '2 h', '3 d 4 h', '7 d']);
  // Rounded to the smallest unit shown: a deadline a moment after the proposal still reads as its period.
  assert.deepEqual([7 * 86_400_000 - 100, 7_200_000 - 900, 3_599_700, 59_600].map(formatDuration), ['7 d', '2 h', '1 h', '1 min']);
});

test('periods as people type them', () => {
  assert.deepEqual(['90', '90s', '30min', '30m', '2h', '7d', '1d12h', '1h30m', ' 2H '].map(parsePeriodSeconds), [90, 90, 1800, 1800, 7200, 604_800, 129_600, 5400, 7200]);
  for (const bad of ['', 'h', '2 hours', '-5', '1.5h', '30m2h', '2w']) assert.equal(parsePeriodSeconds(bad), undefined, bad);
});
