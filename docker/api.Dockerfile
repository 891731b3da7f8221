# syntax=docker/dockerfile:1
# The API image: the REST API, which also serves the dashboard built in the `build` stage. The same image runs the
# database migrations (`npm run migrate`). Build from the repository root:
#   docker build -f docker/api.Dockerfile -t vitnas/api .

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
# The npm the lock file is written with, so `npm ci` reads it exactly as in development.
ARG NPM_VERSION=11.19.1
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
RUN npm install -g npm@${NPM_VERSION} && npm cache clean --force
WORKDIR /app

# Only the manifests: the install layers below are rebuilt when a package.json or the lock file changes, not on
# every source edit. Every workspace is listed, or `npm ci` finds the lock file out of sync.
FROM base AS manifests
COPY package.json package-lock.json ./
COPY packages/formats/package.json packages/formats/
COPY packages/datasets/package.json packages/datasets/
COPY packages/supernet/package.json packages/supernet/
COPY packages/search/package.json packages/search/
COPY packages/pipeline/package.json packages/pipeline/
COPY packages/export/package.json packages/export/
COPY packages/db/package.json packages/db/
COPY packages/queue/package.json packages/queue/
COPY packages/artifacts/package.json packages/artifacts/
COPY packages/api-client/package.json packages/api-client/
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/cli/package.json apps/cli/
COPY apps/dashboard/package.json apps/dashboard/
COPY apps/server/package.json apps/server/

# --ignore-scripts: native code comes as prebuilt optional packages (sharp, esbuild, msgpackr), so no dependency
# needs its install script here, and the ones that download at install time (tfjs-node-gpu's libtensorflow,
# Prisma's native engines) must not: the API needs neither.
FROM manifests AS deps
RUN npm ci --ignore-scripts

# The Prisma client (generated from prisma/schema.prisma, never committed) and the dashboard's static files.
FROM deps AS build
COPY . .
RUN npm run generate -w @vitnas/db \
 && npm run build -w @vitnas/dashboard

FROM manifests AS prod-deps
RUN npm ci --ignore-scripts --omit=dev && npm cache clean --force

FROM base AS runtime
# tini as PID 1 forwards SIGTERM to Node, so `docker stop` lets the API close its connections.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ARTIFACTS_DIR=/data/artifacts
COPY --from=prod-deps /app ./
# tsx reads tsconfig.json, which extends the base one.
COPY tsconfig.base.json tsconfig.json ./
COPY packages packages
COPY apps apps
COPY prisma prisma
COPY docker/probe.mjs docker/
COPY --from=build /app/packages/db/src/generated packages/db/src/generated
COPY --from=build /app/apps/dashboard/dist apps/dashboard/dist
# The artifact store is a volume shared with the workers; created here so a fresh volume belongs to `node`.
RUN mkdir -p /data/artifacts && chown node:node /data/artifacts
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD node docker/probe.mjs "http://127.0.0.1:${PORT}/healthz"
ENTRYPOINT ["tini", "--"]
CMD ["node", "--import", "tsx", "apps/api/src/server.ts"]
