// Fairness between teams (docs/deployment.md, "Fairness between teams"): a search's place in the queue is its place
// in its own team's line, so the queued searches of several teams interleave instead of one team's burst going
// first. The queue (BullMQ) takes jobs by priority, lowest first, and in order of arrival within one priority; a
// search's priority is computed once, when it is queued, from what its team already has queued or running.

import type { SearchPriority } from "@vitnas/formats";
import type pg from "pg";

/** Within one place in line, a team's high-priority search goes before normal ones, which go before low ones. */
export const PRIORITY_RANK: Record<SearchPriority, number> = { high: 0, normal: 1, low: 2 };

/** BullMQ's largest priority (2^21 - 1). */
export const MAX_QUEUE_PRIORITY = 2 ** 21 - 1;

/**
 * The queue priority of a search that has `ahead` searches of its own team queued or running before it (of its own
 * priority or higher): 1 + 3 x ahead + its rank. The n-th search of every team shares a band, so the teams' lines
 * interleave; beyond about 700,000 searches of one team ahead the band stays the last.
 */
export function fairQueuePriority(ahead: number, priority: SearchPriority = "normal"): number {
  const bands = Math.floor((MAX_QUEUE_PRIORITY - 1 - 2) / 3);
  return 1 + Math.min(Math.max(0, ahead), bands) * 3 + PRIORITY_RANK[priority];
}

const RANK_SQL = `CASE coalesce(%.job->>'priority', 'normal') WHEN 'high' THEN 0 WHEN 'low' THEN 2 ELSE 1 END`;

/**
 * The priority to queue a search with: the team's other queued or running searches of its priority or a higher one
 * are ahead of it. Running ones count: a team already on the workers waits behind a team that is not.
 */
export async function queuePriorityOf(pool: pg.Pool, searchId: string): Promise<number> {
  const { rows } = await pool.query<{ ahead: number; priority: SearchPriority | null }>(
    `SELECT (SELECT count(*)::int FROM searches o
              WHERE o.team_id = s.team_id AND o.id <> s.id AND o.status IN ('queued', 'running')
                AND ${RANK_SQL.replace("%", "o")} <= ${RANK_SQL.replace("%", "s")}) AS ahead,
            s.job->>'priority' AS priority
     FROM searches s WHERE s.id = $1`,
    [searchId],
  );
  const row = rows[0];
  return fairQueuePriority(row?.ahead ?? 0, row?.priority ?? "normal");
}
