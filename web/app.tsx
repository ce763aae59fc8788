/**
 * What every page module calls: draw the page into the shell the server
 * rendered (src/api/static.ts: header, navigation, footer, skip link), keep
 * the header's chain and height up to date, and tick.
 *
 * The shell is HTML from the server, so the navigation, the page's title and
 * a <noscript> note are there before any script runs; the page itself is a
 * Preact component drawn into #app.
 */
import { render, type ComponentChild } from 'preact';
import { formatNumber } from './lib/format.js';
import { onStatus, refreshStatus, startTicking, statusFailed } from './lib/status.js';

/** How often pages re-read the chain by default. */
export const REFRESH_MS = 5000;

export function mountPage(page: ComponentChild, options: { refreshMs?: number } = {}): void {
  const root = document.getElementById('app');
  if (!root) throw new Error('the page shell has no #app element');
  const chainId = document.getElementById('chain-id');
  const chainHeight = document.getElementById('chain-height');
  onStatus((status) => {
    if (status && chainId) chainId.textContent = status.chainId;
    if (chainHeight) chainHeight.textContent = statusFailed() ? 'offline' : status ? formatNumber(status.height) : '…';
  });
  // On a phone the navigation is one row that scrolls sideways: show where the person is.
  const current = document.querySelector<HTMLElement>('.site-nav [aria-current="page"]');
  const row = current?.closest('ul');
  if (current && row && row.scrollWidth > row.clientWidth) row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
  root.replaceChildren();
  render(page, root);
  void refreshStatus();
  startTicking(options.refreshMs ?? REFRESH_MS);
}
