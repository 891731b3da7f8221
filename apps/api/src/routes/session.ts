// Dashboard sign-in: an API key is exchanged for an httpOnly, SameSite=Strict cookie holding an opaque session token
// (the key itself never reaches the browser's storage). /v1/me says who the caller is (401 when no one);
// GET /v1/session says the same to the dashboard, for which "signed out" is a state rather than a failure.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Db } from "@vitnas/db";
import type { onRequestHookHandler } from "fastify";
import { isSameOrigin, requireIdentity, SESSION_COOKIE } from "../auth";
import { ApiError } from "../errors";
import { errorResponses, Me, SessionBody, SessionState } from "../schemas";

export interface SessionRoutesOptions {
  db: Db;
  authenticate: onRequestHookHandler;
  ttlMs: number;
  secureCookie: boolean;
}

export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (
  app,
  { db, authenticate, ttlMs, secureCookie },
) => {
  const cookie = { path: "/", httpOnly: true, sameSite: "strict", secure: secureCookie } as const;

  app.post(
    "/session",
    {
      schema: {
        summary: "Sign in with an API key; sets the session cookie",
        tags: ["session"],
        body: SessionBody,
        response: { 200: Me, 403: errorResponses[401], ...errorResponses },
      },
    },
    async (request, reply) => {
      // Signing in from another site would plant that site's chosen session in the browser (login CSRF).
      if (!isSameOrigin(request)) {
        throw new ApiError(
          403,
          "csrf",
          "sign-in must come from the dashboard's own origin (Origin or X-Requested-With header)",
        );
      }
      const identity = await db.apiKeys.findByPlaintext(request.body.apiKey);
      if (!identity) throw new ApiError(401, "unauthorized", "the API key is not valid (unknown or revoked)");
      const session = await db.sessions.create(identity, ttlMs);
      await db.audit.record({ action: "session.created", teamId: identity.team.id, apiKeyId: identity.key.id });
      reply.setCookie(SESSION_COOKIE, session.token, { ...cookie, expires: session.expiresAt });
      return identity;
    },
  );

  app.get(
    "/session",
    {
      onRequest: authenticate,
      schema: {
        summary: "Whether the caller is signed in, and as whom; 200 either way",
        tags: ["session"],
        response: { 200: SessionState, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (request.identity) return { signedIn: true, me: request.identity };
      // A cookie that names no live session is dropped, so the browser stops sending it.
      if (request.cookies[SESSION_COOKIE]) reply.clearCookie(SESSION_COOKIE, cookie);
      return { signedIn: false, me: null, ...(request.authError ? { reason: request.authError.message } : {}) };
    },
  );

  app.delete(
    "/session",
    { schema: { summary: "Sign out", tags: ["session"], response: { 204: { type: "null" } } } },
    async (request, reply) => {
      if (!isSameOrigin(request)) {
        throw new ApiError(
          403,
          "csrf",
          "sign-out must come from the dashboard's own origin (Origin or X-Requested-With header)",
        );
      }
      const token = request.cookies[SESSION_COOKIE];
      if (token) await db.sessions.delete(token);
      reply.clearCookie(SESSION_COOKIE, cookie);
      return reply.status(204).send();
    },
  );

  app.get(
    "/me",
    {
      onRequest: authenticate,
      preHandler: requireIdentity,
      schema: { summary: "The caller's team and key", tags: ["session"], response: { 200: Me, ...errorResponses } },
    },
    async (request) => request.identity!,
  );
};
