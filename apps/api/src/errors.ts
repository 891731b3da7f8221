// Every error leaves the API as `{ error, message, details }`: a stable code, a sentence for people, and for
// validation errors the field paths (`details: [{ path, message }]`).
import { InvalidCursorError, isConnectionError } from "@vitnas/db";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly details: unknown;
  /** Response headers the answer needs, e.g. Retry-After on a 429. */
  readonly headers: Record<string, string>;

  constructor(
    statusCode: number,
    code: string,
    message: string,
    details: unknown = [],
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  406: "not_acceptable",
  409: "conflict",
  413: "payload_too_large",
  414: "uri_too_long",
  415: "unsupported_media_type",
  422: "unprocessable",
  429: "rate_limited",
  503: "unavailable",
};

/**
 * Seconds a client should wait after the database connection was lost: long enough for a restarted or failed-over
 * Postgres to accept connections again, short enough for a poller not to notice.
 */
export const DATABASE_RETRY_AFTER_S = 2;

/** `/querystring/limit` (Ajv's instancePath) as `querystring.limit`. */
function fieldPath(context: string | undefined, instancePath: string, missing?: unknown): string {
  const parts = instancePath.split("/").filter(Boolean);
  if (typeof missing === "string") parts.push(missing);
  return [context, ...parts].filter(Boolean).join(".");
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ApiError) {
      return reply
        .headers(error.headers)
        .status(error.statusCode)
        .send({ error: error.code, message: error.message, details: error.details });
    }
    if (error instanceof InvalidCursorError) {
      return reply.status(400).send({
        error: "invalid_cursor",
        message: error.message,
        details: [{ path: "querystring.cursor", message: error.message }],
      });
    }
    // Reads were already retried once on a fresh connection (packages/db); what is left is the client's to repeat.
    if (isConnectionError(error)) {
      request.log.warn({ err: error }, "database connection lost while answering");
      return reply
        .header("retry-after", String(DATABASE_RETRY_AFTER_S))
        .status(503)
        .send({
          error: "database_unavailable",
          message: `the database connection was lost while answering this request; retry in ${DATABASE_RETRY_AFTER_S} s`,
          details: { retryAfter: DATABASE_RETRY_AFTER_S },
        });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const context = fastifyError.validationContext;
      const details: FieldIssue[] = fastifyError.validation.map((v) => ({
        path: fieldPath(context, v.instancePath, (v.params as { missingProperty?: unknown }).missingProperty),
        message: v.message ?? "is invalid",
      }));
      const message = details.map((d) => `${d.path}: ${d.message}`).join("; ");
      return reply.status(400).send({ error: "validation_error", message, details });
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply
        .status(status)
        .send({ error: CODES[status] ?? "bad_request", message: fastifyError.message, details: [] });
    }
    request.log.error({ err: error }, "request failed");
    return reply.status(Math.max(status, 500)).send({
      error: status === 503 ? "unavailable" : "internal_error",
      message: status === 503 ? fastifyError.message : "the server failed to answer this request; it has been logged",
      details: [],
    });
  });
}

export function sendNotFound(request: FastifyRequest, reply: FastifyReply) {
  return reply
    .status(404)
    .send({ error: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]}`, details: [] });
}

/**
 * Errors Fastify answers before routing (a URL whose percent-escapes are not UTF-8, e.g. an encoded lone surrogate),
 * in the API's shape rather than Fastify's default.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode ?? 400;
  const code = status >= 500 ? "internal_error" : (CODES[status] ?? "bad_request");
  const details = error.code === "FST_ERR_BAD_URL" ? [{ path: "url", message: error.message }] : [];
  return reply.status(status).send({ error: code, message: error.message, details });
}
