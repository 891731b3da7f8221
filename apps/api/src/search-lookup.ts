// The search a `/v1/searches/:id/...` request names, resolved once per request by a preHandler hook: the caller's
// team's search, or one 404 (another team's search answers 404 as a missing one does). Routes read it with
// `requestSearch(request)`; /compare, which names several, resolves each with `find`.
import type { Db, SearchRecord } from "@vitnas/db";
import type { FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { notFound } from "./errors";
import type { SearchCache } from "./search-cache";

declare module "fastify" {
  interface FastifyRequest {
    /** The search named by the path's `:id`, once the hook has resolved it. */
    search: SearchRecord | null;
  }
  interface FastifyContextConfig {
    /** Read the search from Postgres rather than the short-lived cache (a stream starts from its current status). */
    freshSearch?: boolean;
  }
}

export interface SearchLookup {
  /** The team's search, or the 404 every search route answers. */
  find(id: string, teamId: string, fresh?: boolean): Promise<SearchRecord>;
  /** Resolves `request.search` for a route whose path has `:id`; other routes pass untouched. */
  hook: preHandlerAsyncHookHandler;
}

export function searchLookup(db: Db, searches: SearchCache): SearchLookup {
  const find = async (id: string, teamId: string, fresh = false) => {
    const search = fresh ? await db.searches.get(id, teamId) : await searches.get(id, teamId);
    if (!search) throw notFound(`search ${id}`);
    return search;
  };
  return {
    find,
    hook: async (request) => {
      const id = (request.params as { id?: string } | undefined)?.id;
      if (id === undefined || !request.identity) return;
      request.search = await find(id, request.identity.team.id, request.routeOptions.config.freshSearch ?? false);
    },
  };
}

/** The search the hook resolved for this request. */
export function requestSearch(request: FastifyRequest): SearchRecord {
  if (!request.search) throw new Error(`no search was resolved for ${request.url}`);
  return request.search;
}
