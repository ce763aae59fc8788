/**
 * What the browser tests share: Debian's Chromium driven by playwright-core,
 * a suite that fails when Chromium is missing, a page watcher that records every console error, page
 * error, failed request and 4xx/5xx answer, so a test can require none, and an accessibility check
 * with axe-core.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './helpers.js';

/**
 * `describe(title, body)` when Chromium is installed, and one failing test when it is not: `npm test`
 * installs it first (scripts/ensure-test-tools.js), so a missing browser is never a silent skip.
 */
export function browserSuite(title: string, body: () => void): void {
  if (existsSync(CHROMIUM)) describe(title, body);
  else test(title, () => assert.fail(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) to run the browser tests`));
}

/** Chromium with a desktop page (1280×900, en-GB; Brussels time unless `timezoneId` is null). */
export async function openBrowser(options: { timeoutMs: number; timezoneId?: string | null }): Promise<{ browser: Browser; context: BrowserContext; page: Page }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const timezoneId = options.timezoneId === undefined ? 'Europe/Brussels' : options.timezoneId;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', ...(timezoneId ? { timezoneId } : {}) });
  const page = await context.newPage();
  page.setDefaultTimeout(options.timeoutMs);
  return { browser, context, page };
}

/**
 * Record what went wrong on a page: console errors, page errors, failed
 * requests and 4xx/5xx answers, each as one line given to `report`.
 * `ignoreAbortedReads`: a GET the browser cancels because the test navigated
 * away (a periodic refresh, a lazy load) is no fault of the page.
 * The favicon is always exempt from that one failure: Chromium fetches it by
 * itself after the load event, and a test that navigates again at once
 * cancels it (`net::ERR_ABORTED`), whatever the page does.
 */
export function watchPage(page: Page, report: (line: string) => void, options: { ignoreAbortedReads?: boolean } = {}): void {
  page.on('console', (message) => {
    if (message.type() === 'error') report(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => report(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const aborted = request.method() === 'GET' && request.failure()?.errorText === 'net::ERR_ABORTED';
    if (aborted && (options.ignoreAbortedReads || new URL(request.url()).pathname.endsWith('/favicon.svg'))) return;
    report(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) report(`HTTP ${response.status()}: ${response.url()}`);
  });
}

/**
 * The id of the element that has the focus once it is `expected`, or after
 * `timeoutMs` whatever has it then. A page moves the focus in an effect after
 * it renders, a moment after the element it focuses appears: read at once,
 * a busy machine sees the focus still where it was.
 */
export async function focusedId(page: Page, expected: string, timeoutMs = 5_000): Promise<string | undefined> {
  await page.waitForFunction((id) => document.activeElement?.id === id, expected, { timeout: timeoutMs }).catch(() => undefined);
  return page.evaluate(() => document.activeElement?.id);
}

/** The two widths every page is checked at. */
export const DESKTOP = { width: 1280, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  /** CSS selectors of the offending elements (the first few). */
  targets: string[];
}

let axeSource: string | undefined;

/**
 * Run axe-core (its default rules: WCAG 2.x A and AA, and best practices) on
 * the page as it is now, and return the violations of serious or critical
 * impact. axe is evaluated through the DevTools protocol, which the page's
 * Content-Security-Policy does not govern, so the page is checked as served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const results = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact!, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')) }));
}
