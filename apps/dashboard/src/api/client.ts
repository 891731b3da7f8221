// The one way the dashboard talks to the API: @vitnas/api-client's openapi-fetch client, typed by the API's own
// OpenAPI document (docs/api-contract.md), same-origin with the session cookie, the CSRF header the API requires on
// cookie-authenticated writes, and every failure turned into an ApiError carrying the API's own field messages.
import { createApiClient } from "@vitnas/api-client";

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

export const api = createApiClient("", {
  credentials: "same-origin",
  headers: { Accept: "application/json", "X-Requested-With": "fetch" },
});

/** What an openapi-fetch call resolves to: the answer's body, or the API's error body. */
interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's body, or an ApiError saying what the API (or the network) said. */
export async function answer<T>(call: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await call;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "network", `The API could not be reached (${String(cause)}).`);
  }
  if (!outcome.response.ok) throw errorFrom(outcome.response.status, outcome.error);
  return outcome.data as T;
}

/** Sends a file as the request's bytes (a dataset upload), answering like `answer`. */
export async function upload<T>(path: string, file: Blob, signal?: AbortSignal): Promise<T> {
  const send = fetch(path, {
    method: "POST",
    headers: { Accept: "application/json", "X-Requested-With": "fetch", "Content-Type": "application/octet-stream" },
    credentials: "same-origin",
    body: file,
    signal: signal ?? null,
  }).then(async (response) => {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: the text itself says what went wrong.
    }
    return response.ok ? { data: body as T, response } : { error: body, response };
  });
  return answer(send);
}

function errorFrom(status: number, payload: unknown): ApiError {
  const text = typeof payload === "string" ? payload : "";
  const body = (typeof payload === "object" && payload !== null ? payload : {}) as {
    error?: unknown;
    message?: unknown;
    details?: unknown;
  };
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

/** A query string from the defined values only, for the dashboard's own links and download URLs. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
