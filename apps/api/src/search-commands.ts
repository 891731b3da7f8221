// Submitting, cancelling and resuming searches: the database change, the queue, and the audit entry, in that order,
// so a failure part-way leaves a state the user can see and act on (a search that could not be queued is failed
// with that reason and can be resumed).
import { type Db, type KeyIdentity, type SearchRecord, TeamQuotaError } from "@vitnas/db";
import { type NasSearch, validateJob } from "@vitnas/formats";
import type { FastifyBaseLogger } from "fastify";
import { ApiError } from "./errors";
import { serviceIssues } from "./job-checks";
import { type JobLimits, QUOTA_RETRY_AFTER_S, requireWithinLimits } from "./job-limits";
import type { SearchCache } from "./search-cache";
import type { LiveEvents, SearchDispatch } from "./services";
import { checkSupernetFrom, type SupernetChoice } from "./supernet-choice";
import { uploadedDatasetIssues } from "./uploaded-datasets";

export interface SearchCommands {
  submit(
    who: KeyIdentity,
    body: unknown,
    idempotencyKey: string | undefined,
  ): Promise<{ search: SearchRecord; created: boolean; supernet?: SupernetChoice }>;
  cancel(who: KeyIdentity, id: string): Promise<SearchRecord>;
  resume(who: KeyIdentity, id: string): Promise<SearchRecord>;
}

export function searchCommands(
  db: Db,
  dispatch: SearchDispatch,
  live: LiveEvents | undefined,
  cache: SearchCache,
  log: FastifyBaseLogger,
  datasetRoots: readonly string[],
  limits: JobLimits,
): SearchCommands {
  // Event streams poll anyway; the publication only makes them notice at once.
  const announce = (search: SearchRecord) =>
    live
      ?.publishStatus(search.id, search.status)
      .catch((err: unknown) => log.warn({ err, searchId: search.id }, "status not published"));

  const audit = (who: KeyIdentity, action: string, searchId: string, details?: Record<string, unknown>) =>
    db.audit
      .record({ action, teamId: who.team.id, apiKeyId: who.key.id, searchId, ...(details ? { details } : {}) })
      .catch((err: unknown) => log.error({ err, searchId, action }, "audit entry not written"));

  async function enqueueOrFail(search: SearchRecord): Promise<SearchRecord> {
    try {
      // Its place in its team's line: the teams' queued searches interleave (docs/deployment.md).
      await dispatch.enqueue(search.id, await db.searches.queuePriority(search.id));
      return search;
    } catch (err) {
      const reason = `could not be queued: ${(err as Error).message}`;
      log.error({ err, searchId: search.id }, "search not queued");
      await db.searches.transition(search.id, ["queued"], "failed", { error: reason });
      cache.evict(search.id);
      throw new ApiError(503, "queue_unavailable", `search ${search.id} was recorded but ${reason}; resume it later`, {
        id: search.id,
      });
    }
  }

  /** The team's quota refusal as a 429 naming the limit; other errors pass. */
  async function withinQuota<T>(who: KeyIdentity, change: Promise<T>): Promise<T> {
    try {
      return await change;
    } catch (err) {
      if (!(err instanceof TeamQuotaError)) throw err;
      const queuedOnly = err.limit === "MAX_QUEUED_SEARCHES_PER_TEAM";
      const whose = err.own ? `its own limit (nas admin set-limits), in place of ${err.limit}` : err.limit;
      throw new ApiError(
        429,
        "team_quota_exceeded",
        `team ${who.team.name} has ${err.count} searches ${queuedOnly ? "queued" : "queued or running"}, the most ` +
          `${whose} allows (${err.max}); retry when one has ${queuedOnly ? "started" : "finished"}, or cancel one`,
        {
          limit: err.limit,
          max: err.max,
          [queuedOnly ? "queued" : "active"]: err.count,
          team: err.own,
          retryAfter: QUOTA_RETRY_AFTER_S,
        },
        { "retry-after": String(QUOTA_RETRY_AFTER_S) },
      );
    }
  }

  async function existing(who: KeyIdentity, id: string): Promise<SearchRecord> {
    const search = await db.searches.get(id, who.team.id);
    if (!search) throw new ApiError(404, "not_found", `search ${id} not found`);
    return search;
  }

  return {
    async submit(who, body, idempotencyKey) {
      const result = validateJob(body);
      if (!result.ok) {
        const message = result.errors.map((e) => `${e.path || "(body)"}: ${e.message}`).join("; ");
        throw new ApiError(400, "validation_error", message, result.errors);
      }
      const job: NasSearch = result.value;
      const refused = [
        ...(await serviceIssues(job, datasetRoots)),
        ...(await uploadedDatasetIssues(db, who.team.id, job)),
      ];
      if (refused.length > 0) {
        const message = refused.map((e) => `${e.path}: ${e.message}`).join("; ");
        throw new ApiError(400, "validation_error", message, refused);
      }
      requireWithinLimits(job, limits);
      // The super-network it names must be the team's and of its space; differences of data or recipe are stated.
      const supernet = await checkSupernetFrom(db, who.team.id, job);
      const chosen = supernet ? { supernet } : {};
      // Counted in the insert's transaction, and after an idempotent replay is found: a retry never counts twice.
      const created = await withinQuota(
        who,
        db.searches.create({
          teamId: who.team.id,
          apiKeyId: who.key.id,
          job,
          idempotencyKey: idempotencyKey ?? null,
          maxActive: limits.activeSearchesPerTeam,
          maxQueued: limits.queuedSearchesPerTeam,
        }),
      );
      if (!created.created) {
        if (!created.sameJob) {
          throw new ApiError(
            409,
            "idempotency_conflict",
            `Idempotency-Key "${idempotencyKey}" was used for a different search`,
            {
              id: created.search.id,
            },
          );
        }
        // The first submission may have stopped before queueing: queueing again is a no-op when it did not.
        if (created.search.status === "queued") await enqueueOrFail(created.search);
        return { search: created.search, created: false, ...chosen };
      }
      await audit(who, "search.submitted", created.search.id, {
        name: job.name,
        idempotencyKey: idempotencyKey ?? null,
      });
      return { search: await enqueueOrFail(created.search), created: true, ...chosen };
    },

    async cancel(who, id) {
      const cancelled = await db.searches.cancel(id, who.team.id);
      cache.evict(id);
      if (!cancelled) {
        const search = await existing(who, id);
        throw new ApiError(
          409,
          "conflict",
          `search ${id} is ${search.status}; only queued or running searches can be cancelled`,
        );
      }
      await audit(who, "search.cancelled", id);
      // The status is already cancelled, which the worker polls; this only makes it stop sooner.
      await dispatch
        .withdraw(id)
        .catch((err: unknown) => log.warn({ err, searchId: id }, "cancel not signalled to workers"));
      await announce(cancelled);
      return cancelled;
    },

    async resume(who, id) {
      const quota = { active: limits.activeSearchesPerTeam, queued: limits.queuedSearchesPerTeam };
      // A resumed search takes a place in the queue again, so it counts against the quota as a new one does.
      const requeued = await withinQuota(who, db.searches.requeue(id, who.team.id, quota));
      cache.evict(id);
      if (!requeued) {
        const search = await existing(who, id);
        throw new ApiError(
          409,
          "conflict",
          `search ${id} is ${search.status}; only failed or cancelled searches can be resumed`,
        );
      }
      await audit(who, "search.resumed", id);
      const queued = await enqueueOrFail(requeued);
      await announce(queued);
      return queued;
    },
  };
}
