/** Hooks the pages share: data that loads, and the hash route of a page. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Load again; the answer replaces the data only if no newer load started since. */
  reload(): Promise<void>;
}

/**
 * Load with `load()` when the component mounts and whenever `deps` change.
 * A slow answer for old deps never paints over a newer one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const token = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  const reload = useCallback(async () => {
    const mine = ++token.current;
    try {
      const data = await loader.current();
      if (mine === token.current) setState({ data, error: undefined, loading: false });
    } catch (error) {
      if (mine === token.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, []);
  useEffect(() => {
    setState({ data: undefined, error: undefined, loading: true });
    void reload();
  }, deps);
  return { ...state, reload };
}

/** The part of the address after "#/", split at "/" and decoded; re-renders on every change. */
export function useHashRoute(): string[] {
  const parse = () =>
    location.hash
      .replace(/^#\/?/, '')
      .split('/')
      .filter(Boolean)
      .map((part) => {
        try {
          return decodeURIComponent(part);
        } catch {
          return part;
        }
      });
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const changed = () => setRoute(parse());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/**
 * After a navigation inside the page, once the new view has drawn its
 * heading: scroll to the top and move focus to the heading, so a screen
 * reader announces where the person arrived. `arrived` is false while the
 * view is still loading.
 */
export function useFocusHeadingOnArrival(navigation: number, arrived: boolean): void {
  const done = useRef(0);
  useEffect(() => {
    if (!arrived || navigation === 0 || done.current === navigation) return;
    done.current = navigation;
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>('#app h1')?.focus({ preventScroll: true });
  }, [navigation, arrived]);
}
