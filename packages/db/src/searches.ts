// Searches: the submitted job, its life-cycle (queued -> running -> succeeded | failed | cancelled, and back to
// queued on resume) and its latest progress. Every status change is conditional on the current status, so a worker
// finishing a search that was cancelled meanwhile changes nothing.
import type { NasSearch } from "@vitnas/formats";
import type pg from "pg";
import { decodeCursor, encodeCursor, InvalidCursorError, isUuid } from "./cursor";
import type { Prisma, PrismaClient } from "./generated/prisma/client";
import { queuePriorityOf } from "./queue-order";

export const SEARCH_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type SearchStatus = (typeof SEARCH_STATUSES)[number];
export const FINISHED_STATUSES: readonly SearchStatus[] = ["succeeded", "failed", "cancelled"];

/**
 * The latest progress event as the pipeline reported it: its `kind` (absent on events recorded before kinds existed),
 * phase, percent, epoch, generation, ETA ... (docs/deployment.md, "Progress events and cancellation").
 */
export type ProgressSnapshot = { phase: string; percent: number; kind?: string } & Record<string, unknown>;

export interface SearchSummary {
  id: string;
  teamId: string;
  name: string;
  status: SearchStatus;
  backend: string | null;
  seed: number;
  attempt: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
  error: string | null;
  progress: ProgressSnapshot | null;
  submitter: { keyId: string; keyName: string; keyPrefix: string } | null;
}

export interface SearchRecord extends SearchSummary {
  job: NasSearch;
  idempotencyKey: string | null;
}

export interface CreateSearchInput {
  teamId: string;
  apiKeyId?: string | null;
  job: NasSearch;
  idempotencyKey?: string | null;
  /** Most queued plus running searches the team may have (its own limit when set); none: no limit. */
  maxActive?: number;
  /** Most queued searches the team may have (its own limit when set); none: no limit. */
  maxQueued?: number;
}

/** The statuses that hold a place in the queue or on a worker, counted by the per-team quota. */
export const ACTIVE_STATUSES: readonly SearchStatus[] = ["queued", "running"];

/** The per-team limits a submission is checked against, by the variable that sets their default. */
export type QuotaLimit = "MAX_ACTIVE_SEARCHES_PER_TEAM" | "MAX_QUEUED_SEARCHES_PER_TEAM";

/** A team already has `max` (or more) searches counted by `limit`. */
export class TeamQuotaError extends Error {
  constructor(
    readonly limit: QuotaLimit,
    readonly count: number,
    readonly max: number,
    /** Whether `max` is the team's own limit (`nas admin set-limits`) rather than the service default. */
    readonly own: boolean,
  ) {
    const what = limit === "MAX_QUEUED_SEARCHES_PER_TEAM" ? "queued" : "queued or running";
    super(`the team has ${count} searches ${what}, the most it may have is ${max}`);
    this.name = "TeamQuotaError";
  }
}

type Client = Pick<PrismaClient, "search" | "team">;

/** Checks the team's counts against its own limits, else the defaults given; throws TeamQuotaError at the first full. */
async function requireUnderQuota(
  client: Client,
  teamId: string,
  defaults: { active?: number | undefined; queued?: number | undefined },
): Promise<void> {
  const team = await client.team.findUnique({
    where: { id: teamId },
    select: { maxActiveSearches: true, maxQueuedSearches: true },
  });
  const rows = await client.search.groupBy({
    by: ["status"],
    where: { teamId, status: { in: [...ACTIVE_STATUSES] } },
    _count: { _all: true },
  });
  const queued = rows.find((r) => r.status === "queued")?._count._all ?? 0;
  const active = rows.reduce((n, r) => n + r._count._all, 0);
  const checks: [QuotaLimit, number, number | null | undefined, number | undefined][] = [
    ["MAX_ACTIVE_SEARCHES_PER_TEAM", active, team?.maxActiveSearches, defaults.active],
    ["MAX_QUEUED_SEARCHES_PER_TEAM", queued, team?.maxQueuedSearches, defaults.queued],
  ];
  for (const [limit, count, own, fallback] of checks) {
    const max = own ?? fallback;
    if (max !== undefined && count >= max) throw new TeamQuotaError(limit, count, max, own != null);
  }
}

