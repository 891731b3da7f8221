// One rule for every route, so no schema can forget it: the path parameters, query string and body of a request
// carry no value Postgres cannot store or compare. Strings with U+0000 (text and jsonb reject it) or lone surrogates
// (not UTF-8), and numbers that are not finite, are answered 400 naming the field, before any handler queries.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError, type FieldIssue } from "./errors";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function stringIssue(value: string): string | null {
  if (value.includes("\u0000")) return "must not contain the NUL character (U+0000)";
  if (LONE_SURROGATE.test(value)) return "must not contain a lone surrogate (malformed UTF-16)";
  return null;
}

/** The first unstorable value in `root`, walked without recursion (a deeply nested JSON body must not overflow). */
function findUnstorable(root: unknown, rootPath: string): FieldIssue | null {
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === "string") {
      const message = stringIssue(value);
      if (message) return { path, message };
    } else if (typeof value === "number") {
      // Ajv coerces "Infinity" and "1e400" to Infinity and then skips minimum/maximum for non-finite numbers.
      if (!Number.isFinite(value)) return { path, message: "must be a finite number" };
    } else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        const childPath = `${path}.${key}`;
        const message = stringIssue(key);
        if (message) return { path: childPath, message: `(the name) ${message}` };
        stack.push([child, childPath]);
      }
    }
  }
  return null;
}

/**
 * Cursors are opaque base64url JSON whose values reach SQL too: a forged one could smuggle NUL past the check above.
 * What does not decode is left to the repository, which answers `invalid_cursor`.
 */
function cursorContents(cursor: unknown): unknown {
  if (typeof cursor !== "string") return undefined;
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

function check(request: FastifyRequest): void {
  const query = request.query as Record<string, unknown> | undefined;
  const issue =
    findUnstorable(request.params, "params") ??
    findUnstorable(query, "querystring") ??
    findUnstorable(request.body, "body");
  if (issue) throw new ApiError(400, "validation_error", `${issue.path}: ${issue.message}`, [issue]);
  if (findUnstorable(cursorContents(query?.cursor), "")) {
    const message = "cursor is not one this API returned";
    throw new ApiError(400, "invalid_cursor", message, [{ path: "querystring.cursor", message }]);
  }
}

export function registerInputGuard(app: FastifyInstance): void {
  // preHandler, after schema validation, so the numbers checked are the coerced ones; it still runs before the
  // handlers, and the root's hooks before any scope's.
  app.addHook("preHandler", async (request) => check(request));
}
