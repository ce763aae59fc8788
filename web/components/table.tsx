/**
 * Tables: a caption for screen readers, column headers with scope, a
 * horizontal scroll on narrow screens rather than squashed columns, a row
 * that says so when there is nothing to list, and paging.
 *
 * Two kinds of paging: `pageSize` pages through rows the page already holds
 * (a block's 20,000 transactions, the recorded evidence); `more` asks the
 * node for the next rows (older blocks, older proposals).
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { formatNumber } from '../lib/format.js';

export interface Column<R> {
  label: ComponentChildren;
  /** Class of the header and of each cell: `num` aligns right, `col-optional` hides on phones. */
  class?: string;
  cell: (row: R, index: number) => ComponentChildren;
}

export interface TableProps<R> {
  id: string;
  caption: string;
  columns: readonly (Column<R> | false | null)[];
  rows: readonly R[];
  rowKey: (row: R, index: number) => string | number;
  /** Attributes of a row: class, data-*, aria-current. */
  rowProps?: (row: R, index: number) => Record<string, string | undefined>;
  empty: ComponentChildren;
  /** Rows per page when paging through the rows held here. */
  pageSize?: number;
  /** A button that fetches more rows from the node (hidden when `more.done`). */
  more?: { label: string; done: boolean; onMore: () => Promise<void> };
}

export function DataTable<R>(props: TableProps<R>): JSX.Element {
  const columns = props.columns.filter((c): c is Column<R> => Boolean(c));
  const size = props.pageSize ?? Number.POSITIVE_INFINITY;
  const pages = Math.max(1, Math.ceil(props.rows.length / size));
  const [page, setPage] = useState(0);
  useEffect(() => {
    if (page >= pages) setPage(pages - 1);
  }, [page, pages]);
  const first = Math.min(page, pages - 1) * (Number.isFinite(size) ? size : 0);
  const shown = Number.isFinite(size) ? props.rows.slice(first, first + size) : props.rows;
  return (
    <div>
      {/* Focusable, so a keyboard can scroll a table wider than a phone (axe: scrollable-region-focusable). */}
      <div class="table-wrap" tabIndex={0} role="region" aria-label={props.caption}>
        <table class="table" id={props.id}>
          <caption class="visually-hidden">{props.caption}</caption>
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th scope="col" class={c.class} key={i}>
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 ? (
              <tr>
                <td colSpan={columns.length} class="empty">
                  {props.empty}
                </td>
              </tr>
            ) : (
              shown.map((row, i) => (
                <tr key={props.rowKey(row, first + i)} {...(props.rowProps?.(row, first + i) ?? {})}>
                  {columns.map((c, j) => (
                    <td class={c.class} key={j}>
                      {c.cell(row, first + i)}
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {pages > 1 ? <Pager label={props.caption} page={Math.min(page, pages - 1)} pages={pages} first={first} shown={shown.length} total={props.rows.length} onPage={setPage} /> : null}
      {props.more && !props.more.done ? <MoreButton {...props.more} /> : null}
    </div>
  );
}

function Pager(props: { label: string; page: number; pages: number; first: number; shown: number; total: number; onPage: (page: number) => void }): JSX.Element {
  return (
    <nav class="pager table-pager" aria-label={`Pages of ${props.label}`}>
      <button type="button" class="button button-secondary button-small" disabled={props.page === 0} onClick={() => props.onPage(props.page - 1)}>
        Previous
      </button>
      <p class="pager-status" aria-live="polite">
        Rows {formatNumber(props.first + 1)}–{formatNumber(props.first + props.shown)} of {formatNumber(props.total)}
      </p>
      <button type="button" class="button button-secondary button-small" disabled={props.page >= props.pages - 1} onClick={() => props.onPage(props.page + 1)}>
        Next
      </button>
    </nav>
  );
}

function MoreButton(props: { label: string; onMore: () => Promise<void> }): JSX.Element {
  const [busy, setBusy] = useState(false);
  const click = async () => {
    setBusy(true);
    try {
      await props.onMore();
    } finally {
      setBusy(false);
    }
  };
  return (
    <p class="panel-foot">
      <button type="button" class="button button-secondary" disabled={busy} aria-busy={busy ? 'true' : undefined} onClick={click}>
        {props.label}
      </button>
    </p>
  );
}
