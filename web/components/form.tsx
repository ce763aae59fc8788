/**
 * Forms with field errors, checked before anything is signed.
 *
 * A `Field` gives its control an id, a label, an optional hint and an error
 * line, and wires `aria-describedby` and `aria-invalid` so a screen reader
 * reads the hint and the error with the control. A `Validation` collects the
 * errors of one submit — each reader below returns a value or a sentence
 * that says what was expected and what arrived — and `ErrorSummary` lists
 * them with links to their fields.
 */
import type { ComponentChildren, JSX } from 'preact';
import { isHex } from '../../src/crypto/bytes.js';
import { formatNumber } from '../lib/format.js';

/** The attributes a control inside a Field takes. */
export interface ControlAttrs {
  id: string;
  'aria-describedby': string;
  'aria-invalid'?: 'true';
}

export function Field(props: {
  id: string;
  label: ComponentChildren;
  hint?: ComponentChildren;
  /** Hint under the control rather than between label and control. */
  hintAfter?: boolean;
  error?: string;
  class?: string;
  children: (attrs: ControlAttrs) => ComponentChildren;
}): JSX.Element {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  const errorId = `${props.id}-error`;
  const attrs: ControlAttrs = { id: props.id, 'aria-describedby': [hintId, errorId].filter(Boolean).join(' '), ...(props.error ? { 'aria-invalid': 'true' as const } : {}) };
  const hint = props.hint ? (
    <p class="field-hint" id={hintId}>
      {props.hint}
    </p>
  ) : null;
  return (
    <div class={`form-field ${props.class ?? ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.hintAfter ? null : hint}
      {props.children(attrs)}
      {props.hintAfter ? hint : null}
      <p class="field-error" id={errorId}>
        {props.error ?? ''}
      </p>
    </div>
  );
}

/** A group of check boxes or radios with a legend and one error line. */
export function CheckGroup(props: { id: string; legend: ComponentChildren; error?: string; class?: string; children: ComponentChildren }): JSX.Element {
  return (
    <fieldset class={`checks ${props.class ?? ''}`} aria-describedby={`${props.id}-error`} id={props.id}>
      <legend>{props.legend}</legend>
      <div class="check-list">{props.children}</div>
      <p class="field-error" id={`${props.id}-error`}>
        {props.error ?? ''}
      </p>
    </fieldset>
  );
}

/** One check box with its label and optional help. */
export function Check(props: { id: string; name: string; value: string; checked: boolean; onChange: (checked: boolean) => void; label: ComponentChildren; help?: ComponentChildren; inline?: boolean; invalid?: boolean }): JSX.Element {
  return (
    <label class={`check ${props.inline ? 'check-inline' : ''}`} for={props.id}>
      <input
        type="checkbox"
        id={props.id}
        name={props.name}
        value={props.value}
        checked={props.checked}
        aria-invalid={props.invalid ? 'true' : undefined}
        onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).checked)}
      />
      <span>
        {props.label}
        {props.help ? <span class="muted block small">{props.help}</span> : null}
      </span>
    </label>
  );
}

/** An error of one field: the control's id, its label (for the summary), the sentence. */
export interface FieldError {
  id: string;
  label: string;
  message: string;
}

/** What a reader makes of a field's text: its value, or why not. */
export type Reading<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T,>(value: T): Reading<T> => ({ ok: true, value });
const bad = (error: string): Reading<never> => ({ ok: false, error });

/** The errors of one submit. */
export class Validation {
  readonly errors: FieldError[] = [];

  /** The value of a reading, or undefined after recording its error against the field. */
  take<T>(id: string, label: string, reading: Reading<T>): T | undefined {
    if (reading.ok) return reading.value;
    this.fail(id, label, reading.error);
    return undefined;
  }

  fail(id: string, label: string, message: string): undefined {
    if (!this.errors.some((e) => e.id === id)) this.errors.push({ id, label, message });
    return undefined;
  }

  has(id: string): boolean {
    return this.errors.some((e) => e.id === id);
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }

  /** Field id → message, for the fields' error lines. */
  byField(): Record<string, string> {
    return Object.fromEntries(this.errors.map((e) => [e.id, e.message]));
  }
}

/** Links to each field in error, in form order, after a submit that signed nothing. */
export function ErrorSummary(props: { errors: readonly FieldError[] }): JSX.Element | null {
  if (props.errors.length === 0) return null;
  return (
    <ul class="error-summary">
      {props.errors.map((e) => (
        <li key={e.id}>
          <a
            href={`#${e.id}`}
            onClick={(event) => {
              event.preventDefault();
              focusFirstError([e]);
            }}
          >
            {e.label}: {e.message}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** Move focus to the first field in error (after a submit that signed nothing). */
export function focusFirstError(errors: readonly FieldError[]): void {
  const first = errors[0];
  const el = first ? document.getElementById(first.id) : null;
  if (!el) return;
  el.focus();
  // An error about a whole group sits on a message, not a control: make it focusable to land there.
  if (document.activeElement !== el) {
    el.setAttribute('tabindex', '-1');
    el.focus();
  }
}

// --- readers: text a person typed, to a value the chain takes -------------------------------

const clean = (raw: string): string => raw.trim().toLowerCase().replace(/^0x/, '');

/** A 32-byte key in hex (spaces and a 0x prefix dropped, any case). */
export function readKey(raw: string, what: string): Reading<string> {
  const key = clean(raw);
  const digits = key.length;
  if (key === '') return bad(`Enter ${what}.`);
  if (!isHex(key, 32)) return bad(/^[0-9a-f]*$/.test(key) ? `Expected 64 hex digits, got ${digits}.` : 'Expected 64 hex digits (0-9, a-f) only.');
  return ok(key);
}

/** Keys, one per line (or separated by spaces or commas), each listed once. */
export function readKeyList(raw: string, options: { min: number; max: number; what: string }): Reading<string[]> {
  const keys = raw.split(/[\s,]+/).map(clean).filter(Boolean);
  if (keys.length < options.min) return bad(options.min === 1 ? `Enter at least one ${options.what}.` : `Enter at least ${options.min} ${options.what}s.`);
  if (keys.length > options.max) return bad(`At most ${options.max} ${options.what}s, got ${keys.length}.`);
  for (const [i, k] of keys.entries()) {
    const digits = k.length;
    if (!isHex(k, 32)) return bad(`Line ${i + 1}: expected 64 hex digits, got ${/^[0-9a-f]*$/.test(k) ? `${digits}` : 'other characters'}.`);
  }
  if (new Set(keys).size !== keys.length) return bad('A key is listed twice.');
  return ok(keys);
}

/** A whole number in [min, max]; with `optional`, empty text is null. */
export function readInt(raw: string, options: { min: number; max: number; what: string; optional?: boolean }): Reading<number | null> {
  const text = raw.trim();
  if (text === '' && options.optional) return ok(null);
  if (!/^[0-9]{1,16}$/.test(text)) return bad(`Enter ${options.what}: a whole number.`);
  const n = Number(text);
  if (n < options.min || n > options.max) return bad(`Expected ${formatNumber(options.min)} to ${formatNumber(options.max)}, got ${formatNumber(n)}.`);
  return ok(n);
}

/** A whole number that must be there (see readInt). */
export function readRequiredInt(raw: string, options: { min: number; max: number; what: string }): Reading<number> {
  const r = readInt(raw, options);
  return r.ok && r.value === null ? bad(`Enter ${options.what}: a whole number.`) : (r as Reading<number>);
}
