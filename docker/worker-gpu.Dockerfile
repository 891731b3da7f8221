# syntax=docker/dockerfile:1
# The GPU worker image: consumes the search queue and trains on @tensorflow/tfjs-node-gpu 4.22, which binds
# libtensorflow 2.9.1 built for CUDA 11.2 and cuDNN 8.1; hence the CUDA 11.2 base, whatever the host's driver (a
# newer driver runs it: CUDA keeps backward compatibility). Needs the NVIDIA Container Toolkit on the host.
# Build from the repository root:
#   docker build -f docker/worker-gpu.Dockerfile -t vitnas/worker-gpu .

ARG NODE_IMAGE=node:24-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04

# Node 24 comes from the official image: its binary needs glibc 2.28, and Ubuntu 20.04 has 2.31.
FROM ${NODE_IMAGE} AS node

FROM ${CUDA_IMAGE} AS base
# The npm the lock file is written with, so `npm ci` and the install-script approval behave as in development.
ARG NPM_VERSION=11.19.1
ENV DEBIAN_FRONTEND=noninteractive \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
COPY --from=node /usr/local/include/node /usr/local/include/node
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && npm install -g npm@${NPM_VERSION} \
 && npm cache clean --force \
 && node --version && npm --version
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

# Installed on the CUDA base itself, not on the Node image: a native addon built here must find the same glibc at
# run time. The compiler is only used when no prebuilt tfjs-node-gpu addon matches this Node.
FROM manifests AS prod-deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Every other dependency installs without its install script (as in the CPU images).
RUN npm ci --ignore-scripts --omit=dev
# The one install script this image needs, approved on purpose: tfjs-node-gpu's downloads libtensorflow 2.9.1
# (GPU) and its Node addon. `approve` pins the installed version in this image's package.json; `rebuild` runs the
# script. Loading the module then proves the addon links (CUDA itself is loaded lazily, so no GPU is needed here):
# a failed download fails the build instead of the first search.
RUN npm install-scripts approve @tensorflow/tfjs-node-gpu \
 && npm rebuild @tensorflow/tfjs-node-gpu \
 && node -e "require('@tensorflow/tfjs-node-gpu')" \
 && npm cache clean --force

# The Prisma client, generated from prisma/schema.prisma (never committed); Prisma reads packages/db/tsconfig.json,
# which extends the root one.
FROM prod-deps AS build
COPY tsconfig.base.json tsconfig.json ./
COPY prisma prisma
COPY packages/db packages/db
RUN npm run generate -w @vitnas/db

FROM base AS runtime
ENV NODE_ENV=production \
    NAS_BACKEND=tensorflow \
    ARTIFACTS_DIR=/data/artifacts \
    WORKER_METRICS_PORT=9464 \
    TF_FORCE_GPU_ALLOW_GROWTH=true \
    TF_CPP_MIN_LOG_LEVEL=1 \
    CUDA_CACHE_MAXSIZE=2147483648
# The same uid as the `node` user of the other images, so the shared artifact volume is writable from all of them.
RUN useradd --create-home --uid 1000 --user-group --shell /bin/sh node \
 && mkdir -p /data/artifacts \
 && chown node:node /data/artifacts
COPY --from=prod-deps /app ./
COPY tsconfig.base.json tsconfig.json ./
COPY packages packages
COPY apps apps
COPY prisma prisma
COPY docker/probe.mjs docker/
COPY --from=build /app/packages/db/src/generated packages/db/src/generated
USER node
EXPOSE 9464
# Metrics are served once the backend has passed its start-up self-test. The first start on a GPU newer than
# libtensorflow 2.9's kernels JIT-compiles them from PTX, which takes minutes: hence the long start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
  CMD node docker/probe.mjs "http://127.0.0.1:${WORKER_METRICS_PORT}/metrics"
ENTRYPOINT ["tini", "--"]
CMD ["node", "--import", "tsx", "apps/worker/src/main.ts"]
