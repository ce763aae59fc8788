/** Pieces of the explorer's views: the breadcrumb trail, and what a view says when it cannot load. */
import type { JSX } from 'preact';
import { ApiError, errorText } from '../../lib/api.js';
import { Notice } from '../../components/ui.js';

export function Breadcrumbs(props: { current: string }): JSX.Element {
  return (
    <nav class="breadcrumbs" aria-label="Breadcrumb">
      <ol>
        <li>
          <a href="#/">Explorer</a>
        </li>
        <li aria-current="page">{props.current}</li>
      </ol>
    </nav>
  );
}

export function LoadFailed(props: { error: unknown }): JSX.Element {
  if (!(props.error instanceof ApiError)) console.warn('explorer view failed', props.error);
  return (
    <div>
      <h1 tabIndex={-1}>Something went wrong</h1>
      <Notice tone="error" title={errorText(props.error)}>
        <p>
          <a href={location.hash || '#/'}>Try again</a> · <a href="#/">Latest blocks</a>
        </p>
      </Notice>
    </div>
  );
}

export function PageNotFound(): JSX.Element {
  document.title = 'Not found · Polity explorer';
  return (
    <div>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        This address is not a page of the explorer. <a href="#/">See the latest blocks</a>.
      </p>
    </div>
  );
}
