// /v1/searches: submit, list, read, cancel, resume, and the live event stream.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Db } from "@vitnas/db";
import { NasSearchSchema } from "@vitnas/formats";
import { ApiError } from "../errors";
import { streamSearchEvents } from "../event-stream";
import { fileResponse } from "../report-schemas";
import { errorResponses, IdParams, ListSearchesQuery, Page, SearchDetail, SearchRef, SearchSummary } from "../schemas";
import type { SearchCommands } from "../search-commands";
import { requestSearch } from "../search-lookup";
import { detailView, summaryView } from "../search-views";
import type { LiveEvents } from "../services";
import { SubmittedSearch } from "../supernet-schemas";

export interface SearchRoutesOptions {
  db: Db;
  commands: SearchCommands;
  live?: LiveEvents;
  eventPollMs: number;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export const searchRoutes: FastifyPluginAsyncTypebox<SearchRoutesOptions> = async (app, options) => {
  const { db, commands, live, eventPollMs } = options;
  app.post(
    "/",
    {
      schema: {
        summary: "Submit a search",
        description:
          "Body: a nas-search/v1 job. With an Idempotency-Key header, repeating the request returns the search it created (200) instead of a new one. 422: the job's estimated cost exceeds an operator limit (`details`: the limits exceeded, the fields driving them, the estimate). 429 with Retry-After: the team has its limit of queued plus running searches (MAX_ACTIVE_SEARCHES_PER_TEAM) or of queued ones (MAX_QUEUED_SEARCHES_PER_TEAM), or its own (`details.limit` names it, `details.team` says whether it is the team's own). With `supernet.from`: 404 when it names no super-network of the team, 422 `supernet_mismatch` when it was trained on another space; `supernet` in the answer states how the job's dataset and recipe differ from its training's.",
        tags: ["searches"],
        body: NasSearchSchema,
        headers: { type: "object", properties: { "idempotency-key": { type: "string" } } },
        response: {
          201: SubmittedSearch,
          200: SubmittedSearch,
          409: errorResponses[400],
          422: errorResponses[400],
          ...errorResponses,
        },
      },
      // The job is validated by @vitnas/formats' validateJob, whose issues name the field paths users know.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const header = request.headers["idempotency-key"];
      const key = Array.isArray(header) ? header[0] : header;
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        throw new ApiError(400, "validation_error", "Idempotency-Key must be 1 to 200 printable ASCII characters", [
          { path: "headers.idempotency-key", message: "must be 1 to 200 printable ASCII characters" },
        ]);
      }
      const { search, created, supernet } = await commands.submit(request.identity!, request.body, key);
      request.log.info({ searchId: search.id, created }, created ? "search submitted" : "idempotent replay");
      return reply
        .status(created ? 201 : 200)
        .header("location", `/v1/searches/${search.id}`)
        .send({ id: search.id, status: search.status, ...(supernet ? { supernet } : {}) });
    },
  );

  app.get(
    "/",
    {
      schema: {
        summary: "List the team's searches, newest first",
        tags: ["searches"],
        querystring: ListSearchesQuery,
        response: { 200: Page(SearchSummary), ...errorResponses },
      },
    },
    async (request) => {
      const { status, limit = 20, cursor } = request.query;
      const who = request.identity!;
      const page = await db.searches.list({
        teamId: who.team.id,
        limit,
        ...(status ? { status } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return { items: page.items.map((s) => summaryView(s, who.team.name)), nextCursor: page.nextCursor };
    },
  );

  app.get(
    "/:id",
    {
      schema: {
        summary: "A search: status, progress, backend, submitter, timings, error and its job",
        tags: ["searches"],
        params: IdParams,
        response: { 200: SearchDetail, ...errorResponses },
      },
    },
    async (request) => detailView(requestSearch(request), request.identity!.team.name),
  );

  app.post(
    "/:id/cancel",
    {
      schema: {
        summary: "Cancel a queued or running search",
        tags: ["searches"],
        params: IdParams,
        response: { 200: SearchRef, 409: errorResponses[400], ...errorResponses },
      },
    },
    async (request) => {
      const search = await commands.cancel(request.identity!, request.params.id);
      return { id: search.id, status: search.status };
    },
  );

  app.post(
    "/:id/resume",
    {
      schema: {
        summary: "Re-queue a failed or cancelled search; it resumes from its checkpoints",
        tags: ["searches"],
        params: IdParams,
        response: { 200: SearchRef, 409: errorResponses[400], ...errorResponses },
      },
    },
    async (request) => {
      const search = await commands.resume(request.identity!, request.params.id);
      return { id: search.id, status: search.status };
    },
  );

  app.get(
    "/:id/events",
    {
      schema: {
        summary: "Live progress as Server-Sent Events",
        description:
          "Events: `status` ({ status, error }), `progress` ({ progress, at }, with an id to resume from via Last-Event-ID), `end` when the search has finished.",
        tags: ["searches"],
        params: IdParams,
        produces: ["text/event-stream"],
        response: { 200: fileResponse("the events, as they come", ["text/event-stream"]), ...errorResponses },
      },
      // The stream starts from the search's current status, not one cached a moment ago.
      config: { freshSearch: true },
    },
    async (request, reply) => {
      const search = requestSearch(request);
      await streamSearchEvents(request, reply, search.id, search.status, {
        db,
        ...(live ? { live } : {}),
        pollMs: eventPollMs,
      });
    },
  );
};
