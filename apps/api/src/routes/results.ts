// /v1/searches/:id/...: the front, candidates, scatter, fronts per generation, training metrics, one architecture and
// its export bundle.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type as T } from "@sinclair/typebox";
import type { ArtifactRecord, Db } from "@vitnas/db";
import { type ArtifactReader, bundleArchive } from "../bundle-archive";
import { convertBundle, type ModelFormat, UnconvertibleBundleError } from "../bundle-export";
import { ApiError } from "../errors";
import { fileResponse } from "../report-schemas";
import {
  Architecture,
  ArchParams,
  Candidate,
  CandidatesQuery,
  DownloadQuery,
  errorResponses,
  Fronts,
  IdParams,
  MetricSeries,
  MetricsQuery,
  Page,
  ParetoPoint,
  Scatter,
  ScatterQuery,
} from "../schemas";
import { requestSearch } from "../search-lookup";
import { architecture, currentFront, scatter, withMeasuredFigures } from "../search-results";

export interface ResultRoutesOptions {
  db: Db;
  artifacts: ArtifactReader;
}

export const resultRoutes: FastifyPluginAsyncTypebox<ResultRoutesOptions> = async (app, { db, artifacts }) => {
  /** The bundle converted to ONNX or safetensors, named `<archId>[.trained].<format>`. */
  async function converted(archId: string, files: ArtifactRecord[], format: ModelFormat, trained: boolean) {
    const fileName = `${archId.replace(/[^A-Za-z0-9._-]/g, "_")}${trained ? ".trained" : ""}.${format}`;
    try {
      return { ...(await convertBundle(artifacts, archId, files, format, fileName)), fileName };
    } catch (err) {
      if (err instanceof UnconvertibleBundleError) throw new ApiError(422, "unprocessable", err.message);
      throw err;
    }
  }

  app.get(
    "/:id/pareto",
    {
      schema: {
        summary: "The Pareto front (accuracy up, MACs down), by increasing MACs",
        description:
          "Each point carries its batch-1 latency in ONNX Runtime when the search measured it (`search.latency`), " +
          "and architectures the final phase trained alone carry its test accuracy, epochs and mode.",
        tags: ["results"],
        params: IdParams,
        response: { 200: T.Array(ParetoPoint), ...errorResponses },
      },
    },
    async (request) => {
      const searchId = requestSearch(request).id;
      return withMeasuredFigures(db, searchId, await currentFront(db, searchId));
    },
  );

  app.get(
    "/:id/candidates",
    {
      schema: {
        summary: "Evaluated candidates, filtered and sorted, keyset-paged",
        description: "The most accurate architecture under N MACs: `?maxMacs=N&sort=-accuracy&limit=1`.",
        tags: ["results"],
        params: IdParams,
        querystring: CandidatesQuery,
        response: { 200: Page(Candidate), ...errorResponses },
      },
    },
    async (request) => {
      const searchId = requestSearch(request).id;
      const q = request.query;
      const page = await db.candidates.query({
        searchId,
        limit: q.limit ?? 50,
        sort: q.sort ?? "-accuracy",
        withArch: q.arch ?? true,
        ...(q.maxMacs !== undefined ? { maxMacs: q.maxMacs } : {}),
        ...(q.minAccuracy !== undefined ? { minAccuracy: q.minAccuracy } : {}),
        ...(q.maxParams !== undefined ? { maxParams: q.maxParams } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      return { ...page, items: await withMeasuredFigures(db, searchId, page.items) };
    },
  );

  app.get(
    "/:id/scatter",
    {
      schema: {
        summary: "Every front point plus a downsampled set of the other candidates, at most maxPoints in all",
        tags: ["results"],
        params: IdParams,
        querystring: ScatterQuery,
        response: { 200: Scatter, ...errorResponses },
      },
    },
    async (request) => scatter(db, requestSearch(request).id, request.query.maxPoints ?? 5000),
  );

  app.get(
    "/:id/fronts",
    {
      schema: {
        summary: "The front after each generation, with its hypervolume",
        tags: ["results"],
        params: IdParams,
        response: { 200: Fronts, ...errorResponses },
      },
    },
    async (request) => ({ items: await db.fronts.list(requestSearch(request).id) }),
  );

  app.get(
    "/:id/metrics",
    {
      schema: {
        summary: "Training loss and images/s over time, averaged into at most maxPoints points",
        tags: ["results"],
        params: IdParams,
        querystring: MetricsQuery,
        response: { 200: MetricSeries, ...errorResponses },
      },
    },
    async (request) => {
      const { maxPoints = 500, phase = "supernet" } = request.query;
      const series = await db.progress.metricSeries(requestSearch(request).id, maxPoints, phase);
      return { items: series.map((point) => ({ ...point, at: point.at.toISOString() })) };
    },
  );

  app.get(
    "/:id/architectures/:archId",
    {
      schema: {
        summary:
          "One evaluated architecture: its vit-arch/v1 document and figures (the final phase's when it trained it)",
        tags: ["results"],
        params: ArchParams,
        response: { 200: Architecture, ...errorResponses },
      },
    },
    async (request) => {
      const found = await architecture(db, requestSearch(request).id, request.params.archId);
      if (!found)
        throw new ApiError(404, "not_found", `architecture ${request.params.archId} not found in this search`);
      return found;
    },
  );

  app.get(
    "/:id/architectures/:archId/download",
    {
      schema: {
        summary:
          "The architecture's export bundle as a .tar.gz, or its model as ONNX or safetensors, with the SHA-256 in " +
          "X-Content-SHA256 and Digest",
        description:
          "The model the final phase trained alone when it trained this architecture, else the weights inherited " +
          "from the super-network; `?weights=` chooses. X-Weights says which one was sent. `?format=onnx` or " +
          "`safetensors` converts the bundle on request (a file named `<archId>[.trained].onnx` or " +
          "`.safetensors`); 422 when its model cannot be converted.",
        tags: ["results"],
        params: ArchParams,
        querystring: DownloadQuery,
        produces: ["application/gzip", "application/octet-stream"],
        response: {
          200: fileResponse("the bundle (.tar.gz), or the model as ONNX or safetensors", [
            "application/gzip",
            "application/octet-stream",
          ]),
          400: errorResponses[400],
          404: errorResponses[404],
          401: errorResponses[401],
          422: errorResponses[400],
        },
      },
    },
    async (request, reply) => {
      const searchId = requestSearch(request).id;
      const { archId } = request.params;
      const asked = request.query.weights;
      const trained = asked === "inherited" ? [] : await db.artifacts.list(searchId, archId, "trained");
      const weights = trained.length > 0 ? "trained" : "inherited";
      const files =
        weights === "trained" || asked === "trained" ? trained : await db.artifacts.list(searchId, archId, "bundle");
      if (files.length === 0) {
        const known = await db.candidates.get(searchId, archId);
        const missing =
          asked === "trained"
            ? "no trained model (the final phase trains the job's final.top front architectures)"
            : "no export bundle (bundles are written for the final front when the search finishes)";
        throw new ApiError(
          404,
          "not_found",
          known ? `architecture ${archId} has ${missing}` : `architecture ${archId} not found in this search`,
        );
      }
      const format = request.query.format ?? "bundle";
      // A bundle is streamed from the store (bundle-archive.ts): it never sits whole in the API's memory.
      const archive = format === "bundle" ? await bundleArchive(artifacts, archId, files) : undefined;
      const sent = archive
        ? {
            ...archive,
            fileName:
              weights === "trained" ? archive.fileName.replace(/\.tar\.gz$/, ".trained.tar.gz") : archive.fileName,
            body: await artifacts.open(archive.key),
          }
        : await converted(archId, files, format as ModelFormat, weights === "trained").then((model) => ({
            ...model,
            size: model.bytes.length,
            body: model.bytes,
          }));
      return reply
        .header("content-type", archive ? "application/gzip" : "application/octet-stream")
        .header("content-disposition", `attachment; filename="${sent.fileName}"`)
        .header("content-length", sent.size)
        .header("x-weights", weights)
        .header("x-content-sha256", sent.sha256)
        .header("digest", `sha-256=${Buffer.from(sent.sha256, "hex").toString("base64")}`)
        .send(sent.body);
    },
  );
};