/** The team already runs `max` searches (its own limit when `own`, else the service default). */
export class RunningLimitError extends Error {
  constructor(
    readonly running: number,
    readonly max: number,
    readonly own: boolean,
  ) {
    super(`the team already runs ${running} searches, the most it may run at once is ${max}`);
    this.name = "RunningLimitError";
  }
}

export interface ListSearchesInput {
  teamId: string;
  status?: SearchStatus;
  limit: number;
  cursor?: string;
}

const summaryFields = {
  id: true,
  teamId: true,
  name: true,
  status: true,
  backend: true,
  seed: true,
  attempt: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  updatedAt: true,
  error: true,
  progress: true,
  apiKey: { select: { id: true, name: true, prefix: true } },
} as const satisfies Prisma.SearchSelect;

type SummaryRow = Prisma.SearchGetPayload<{ select: typeof summaryFields }>;
type FullRow = Prisma.SearchGetPayload<{ select: typeof summaryFields & { job: true; idempotencyKey: true } }>;

function toSummary(row: SummaryRow): SearchSummary {
  const { apiKey, progress, ...rest } = row;
  return {
    ...rest,
    progress: (progress as ProgressSnapshot | null) ?? null,
    submitter: apiKey ? { keyId: apiKey.id, keyName: apiKey.name, keyPrefix: apiKey.prefix } : null,
  };
}

function toRecord(row: FullRow): SearchRecord {
  return { ...toSummary(row), job: row.job as unknown as NasSearch, idempotencyKey: row.idempotencyKey };
}

const fullFields = { ...summaryFields, job: true, idempotencyKey: true } as const;

// The hottest read of the service (every status poll), in one SQL statement: Prisma's query compiler and its
// separate query for the relation cost several times the database's own time.
const GET_SQL = `
  SELECT s.id, s.team_id AS "teamId", s.name, s.status, s.backend, s.seed, s.attempt, s.created_at AS "createdAt",
         s.started_at AS "startedAt", s.finished_at AS "finishedAt", s.updated_at AS "updatedAt", s.error, s.progress,
         s.job, s.idempotency_key AS "idempotencyKey",
         k.id AS "keyId", k.name AS "keyName", k.prefix AS "keyPrefix"
  FROM searches s LEFT JOIN api_keys k ON k.id = s.api_key_id
  WHERE s.id = $1 AND ($2::uuid IS NULL OR s.team_id = $2)`;

type GetRow = Omit<SearchRecord, "submitter"> & {
  keyId: string | null;
  keyName: string | null;
  keyPrefix: string | null;
};

