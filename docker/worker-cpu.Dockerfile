# syntax=docker/dockerfile:1
# The CPU worker image: consumes the search queue and trains on @tensorflow/tfjs-node 4.22 (libtensorflow 2.9.1's
# native CPU kernels, which use every core) where it installs, else on TensorFlow.js's WebAssembly backend (SIMD,
# XNNPACK), which needs no native build and runs on any x86-64 or arm64 host. Build from the repository root:
#   docker build -f docker/worker-cpu.Dockerfile -t vitnas/worker-cpu .

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
# The npm the lock file is written with, so `npm ci` reads it exactly as in development.
ARG NPM_VERSION=11.19.1
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
RUN npm install -g npm@${NPM_VERSION} && npm cache clean --force
WORKDIR /app

# Only the manifests: the install layer below is rebuilt when a package.json or the lock file changes, not on every
# source edit. Every workspace is listed, or `npm ci` finds the lock file out of sync.
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
# needs its install script here but tfjs-node's, run on its own below; tfjs-node-gpu's libtensorflow belongs to the
# GPU image only (left unbuilt here), and Prisma's native engines are replaced by the WebAssembly schema engine.
FROM manifests AS prod-deps
RUN npm ci --ignore-scripts --omit=dev && npm cache clean --force
# The one install script this image runs, approved on purpose: tfjs-node's downloads libtensorflow 2.9.1 (CPU) and
# its Node addon (built from source with the compiler where no prebuilt one matches this Node and platform), and
# loading the module proves the addon links. Where it cannot install (no download, no prebuilt libtensorflow for the
# platform), the build goes on without it and the worker trains on wasm: NAS_BACKEND below lists both, and the
# worker's start-up line and its self-test metric say which one runs (docs/deployment.md).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN npm install-scripts approve @tensorflow/tfjs-node \
 && if npm rebuild @tensorflow/tfjs-node && node -e "require('@tensorflow/tfjs-node')"; then \
      echo "@tensorflow/tfjs-node installed: the worker trains on native TensorFlow CPU kernels"; \
    else \
      echo "@tensorflow/tfjs-node could not be installed: the worker trains on wasm" >&2; \
    fi \
 && npm cache clean --force

# The Prisma client, generated from prisma/schema.prisma (never committed); the Prisma CLI is a production
# dependency of @vitnas/db, so no development install is needed. Prisma reads packages/db/tsconfig.json, which
# extends the root one.
FROM prod-deps AS build
COPY tsconfig.base.json tsconfig.json ./
COPY prisma prisma
COPY packages/db packages/db
RUN npm run generate -w @vitnas/db

FROM base AS runtime
# tini as PID 1 forwards SIGTERM to Node: the worker then checkpoints its searches and puts them back in the queue.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    NAS_BACKEND=tensorflow,wasm \
    ARTIFACTS_DIR=/data/artifacts \
    WORKER_METRICS_PORT=9464
COPY --from=prod-deps /app ./
COPY tsconfig.base.json tsconfig.json ./
COPY packages packages
COPY apps apps
COPY prisma prisma
COPY docker/probe.mjs docker/
COPY --from=build /app/packages/db/src/generated packages/db/src/generated
# The artifact store is a volume shared with the API; created here so a fresh volume belongs to `node`.
RUN mkdir -p /data/artifacts && chown node:node /data/artifacts
USER node
EXPOSE 9464
# Metrics are served once the backend has passed its start-up self-test, so "healthy" means ready to train.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node docker/probe.mjs "http://127.0.0.1:${WORKER_METRICS_PORT}/metrics"
ENTRYPOINT ["tini", "--"]
CMD ["node", "--import", "tsx", "apps/worker/src/main.ts"]
