// Who is asking: an API key (`Authorization: Bearer <key>`) or a dashboard session cookie, resolved to the key and
// its team. Cookie-authenticated writes must show they come from the dashboard's own origin (CSRF).
import type { Db, KeyIdentity } from "@vitnas/db";
import { sha256 } from "@vitnas/db";
import type { FastifyReply, FastifyRequest } from "fastify";
import { LRUCache } from "lru-cache";
import { ApiError } from "./errors";

declare module "fastify" {
  interface FastifyRequest {
    identity: KeyIdentity | null;
    /** Why authentication failed; answered after the rate limit has counted the request. */
    authError: ApiError | null;
  }
}

export const SESSION_COOKIE = "vitnas_session";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface AuthOptions {
  db: Db;
  /**
   * How long a verified key is trusted without asking the database again (default 5000 ms; 0 disables): the bound
   * on a revocation whose announcement (`forget`) is lost.
   */
  cacheMs?: number;
}

/** True when the request names its own origin or carries the header only same-origin scripts can set. */
export function isSameOrigin(request: FastifyRequest): boolean {
  if (request.headers["x-requested-with"]) return true;
  const origin = request.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export interface Authenticator {
  authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Drops a revoked key (its id or prefix) from the cache at once; every key when none is named. */
  forget(key?: string): void;
}

export function createAuthenticator(options: AuthOptions): Authenticator {
  const cacheMs = options.cacheMs ?? 5000;
  // At most 10,000 keys, the least recently used leaving first, each trusted for `cacheMs`.
  const cache = new LRUCache<string, KeyIdentity>({ max: 10_000, ttl: Math.max(cacheMs, 1) });
  // Bumped by every revocation: a lookup that started before it may have read the key as live, and must not cache it.
  let revocations = 0;

  function forget(key?: string): void {
    revocations++;
    if (key === undefined) {
      cache.clear();
      return;
    }
    for (const [slot, identity] of cache.entries()) {
      if (identity.key.id === key || identity.key.prefix === key) cache.delete(slot);
    }
  }

  async function identifyKey(plaintext: string): Promise<KeyIdentity | null> {
    const slot = cacheMs > 0 ? sha256(plaintext) : "";
    const hit = cacheMs > 0 ? cache.get(slot) : undefined;
    if (hit) return hit;
    const seen = revocations;
    const identity = await options.db.apiKeys.findByPlaintext(plaintext);
    if (identity) {
      options.db.apiKeys.touch(identity.key.id).catch(() => undefined);
      if (cacheMs > 0 && seen === revocations) cache.set(slot, identity);
    }
    return identity;
  }

  /**
   * An onRequest hook: sets `request.identity`, or `request.authError` for `requireIdentity` to answer (401/403)
   * once the rate limit (keyed by key, else by address) has counted the attempt.
   */
  async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    try {
      await identify(request);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      request.authError = error;
    }
  }
  return { authenticate, forget };

  async function identify(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new ApiError(401, "unauthorized", "the Authorization header must be 'Bearer <api key>'");
      const identity = await identifyKey(match[1]!);
      if (!identity) throw new ApiError(401, "unauthorized", "the API key is not valid (unknown or revoked)");
      request.identity = identity;
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      const identity = await options.db.sessions.find(token);
      if (!identity)
        throw new ApiError(401, "unauthorized", "the session has expired or was signed out; sign in again");
      if (!SAFE_METHODS.has(request.method) && !isSameOrigin(request)) {
        throw new ApiError(
          403,
          "csrf",
          "a cookie-authenticated request that changes state must carry a same-origin Origin or an X-Requested-With header",
        );
      }
      request.identity = identity;
      return;
    }
    throw new ApiError(
      401,
      "unauthorized",
      "authentication required: send 'Authorization: Bearer <api key>' or sign in",
    );
  }
}

/** A preHandler hook: answers the authentication failure, if any. */
export async function requireIdentity(request: FastifyRequest): Promise<void> {
  if (request.authError) throw request.authError;
  if (!request.identity) throw new ApiError(401, "unauthorized", "authentication required");
}
