// The one way the dashboard talks to the API: same-origin fetch with the session cookie, the CSRF header the API
// requires on cookie-authenticated writes, and errors turned into ApiError with the API's own field messages.

export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldIssue[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface RequestOptions {
  method?: "GET" | "POST" | "DELETE";
  /** JSON, or a file sent as its bytes (an upload). */
  body?: unknown;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", "X-Requested-With": "fetch" };
  const file = options.body instanceof Blob;
  if (options.body !== undefined) headers["Content-Type"] = file ? "application/octet-stream" : "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? null : file ? (options.body as Blob) : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "network", `The API could not be reached (${String(cause)}).`);
  }
  const text = await response.text();
  let payload: unknown = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  if (!response.ok) throw errorFrom(response.status, payload, text);
  return payload as T;
}

function errorFrom(status: number, payload: unknown, text: string): ApiError {
  const body = (payload ?? {}) as { error?: unknown; message?: unknown; details?: unknown };
  const details = Array.isArray(body.details)
    ? body.details
        .filter((d): d is { path?: unknown; message?: unknown } => typeof d === "object" && d !== null)
        .map((d) => ({ path: String(d.path ?? ""), message: String(d.message ?? "") }))
    : [];
  const message =
    typeof body.message === "string" && body.message
      ? body.message
      : text.slice(0, 200) || `The API answered ${status}.`;
  return new ApiError(status, typeof body.error === "string" ? body.error : String(status), message, details);
}

/** A query string from the defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
