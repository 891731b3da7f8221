// /v1/searches/:id/report, /pareto.svg, /baselines and /baselines/:name/download: what a finished search wrote beside
// its front (docs/final-phase.md, "What it writes"). Team-scoped like every search route: another team's search
// answers 404.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Db, SearchRecord } from "@vitnas/db";
import type { FastifyReply } from "fastify";
import { type ArtifactReader, bundleArchive } from "../bundle-archive";
import { BaselineParams, Baselines, fileResponse, ReportQuery } from "../report-schemas";
import { errorResponses, IdParams } from "../schemas";
import { requestSearch } from "../search-lookup";
import { baselineBundle, baselines, type ReportFormat, reportFile } from "../search-report";

export interface ReportRoutesOptions {
  db: Db;
  artifacts: ArtifactReader;
}

/**
 * Both files are rendered by browsers when opened, and the report holds the submitter's job name: the policy lets
 * them draw (the chart's inline styles) and nothing else, no script, no request, sandboxed as an opaque origin, and
 * nosniff keeps a browser from reading them as another type.
 */
const FILE_HEADERS: Record<ReportFormat, Record<string, string>> = {
  markdown: {
    "content-type": "text/markdown; charset=utf-8",
    "content-security-policy": "default-src 'none'; sandbox",
  },
  svg: {
    "content-type": "image/svg+xml",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  },
};

const FILE_DESCRIPTION =
  "Written when the search finishes: 404 while it is queued or running, and for a search that ended without one. " +
  "X-Content-SHA256 is the file's digest.";

export const reportRoutes: FastifyPluginAsyncTypebox<ReportRoutesOptions> = async (app, { db, artifacts }) => {
  const sendFile = async (reply: FastifyReply, search: SearchRecord, format: ReportFormat) => {
    const { bytes, sha256 } = await reportFile(db, artifacts, search, format);
    const name = format === "svg" ? "pareto.svg" : "report.md";
    return reply
      .headers(FILE_HEADERS[format])
      .header("x-content-type-options", "nosniff")
      .header("content-disposition", `inline; filename="${search.id}-${name}"`)
      .header("x-content-sha256", sha256)
      .send(bytes);
  };

  app.get(
    "/:id/report",
    {
      schema: {
        summary: "The search's report: report.md, or its chart pareto.svg with ?format=svg",
        description:
          "report.md: what was searched, the front with the trained models' test accuracy, the baselines and " +
          "whether a trained front architecture beats every baseline at equal or higher MACs; its image link " +
          `(pareto.svg) resolves to GET /v1/searches/{id}/pareto.svg. ${FILE_DESCRIPTION}`,
        tags: ["results"],
        params: IdParams,
        querystring: ReportQuery,
        produces: ["text/markdown", "image/svg+xml"],
        response: {
          200: fileResponse("report.md, or pareto.svg", ["text/markdown", "image/svg+xml"]),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => sendFile(reply, requestSearch(request), request.query.format ?? "markdown"),
  );

  app.get(
    "/:id/pareto.svg",
    {
      schema: {
        summary: "The report's chart: every candidate, the front, the trained models and the baselines (SVG)",
        description: `The same file as /report?format=svg, where report.md's image link points. ${FILE_DESCRIPTION}`,
        tags: ["results"],
        params: IdParams,
        produces: ["image/svg+xml"],
        response: { 200: fileResponse("pareto.svg", ["image/svg+xml"]), ...errorResponses },
      },
    },
    async (request, reply) => sendFile(reply, requestSearch(request), "svg"),
  );

  app.get(
    "/:id/baselines",
    {
      schema: {
        summary: "The job's baselines trained alone and measured on the test split, with their architectures",
        description:
          "The reference architectures the job's `baselines` section lists (the space's uniform ones, the job's " +
          "own), trained with the final phase's recipe; compare them with the front's trained test accuracy " +
          "(`testAccuracy` on /pareto) at equal MACs. Each has its bundle's download URL.",
        tags: ["results"],
        params: IdParams,
        response: { 200: Baselines, ...errorResponses },
      },
    },
    async (request) => {
      const search = requestSearch(request);
      return { items: await baselines(db, search.id) };
    },
  );

  app.get(
    "/:id/baselines/:name/download",
    {
      schema: {
        summary: "A baseline's trained bundle as a .tar.gz, with its SHA-256 in X-Content-SHA256 and Digest",
        description: "The same files as an architecture's bundle, under a directory named after the baseline.",
        tags: ["results"],
        params: BaselineParams,
        produces: ["application/gzip"],
        response: {
          200: fileResponse("the baseline's bundle", ["application/gzip"]),
          400: errorResponses[400],
          404: errorResponses[404],
          401: errorResponses[401],
        },
      },
    },
    async (request, reply) => {
      const search = requestSearch(request);
      const { baseline, files } = await baselineBundle(db, search.id, request.params.name);
      const archive = await bundleArchive(artifacts, baseline.bundle.split("/").at(-1)!, files);
      return reply
        .header("content-type", "application/gzip")
        .header("content-disposition", `attachment; filename="${archive.fileName}"`)
        .header("content-length", archive.size)
        .header("x-arch-id", baseline.id)
        .header("x-content-sha256", archive.sha256)
        .header("digest", `sha-256=${Buffer.from(archive.sha256, "hex").toString("base64")}`)
        .send(await artifacts.open(archive.key));
    },
  );
};