export function searchesRepository(prisma: PrismaClient, pool: pg.Pool) {
  const get = async (id: string, teamId?: string): Promise<SearchRecord | null> => {
    if (!isUuid(id) || (teamId !== undefined && !isUuid(teamId))) return null;
    // Named: each connection plans it once.
    const { rows } = await pool.query<GetRow>({ name: "search-get", text: GET_SQL, values: [id, teamId ?? null] });
    const row = rows[0];
    if (!row) return null;
    const { keyId, keyName, keyPrefix, ...search } = row;
    return { ...search, submitter: keyId ? { keyId, keyName: keyName!, keyPrefix: keyPrefix! } : null };
  };

  /** The status change itself, on `client` (a transaction's, to run under a team's lock); true when it happened. */
  const transitionWith = async (
    client: Client,
    id: string,
    from: readonly SearchStatus[],
    to: SearchStatus,
    extra: { teamId?: string; error?: string | null; backend?: string } = {},
  ): Promise<boolean> => {
    const now = new Date();
    const data: Prisma.SearchUpdateManyMutationInput = { status: to };
    if (to === "running") data.finishedAt = null;
    if (FINISHED_STATUSES.includes(to)) data.finishedAt = now;
    if (to === "queued") {
      data.finishedAt = null;
      data.error = null;
      data.attempt = { increment: 1 };
    }
    if (extra.error !== undefined) data.error = extra.error;
    if (extra.backend !== undefined) data.backend = extra.backend;
    const where = { id, status: { in: [...from] }, ...(extra.teamId ? { teamId: extra.teamId } : {}) };
    const out = await client.search.updateMany({ where, data });
    if (out.count === 0) return false;
    if (to === "running") await client.search.updateMany({ where: { id, startedAt: null }, data: { startedAt: now } });
    return true;
  };

  /** Moves a search to `to` when its status is one of `from`; returns the updated search, or null if it was not. */
  const transition = async (
    id: string,
    from: readonly SearchStatus[],
    to: SearchStatus,
    extra: { teamId?: string; error?: string | null; backend?: string } = {},
  ): Promise<SearchRecord | null> => {
    if (!isUuid(id)) return null;
    return (await transitionWith(prisma, id, from, to, extra)) ? get(id) : null;
  };

  /**
   * Runs `fn` in a transaction holding the team's advisory lock, so two submissions of one team cannot both see
   * room under the quota (other teams never wait on it).
   */
  const withTeamLock = <T>(teamId: string, fn: (tx: Client) => Promise<T>): Promise<T> =>
    prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`searches:${teamId}`}, 0))`;
        return fn(tx);
      },
      // A burst of one team's submissions waits in line here; each holds the lock for a few milliseconds.
      { maxWait: 10_000, timeout: 10_000 },
    );

  return {
    /**
     * Creates a queued search. With an idempotency key already used by the team, returns the existing search with
     * `created: false` and whether its job equals this one. With `maxActive`, refuses (TeamQuotaError) when the team
     * already has that many queued or running searches; a replay of an accepted key is never refused.
     */
    async create(input: CreateSearchInput): Promise<{ search: SearchRecord; created: boolean; sameJob: boolean }> {
      const data = {
        teamId: input.teamId,
        apiKeyId: input.apiKeyId ?? null,
        name: input.job.name,
        seed: input.job.seed,
        job: input.job as unknown as Prisma.InputJsonValue,
        idempotencyKey: input.idempotencyKey ?? null,
      };
      const key = input.idempotencyKey ? { teamId: input.teamId, idempotencyKey: input.idempotencyKey } : undefined;
      const replay = async (client: Client) => {
        const row =
          key && (await client.search.findUnique({ where: { teamId_idempotencyKey: key }, select: fullFields }));
        if (!row) return undefined;
        const same = await client.search.count({ where: { id: row.id, job: { equals: data.job } } });
        return { search: toRecord(row), created: false, sameJob: same === 1 };
      };
      if (input.maxActive !== undefined || input.maxQueued !== undefined) {
        return withTeamLock(input.teamId, async (tx) => {
          const earlier = await replay(tx);
          if (earlier) return earlier;
          await requireUnderQuota(tx, input.teamId, { active: input.maxActive, queued: input.maxQueued });
          return {
            search: toRecord(await tx.search.create({ data, select: fullFields })),
            created: true,
            sameJob: true,
          };
        });
      }
      try {
        const row = await prisma.search.create({ data, select: fullFields });
        return { search: toRecord(row), created: true, sameJob: true };
      } catch (error) {
        if (!key || (error as { code?: string }).code !== "P2002") throw error;
      }
      const earlier = await replay(prisma);
      if (!earlier) throw new Error(`idempotency key ${input.idempotencyKey} conflicted but its search is gone`);
      return earlier;
    },

    /** A search by id; with `teamId`, only that team's (another team's search reads as missing). */
    get,

    /** Newest first, keyset-paged by (createdAt, id). */
    async list(input: ListSearchesInput): Promise<{ items: SearchSummary[]; nextCursor: string | null }> {
      const where: Prisma.SearchWhereInput = {
        teamId: input.teamId,
        ...(input.status ? { status: input.status } : {}),
      };
      if (input.cursor) {
        const [at, id] = decodeCursor(input.cursor, "string");
        const createdAt = new Date(at);
        if (!isUuid(id) || Number.isNaN(createdAt.getTime())) throw new InvalidCursorError();
        where.OR = [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }];
      }
      const rows = await prisma.search.findMany({
        where,
        select: summaryFields,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      const last = page.at(-1);
      const nextCursor = rows.length > input.limit && last ? encodeCursor(last.createdAt.toISOString(), last.id) : null;
      return { items: page.map(toSummary), nextCursor };
    },

    transition,
    /** queued (or running again, after a worker crash) -> running, noting the backend. */
    markRunning: (id: string, backend?: string) =>
      transition(id, ["queued", "running"], "running", backend === undefined ? {} : { backend }),
    /**
     * `markRunning` when the team runs fewer other searches than it may (its own `maxRunningSearches`, else
     * `defaultMax`); RunningLimitError otherwise, the search left queued. Under the team's lock, so two workers
     * cannot both take its last place.
     */
    async markRunningWithin(id: string, defaultMax: number, backend?: string): Promise<SearchRecord | null> {
      const search = await get(id);
      if (!search) return null;
      const moved = await withTeamLock(search.teamId, async (tx) => {
        const team = await tx.team.findUnique({ where: { id: search.teamId }, select: { maxRunningSearches: true } });
        const max = team?.maxRunningSearches ?? defaultMax;
        const running = await tx.search.count({ where: { teamId: search.teamId, status: "running", id: { not: id } } });
        if (running >= max) throw new RunningLimitError(running, max, team?.maxRunningSearches != null);
        return transitionWith(tx, id, ["queued", "running"], "running", backend === undefined ? {} : { backend });
      });
      return moved ? get(id) : null;
    },
    /** The priority to queue the search with, its place in its team's line (queue-order.ts). */
    queuePriority: (id: string): Promise<number> => queuePriorityOf(pool, id),
    markSucceeded: (id: string) => transition(id, ["running"], "succeeded"),
    markFailed: (id: string, error: string) => transition(id, ["queued", "running"], "failed", { error }),
    /** Cancels a queued or running search of the team. */
    cancel: (id: string, teamId?: string) =>
      transition(id, ["queued", "running"], "cancelled", teamId ? { teamId } : {}),
    /**
     * Re-queues a failed or cancelled search of the team; its checkpoints let it resume. With `quota`, refuses
     * (TeamQuotaError) when the team already has as many queued (or queued and running) searches as it may.
     */
    async requeue(
      id: string,
      teamId?: string,
      quota?: { active?: number; queued?: number },
    ): Promise<SearchRecord | null> {
      const extra = teamId ? { teamId } : {};
      if (quota === undefined || !isUuid(id)) return transition(id, ["failed", "cancelled"], "queued", extra);
      const search = await get(id, teamId);
      if (!search || !["failed", "cancelled"].includes(search.status)) return null;
      const moved = await withTeamLock(search.teamId, async (tx) => {
        await requireUnderQuota(tx, search.teamId, quota);
        return transitionWith(tx, id, ["failed", "cancelled"], "queued", extra);
      });
      return moved ? get(id) : null;
    },

    /** Replaces the latest progress snapshot (no event row; see progress.report for both). */
    async setProgress(id: string, progress: ProgressSnapshot): Promise<void> {
      await prisma.search.updateMany({ where: { id }, data: { progress: progress as Prisma.InputJsonValue } });
    },

    /** Searches in a status across all teams, oldest first (for workers and the admin CLI). */
    listByStatus: (status: SearchStatus, limit = 100): Promise<SearchSummary[]> =>
      prisma.search
        .findMany({ where: { status }, select: summaryFields, orderBy: { createdAt: "asc" }, take: limit })
        .then((rows) => rows.map(toSummary)),

    /**
     * Queued or running searches (of every team) not updated since `before`, least recently updated first: what the
     * worker's reconciler checks against the queue. A running search's progress updates it every second or so.
     */
    listIdle: (before: Date, limit = 1000): Promise<{ id: string; status: SearchStatus; updatedAt: Date }[]> =>
      prisma.search.findMany({
        where: { status: { in: [...ACTIVE_STATUSES] }, updatedAt: { lt: before } },
        select: { id: true, status: true, updatedAt: true },
        orderBy: { updatedAt: "asc" },
        take: limit,
      }) as Promise<{ id: string; status: SearchStatus; updatedAt: Date }[]>,

    /** Count of searches per status (zeros included). */
    async countByStatus(): Promise<Record<SearchStatus, number>> {
      const rows = await prisma.search.groupBy({ by: ["status"], _count: { _all: true } });
      const out = Object.fromEntries(SEARCH_STATUSES.map((s) => [s, 0])) as Record<SearchStatus, number>;
      for (const row of rows) out[row.status] = row._count._all;
      return out;
    },
  };
}
