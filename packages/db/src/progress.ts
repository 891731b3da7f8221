// Progress over time: every progress event the pipeline reports, and the training metrics (loss, images/s) taken
// from them or recorded in batches, downsampled in SQL for charts.
import type pg from "pg";
import type { ProgressSnapshot } from "./searches";

export interface SearchEventRecord {
  /** Monotonic per database; SSE clients resume after it (`Last-Event-ID`). */
  id: string;
  at: Date;
  phase: string;
  percent: number;
  data: ProgressSnapshot;
}

export interface MetricInput {
  at?: Date;
  /** The pipeline phase that trained (default "supernet"; "final" for the winners trained alone). */
  phase?: string;
  epoch?: number | null;
  step?: number | null;
  loss?: number | null;
  imagesPerSec?: number | null;
}

export interface MetricPoint {
  at: Date;
  epoch: number | null;
  step: number | null;
  loss: number | null;
  imagesPerSec: number | null;
  /** Raw metrics averaged into this point. */
  count: number;
}

const finiteOrNull = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function progressRepository(pool: pg.Pool) {
  const recordMetrics = async (searchId: string, rows: MetricInput[]): Promise<void> => {
    if (rows.length === 0) return;
    await pool.query(
      `INSERT INTO training_metrics (search_id, at, phase, epoch, step, loss, images_per_sec)
       SELECT $1, * FROM unnest($2::timestamptz[], $3::text[], $4::int[], $5::int[], $6::float8[], $7::float8[])`,
      [
        searchId,
        rows.map((r) => r.at ?? new Date()),
        rows.map((r) => r.phase ?? "supernet"),
        rows.map((r) => finiteOrNull(r.epoch)),
        rows.map((r) => finiteOrNull(r.step)),
        rows.map((r) => finiteOrNull(r.loss)),
        rows.map((r) => finiteOrNull(r.imagesPerSec)),
      ],
    );
  };

  return {
    /**
     * Records one progress event: it becomes the search's progress snapshot and an event row; when it carries a
     * loss or an images/s figure it is also a training metric of its phase. The `front` array of a generation's end
     * or the run's is left out (fronts.set keeps it).
     */
    async report(searchId: string, event: ProgressSnapshot): Promise<void> {
      const { front: _front, ...snapshot } = event;
      const json = JSON.stringify(snapshot);
      await pool.query(
        `WITH s AS (UPDATE searches SET progress = $2::jsonb, updated_at = now() WHERE id = $1 RETURNING id)
         INSERT INTO search_events (search_id, phase, percent, data) SELECT id, $3, $4, $2::jsonb FROM s`,
        [searchId, json, String(event.phase), finiteOrNull(event.percent) ?? 0],
      );
      const loss = finiteOrNull(event.loss);
      const imagesPerSec = finiteOrNull(event.imagesPerSec);
      if (loss !== null || imagesPerSec !== null) {
        await recordMetrics(searchId, [
          {
            phase: String(event.phase),
            epoch: finiteOrNull(event.epoch),
            step: finiteOrNull(event.step),
            loss,
            imagesPerSec,
          },
        ]);
      }
    },

    /** Events after `afterId` (exclusive), oldest first. */
    async eventsAfter(searchId: string, afterId: string | null, limit = 100): Promise<SearchEventRecord[]> {
      const { rows } = await pool.query<SearchEventRecord>(
        `SELECT id::text AS id, at, phase, percent, data FROM search_events
         WHERE search_id = $1 AND search_events.id > $2::bigint ORDER BY search_events.id LIMIT $3`,
        [searchId, afterId ?? "0", limit],
      );
      return rows;
    },

    /** The id of the search's latest event, or null when it has none. */
    async latestEventId(searchId: string): Promise<string | null> {
      const { rows } = await pool.query<{ id: string | null }>(
        "SELECT max(id)::text AS id FROM search_events WHERE search_id = $1",
        [searchId],
      );
      return rows[0]?.id ?? null;
    },

    recordMetrics,

    /**
     * One phase's training metrics in time order, averaged into at most `maxPoints` consecutive buckets: the
     * super-network's by default, "final" for the trainings of the final phase (one after the other).
     */
    async metricSeries(searchId: string, maxPoints: number, phase = "supernet"): Promise<MetricPoint[]> {
      const { rows } = await pool.query<MetricPoint>(
        `WITH m AS (
           SELECT at, epoch, step, loss, images_per_sec,
                  row_number() OVER (ORDER BY id) - 1 AS rn, count(*) OVER () AS n
           FROM training_metrics WHERE search_id = $1 AND phase = $3)
         SELECT max(at) AS at, max(epoch) AS epoch, max(step) AS step, avg(loss) AS loss,
                avg(images_per_sec) AS "imagesPerSec", count(*)::int AS count
         FROM m GROUP BY floor(rn * $2::float8 / n) ORDER BY floor(rn * $2::float8 / n)`,
        [searchId, Math.max(1, Math.floor(maxPoints)), phase],
      );
      return rows;
    },

    /** The latest images/s figure of each running search (for the Prometheus endpoint). */
    async runningThroughput(): Promise<{ searchId: string; imagesPerSec: number }[]> {
      const { rows } = await pool.query<{ searchId: string; imagesPerSec: number }>(
        `SELECT s.id AS "searchId", m.images_per_sec AS "imagesPerSec" FROM searches s
         CROSS JOIN LATERAL (SELECT images_per_sec FROM training_metrics t
                             WHERE t.search_id = s.id AND images_per_sec IS NOT NULL ORDER BY id DESC LIMIT 1) m
         WHERE s.status = 'running'`,
      );
      return rows;
    },
  };
}
