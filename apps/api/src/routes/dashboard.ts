// The dashboard's built files at `/`, with the single-page-app fallback: any other GET that is not an API path gets
// index.html. Without a build, `/` says how to make one.
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";
import { sendNotFound } from "../errors";

export interface DashboardRoutesOptions {
  dir: string;
}

const API_PATHS = /^\/(v1|docs|openapi\.json|healthz|readyz|metrics)(\/|$|\?)/;

export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (app, { dir }) => {
  const built = existsSync(join(dir, "index.html"));
  if (!built) {
    const message = `the dashboard is not built: run \`npm run build -w @vitnas/dashboard\` (expected ${join(dir, "index.html")})`;
    app.get("/", { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) =>
      reply.status(503).send({ error: "dashboard_not_built", message, details: [] }),
    );
    app.setNotFoundHandler(sendNotFound);
    return;
  }
  await app.register(fastifyStatic, { root: dir, prefix: "/", wildcard: true, index: ["index.html"] });
  app.setNotFoundHandler((request, reply) => {
    if ((request.method === "GET" || request.method === "HEAD") && !API_PATHS.test(request.url)) {
      return reply.type("text/html").sendFile("index.html");
    }
    return sendNotFound(request, reply);
  });
};
