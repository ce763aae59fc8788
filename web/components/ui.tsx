/**
 * The small pieces every page is built from, so they look and behave alike:
 * hashes and keys, copy buttons, badges, field lists, notices, panels, times.
 *
 * Values from the chain (names, arguments, metadata) are untrusted text;
 * Preact only ever sets them as text, never as HTML.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatTime, isoTime, shortHex } from '../lib/format.js';

/** A hash or key in monospace; the short form shows the full value on hover. */
export function Hash(props: { value: string; short?: boolean; shorten?: (v: string) => string; id?: string }): JSX.Element {
  if (!props.short) return <code class="hash hash-full" id={props.id}>{props.value}</code>;
  return (
    <code class="hash" title={props.value} id={props.id}>
      {(props.shorten ?? shortHex)(props.value)}
    </code>
  );
}

/** A button that copies `text`; absent where the browser offers no clipboard. */
export function CopyButton(props: { text: string; what: string }): JSX.Element | null {
  const [label, setLabel] = useState('Copy');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  if (!navigator.clipboard) return null;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setLabel('Copied');
    } catch {
      setLabel('Copy failed');
    }
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setLabel('Copy'), 1500);
  };
  return (
    <button type="button" class="button-link copy" aria-label={`Copy ${props.what}`} onClick={copy}>
      {label}
    </button>
  );
}

export type Tone = 'ok' | 'error' | 'warn' | 'info' | 'muted' | 'wait';

export function Badge(props: { tone: Tone; children: ComponentChildren }): JSX.Element {
  return <span class={`badge badge-${props.tone}`}>{props.children}</span>;
}

/** One row of a field list: a label, a value, optional help under the label. Rows with no value are left out. */
export interface FieldRow {
  label: string;
  value: ComponentChildren | null | undefined;
  help?: string;
}

/** A definition list laid out as a two-column grid. */
export function Fields(props: { rows: (FieldRow | false | null | undefined)[]; id?: string }): JSX.Element {
  return (
    <dl class="fields" id={props.id}>
      {props.rows
        .filter((r): r is FieldRow => Boolean(r) && (r as FieldRow).value !== null && (r as FieldRow).value !== undefined)
        .map((r) => (
          <div class="field" key={r.label}>
            <dt>
              {r.label}
              {r.help ? <span class="help">{r.help}</span> : null}
            </dt>
            <dd>{r.value}</dd>
          </div>
        ))}
    </dl>
  );
}

/** A boxed message; an error one is announced at once (role alert). */
export function Notice(props: { tone: 'ok' | 'error' | 'warn' | 'info'; title?: ComponentChildren; children?: ComponentChildren; id?: string; focusable?: boolean }): JSX.Element {
  return (
    <div class={`notice notice-${props.tone}`} role={props.tone === 'error' ? 'alert' : undefined} id={props.id} tabIndex={props.focusable ? -1 : undefined}>
      {props.title ? <p class="notice-title">{props.title}</p> : null}
      {props.children}
    </div>
  );
}

/** A section with a heading that names it. */
export function Panel(props: { id: string; title: ComponentChildren; children?: ComponentChildren; head?: ComponentChildren; class?: string; sectionId?: string }): JSX.Element {
  return (
    <section class={`panel ${props.class ?? ''}`} aria-labelledby={props.id} id={props.sectionId}>
      {props.head ? (
        <div class="panel-head">
          <h2 id={props.id}>{props.title}</h2>
          {props.head}
        </div>
      ) : (
        <h2 id={props.id}>{props.title}</h2>
      )}
      {props.children}
    </section>
  );
}

/** The padlock note: what stays in this browser. */
export function PrivacyNote(props: { id?: string; children: ComponentChildren }): JSX.Element {
  return (
    <p class="privacy" id={props.id}>
      <svg class="privacy-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5Zm-3 8V7a3 3 0 0 1 6 0v3H9Z" fill="currentColor" />
      </svg>
      <span>{props.children}</span>
    </p>
  );
}

/** A machine-readable time, written for the reader. */
export function Time(props: { ms: number; format?: (ms: number) => string }): JSX.Element {
  return <time dateTime={isoTime(props.ms)}>{(props.format ?? formatTime)(props.ms)}</time>;
}

export function Loading(props: { children?: ComponentChildren }): JSX.Element {
  return <p class="loading">{props.children ?? 'Loading…'}</p>;
}

/** Metadata of an anchored document: untrusted text, shown as text. */
export function MetaList(props: { entries: [string, unknown][] }): JSX.Element {
  return (
    <dl class="meta">
      {props.entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
