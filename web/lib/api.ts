/**
 * JSON requests from a page to the node that served it. Every page talks to
 * this node only (the Content-Security-Policy allows no other origin).
 *
 * A non-2xx answer is an `ApiError` carrying the node's error code and
 * sentence; no answer at all is `NODE_UNREACHABLE`. `fetchAnswer` is for the
 * few reads whose error answers carry data a page shows (DID resolution: 410
 * and the errors are resolution results too).
 */

/** A failed API call: the HTTP status (0: no answer) and the node's error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const UNREACHABLE = 'The node did not answer. Check your connection and try again.';

/** `{ status, body }` for a 2xx answer; throws ApiError otherwise. */
export async function request<T>(path: string, init?: { method?: 'GET' | 'POST'; body?: string }): Promise<{ status: number; body: T }> {
  const { status, body } = await fetchAnswer<T & { code?: string; message?: string }>(path, init);
  if (status === 0) throw new ApiError(0, 'NODE_UNREACHABLE', UNREACHABLE);
  if (status < 200 || status > 299) {
    throw new ApiError(status, typeof body?.code === 'string' ? body.code : `HTTP_${status}`, typeof body?.message === 'string' ? body.message : `the node answered ${status}`);
  }
  return { status, body: body as T };
}

/** GET a JSON document (see `request`). */
export async function getJson<T>(path: string): Promise<T> {
  return (await request<T>(path)).body;
}

/** Any answer, whatever its status: `{ status: 0 }` when the node did not answer; the body is undefined when it is not JSON. */
export async function fetchAnswer<T>(path: string, init?: { method?: 'GET' | 'POST'; body?: string }): Promise<{ status: number; body: T | undefined }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init?.method ?? 'GET',
      headers: { accept: 'application/json', ...(init?.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init?.body !== undefined ? { body: init.body } : {}),
    });
  } catch {
    return { status: 0, body: undefined };
  }
  const body = (await response.json().catch(() => undefined)) as T | undefined;
  return { status: response.status, body };
}

/** The value `fallback` for a 404 answer; any other error is thrown on. */
export const notFoundAs =
  <T>(fallback: T) =>
  (e: unknown): T => {
    if (e instanceof ApiError && e.status === 404) return fallback;
    throw e;
  };

/** The sentence to show for an error caught on a page. */
export function errorText(e: unknown, fallback = 'the page could not be shown'): string {
  return e instanceof ApiError ? e.message : fallback;
}
