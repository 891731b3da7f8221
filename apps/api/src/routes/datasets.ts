// /v1/datasets: a team's uploaded datasets. POST takes the archive's bytes as the request body (any content type but
// JSON: application/gzip, application/zip, application/octet-stream...), streamed to the artifact store, checked and
// answered with what it holds; GET lists and reads them; DELETE removes one that no queued or running search names.
// Another team's id answers 404 (docs/datasets.md).
import type { Readable } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { DatasetBlobs } from "@vitnas/artifacts";
import { type Db, isUuid } from "@vitnas/db";
import { Dataset, DatasetList, UploadQuery } from "../dataset-schemas";
import { type DatasetLimits, datasetView, uploadDataset } from "../dataset-uploads";
import { ApiError, notFound } from "../errors";
import { ErrorBody, errorResponses, IdParams } from "../schemas";

export interface DatasetRoutesOptions {
  db: Db;
  /** Where uploads are stored; without it, uploads answer 503. */
  blobs?: DatasetBlobs;
  limits: DatasetLimits;
}

export const datasetRoutes: FastifyPluginAsyncTypebox<DatasetRoutesOptions> = async (app, { db, blobs, limits }) => {
  // The body is streamed by the handler, not parsed: JSON keeps its parser (and is refused below).
  app.addContentTypeParser("*", (_request, _payload, done) => done(null));

  const owned = async (teamId: string, id: string) => {
    const dataset = isUuid(id) ? await db.datasets.get(id, teamId) : undefined;
    if (!dataset) throw notFound(`dataset ${id}`);
    return dataset;
  };

  app.post(
    "/",
    {
      schema: {
        summary: "Upload a dataset",
        description:
          "Body: the bytes of a tar.gz, tar or zip of class folders (optionally train/ and test/), IDX files, CIFAR-10 " +
          "or CIFAR-100 binary files, NumPy .npy arrays, or an .npz. Unpacked and checked before it is accepted; the " +
          "same bytes uploaded again answer 200 with the same dataset. 413 beyond MAX_DATASET_UPLOAD_BYTES, " +
          "MAX_DATASET_FILES or MAX_DATASET_UNPACKED_BYTES; 400 naming the problem for anything else refused.",
        tags: ["datasets"],
        querystring: UploadQuery,
        consumes: ["application/gzip", "application/zip", "application/x-tar", "application/octet-stream"],
        response: { 200: Dataset, 201: Dataset, 413: ErrorBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!blobs) throw new ApiError(503, "unavailable", "dataset uploads are not configured on this server");
      if (request.body !== undefined) {
        throw new ApiError(400, "invalid_dataset", "send the archive's bytes as the body, not JSON");
      }
      const declared = Number(request.headers["content-length"]);
      if (Number.isFinite(declared) && declared > limits.uploadBytes) {
        reply.header("connection", "close");
        throw new ApiError(
          413,
          "payload_too_large",
          `the upload exceeds MAX_DATASET_UPLOAD_BYTES (${limits.uploadBytes} bytes)`,
          {
            limit: "MAX_DATASET_UPLOAD_BYTES",
            max: limits.uploadBytes,
          },
        );
      }
      const who = request.identity!;
      const { name } = request.query;
      try {
        const { dataset, created } = await uploadDataset(db, blobs, limits, who.team.id, request.raw as Readable, name);
        if (created) {
          await db.audit
            .record({
              action: "dataset.uploaded",
              teamId: who.team.id,
              apiKeyId: who.key.id,
              details: { id: dataset.id, sha256: dataset.sha256 },
            })
            .catch((err: unknown) => request.log.error({ err }, "audit entry not written"));
        }
        return reply.code(created ? 201 : 200).send(datasetView(dataset));
      } catch (err) {
        if (err instanceof ApiError && err.statusCode === 413) reply.header("connection", "close");
        throw err;
      }
    },
  );

  app.get(
    "/",
    {
      schema: {
        summary: "List the team's datasets",
        tags: ["datasets"],
        response: { 200: DatasetList, ...errorResponses },
      },
    },
    async (request) => ({ datasets: (await db.datasets.list(request.identity!.team.id)).map(datasetView) }),
  );

  app.get(
    "/:id",
    {
      schema: {
        summary: "One dataset: what its check found",
        tags: ["datasets"],
        params: IdParams,
        response: { 200: Dataset, ...errorResponses },
      },
    },
    async (request) => datasetView(await owned(request.identity!.team.id, request.params.id)),
  );

  app.get(
    "/:id/preview.png",
    {
      schema: {
        summary: "The dataset's preview: the first image of each of its first 10 classes, side by side",
        tags: ["datasets"],
        params: IdParams,
        produces: ["image/png"],
        response: { 200: { type: "string", format: "binary" }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const dataset = await owned(request.identity!.team.id, id);
      const png = await db.datasets.preview(dataset.id, request.identity!.team.id);
      if (!png) throw notFound(`dataset ${id}`);
      return reply.header("content-type", "image/png").header("cache-control", "private, max-age=3600").send(png);
    },
  );

  app.delete(
    "/:id",
    {
      schema: {
        summary: "Delete a dataset no queued or running search names",
        tags: ["datasets"],
        params: IdParams,
        response: { 204: { type: "null" }, 409: ErrorBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const who = request.identity!;
      const { id } = request.params;
      await owned(who.team.id, id);
      const active = await db.datasets.activeSearches(id, who.team.id);
      if (active.length > 0) {
        throw new ApiError(
          409,
          "conflict",
          `dataset ${id} is named by queued or running searches: ${active.join(", ")}`,
          {
            searches: active,
          },
        );
      }
      const removed = await db.datasets.remove(id, who.team.id);
      if (!removed) throw notFound(`dataset ${id}`);
      // The bytes stay while another team holds the same upload.
      if (!removed.digestInUse && blobs) await blobs.remove(removed.dataset.sha256);
      await db.audit
        .record({ action: "dataset.deleted", teamId: who.team.id, apiKeyId: who.key.id, details: { id } })
        .catch((err: unknown) => request.log.error({ err }, "audit entry not written"));
      return reply.code(204).send();
    },
  );
};
