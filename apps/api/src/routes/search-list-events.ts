// GET /v1/searches/events: the team's searches as Server-Sent Events (search-list-stream.ts), for lists that move on
// their own instead of polling.
import type { Db } from "@vitnas/db";
import type { FastifyPluginAsync } from "fastify";
import { fileResponse } from "../report-schemas";
import { errorResponses } from "../schemas";
import { streamSearchList } from "../search-list-stream";

export interface SearchListEventRoutesOptions {
  db: Db;
  pollMs: number;
}

export const searchListEventRoutes: FastifyPluginAsync<SearchListEventRoutesOptions> = async (app, { db, pollMs }) => {
  app.get(
    "/events",
    {
      schema: {
        summary: "The team's searches, live, as Server-Sent Events",
        description:
          "Events: `snapshot` ({ items: the newest 100 searches as GET /v1/searches lists them }), then `search` ({ search }) each time one of them changes or a new one appears, and `idle` once none is queued or running; the stream then ends (reconnect later, or after submitting).",
        tags: ["searches"],
        produces: ["text/event-stream"],
        response: {
          200: fileResponse("the events, as they come", ["text/event-stream"]),
          401: errorResponses[401],
          429: errorResponses[429],
          503: errorResponses[503],
        },
      },
    },
    async (request, reply) => {
      const { team } = request.identity!;
      await streamSearchList(request, reply, { id: team.id, name: team.name }, { db, pollMs });
    },
  );
};
