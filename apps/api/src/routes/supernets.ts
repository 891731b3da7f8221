// /v1/supernets: the team's trained super-networks, which its searches can search on without training
// (docs/supernet-reuse.md). Another team's super-network answers 404, as its searches do.

import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Static } from "@sinclair/typebox";
import type { Db, SupernetRecord } from "@vitnas/db";
import { ApiError } from "../errors";
import { errorResponses, IdParams, Page } from "../schemas";
import { ListSupernetsQuery, SupernetView } from "../supernet-schemas";

export interface SupernetRoutesOptions {
  db: Db;
}

const view = (s: SupernetRecord): Static<typeof SupernetView> => ({
  id: s.id,
  searchId: s.searchId,
  searchName: s.searchName,
  spaceHash: s.spaceHash,
  datasetFingerprint: s.datasetFingerprint,
  recipeHash: s.recipeHash,
  checkpoint: s.checkpoint,
  epochs: s.epochs,
  largest: s.largest,
  smallest: s.smallest,
  createdAt: s.createdAt.toISOString(),
});

export const supernetRoutes: FastifyPluginAsyncTypebox<SupernetRoutesOptions> = async (app, { db }) => {
  app.get(
    "/",
    {
      schema: {
        summary: "List the team's trained super-networks, newest first",
        description:
          "Each search that trained a super-network records it when its training ends. A job's " +
          '`supernet: { "from": "<id>" }` (or the id of the search that trained it) searches on one without training; ' +
          '`supernet.reuse: "auto"` picks the newest on the same space, dataset and recipe.',
        tags: ["supernets"],
        querystring: ListSupernetsQuery,
        response: { 200: Page(SupernetView), ...errorResponses },
      },
    },
    async (request) => {
      const { limit = 20, cursor } = request.query;
      const page = await db.supernets.list({ teamId: request.identity!.team.id, limit, ...(cursor ? { cursor } : {}) });
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.get(
    "/:id",
    {
      schema: {
        summary: "A trained super-network of the team",
        tags: ["supernets"],
        params: IdParams,
        response: { 200: SupernetView, ...errorResponses },
      },
    },
    async (request) => {
      const found = await db.supernets.get(request.params.id, request.identity!.team.id);
      if (!found) throw new ApiError(404, "not_found", `super-network ${request.params.id} not found`);
      return view(found);
    },
  );
};
