// Every evaluated candidate of a search, once per architecture hash. Upserts make a resumed search that
// re-reports candidates write no duplicates; queries are keyset-paged over the (search, accuracy) and
// (search, MACs) indexes so "the most accurate architecture under N MACs" is one index walk.
import type { VitArch } from "@vitnas/formats";
import type pg from "pg";
import { decodeCursor, encodeCursor, InvalidCursorError } from "./cursor";

/** What the pipeline reports per evaluated architecture (`id` is its canonical hash). */
export interface CandidateInput {
  id: string;
  arch: VitArch | Record<string, unknown>;
  accuracy: number;
  macs: number;
  params: number;
  generation: number;
}

export interface CandidatePoint {
  id: string;
  accuracy: number;
  macs: number;
  params: number;
}

export interface CandidateRecord extends CandidatePoint {
  generation: number;
  arch?: VitArch;
}

export const CANDIDATE_SORTS = ["accuracy", "-accuracy", "macs", "-macs"] as const;
export type CandidateSort = (typeof CANDIDATE_SORTS)[number];

export interface CandidateQuery {
  searchId: string;
  maxMacs?: number;
  minAccuracy?: number;
  maxParams?: number;
  sort?: CandidateSort;
  limit: number;
  cursor?: string;
  /** Include each candidate's architecture document. */
  withArch?: boolean;
}

export interface ScatterPoint extends CandidatePoint {
  /** Candidates this point stands for (1 unless downsampled). */
  count: number;
}

const BATCH = 2000;

// ORDER BY and the keyset condition for each sort; ties are broken by arch hash so pages never overlap.
const ORDER: Record<CandidateSort, { column: "accuracy" | "macs"; order: string; after: string }> = {
  "-accuracy": {
    column: "accuracy",
    order: "c.accuracy DESC, c.arch_hash ASC",
    after: "(c.accuracy < $V OR (c.accuracy = $V AND c.arch_hash > $H))",
  },
  accuracy: {
    column: "accuracy",
    order: "c.accuracy ASC, c.arch_hash DESC",
    after: "(c.accuracy > $V OR (c.accuracy = $V AND c.arch_hash < $H))",
  },
  macs: { column: "macs", order: "c.macs ASC, c.arch_hash ASC", after: "(c.macs, c.arch_hash) > ($V, $H)" },
  "-macs": { column: "macs", order: "c.macs DESC, c.arch_hash DESC", after: "(c.macs, c.arch_hash) < ($V, $H)" },
};

const FIGURES = "c.arch_hash AS id, c.accuracy, c.macs::float8 AS macs, c.params::float8 AS params, c.generation";

export function candidatesRepository(pool: pg.Pool) {
  return {
    /** Inserts or refreshes candidates in batches; the first generation that saw an architecture is kept. */
    async upsert(searchId: string, candidates: readonly CandidateInput[]): Promise<number> {
      let written = 0;
      for (let start = 0; start < candidates.length; start += BATCH) {
        // The last report of an architecture in a batch wins (ON CONFLICT cannot touch a row twice in one statement).
        const batch = [...new Map(candidates.slice(start, start + BATCH).map((c) => [c.id, c])).values()];
        const ids = batch.map((c) => c.id);
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          const out = await client.query(
            `INSERT INTO candidates (search_id, arch_hash, accuracy, macs, params, generation)
             SELECT $1, * FROM unnest($2::text[], $3::float8[], $4::int8[], $5::int8[], $6::int[])
             ON CONFLICT (search_id, arch_hash) DO UPDATE SET
               accuracy = EXCLUDED.accuracy, macs = EXCLUDED.macs, params = EXCLUDED.params,
               generation = LEAST(candidates.generation, EXCLUDED.generation)`,
            [
              searchId,
              ids,
              batch.map((c) => c.accuracy),
              batch.map((c) => Math.round(c.macs)),
              batch.map((c) => Math.round(c.params)),
              batch.map((c) => c.generation),
            ],
          );
          await client.query(
            `INSERT INTO candidate_archs (search_id, arch_hash, arch)
             SELECT $1, * FROM unnest($2::text[], $3::jsonb[])
             ON CONFLICT (search_id, arch_hash) DO UPDATE SET arch = EXCLUDED.arch`,
            [searchId, ids, batch.map((c) => JSON.stringify(c.arch))],
          );
          await client.query("COMMIT");
          written += out.rowCount ?? 0;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      }
      return written;
    },

    /** A filtered, sorted page of candidates, with the cursor of the next page. */
    async query(q: CandidateQuery): Promise<{ items: CandidateRecord[]; nextCursor: string | null }> {
      const sort = ORDER[q.sort ?? "-accuracy"];
      const params: unknown[] = [q.searchId];
      const where = ["c.search_id = $1"];
      const add = (value: unknown) => `$${params.push(value)}`;
      if (q.maxMacs !== undefined) where.push(`c.macs <= ${add(Math.floor(q.maxMacs))}`);
      if (q.minAccuracy !== undefined) where.push(`c.accuracy >= ${add(q.minAccuracy)}`);
      if (q.maxParams !== undefined) where.push(`c.params <= ${add(Math.floor(q.maxParams))}`);
      if (q.cursor) {
        const [value, hash] = decodeCursor(q.cursor, "number");
        if (sort.column === "macs" && !Number.isSafeInteger(value)) throw new InvalidCursorError();
        const v = add(value);
        const h = add(hash);
        where.push(sort.after.replaceAll("$V", () => v).replaceAll("$H", () => h));
      }
      const limit = add(q.limit + 1);
      // The page is chosen on the index alone (its entries carry the figures), then only the page's rows are read
      // for their generation and document.
      const outerOrder = sort.order.replaceAll("c.arch_hash", "p.id").replaceAll("c.", "p.");
      const { rows } = await pool.query<CandidateRecord>(
        `SELECT p.id, p.accuracy, p.macs::float8 AS macs, p.params::float8 AS params, g.generation
                ${q.withArch ? ", a.arch" : ""}
         FROM (SELECT c.arch_hash AS id, c.accuracy, c.macs, c.params FROM candidates c
               WHERE ${where.join(" AND ")} ORDER BY ${sort.order} LIMIT ${limit}) p
         JOIN candidates g ON g.search_id = $1 AND g.arch_hash = p.id
         ${q.withArch ? "LEFT JOIN candidate_archs a ON a.search_id = $1 AND a.arch_hash = p.id" : ""}
         ORDER BY ${outerOrder}`,
        params,
      );
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      const nextCursor = rows.length > q.limit && last ? encodeCursor(last[sort.column], last.id) : null;
      return { items, nextCursor };
    },

    async get(searchId: string, archHash: string): Promise<(CandidateRecord & { arch: VitArch }) | null> {
      const { rows } = await pool.query<CandidateRecord & { arch: VitArch }>(
        `SELECT ${FIGURES}, a.arch FROM candidates c
         LEFT JOIN candidate_archs a ON a.search_id = c.search_id AND a.arch_hash = c.arch_hash
         WHERE c.search_id = $1 AND c.arch_hash = $2`,
        [searchId, archHash],
      );
      return rows[0] ?? null;
    },

    count: async (searchId: string): Promise<number> =>
      (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM candidates WHERE search_id = $1", [searchId]))
        .rows[0]?.n ?? 0,

    /** The non-dominated candidates (accuracy up, MACs down), by increasing MACs, computed from every candidate. */
    async paretoFront(searchId: string): Promise<CandidatePoint[]> {
      // A walk up the (search, MACs, accuracy desc) index: from the cheapest candidate, each next front point is the
      // first one with more MACs and a strictly higher accuracy. It reads each index entry at most once and, with
      // the index's figures, no table rows but the front's own.
      const { rows } = await pool.query<CandidatePoint>(
        `WITH RECURSIVE walk AS (
           (SELECT c.macs, c.accuracy, c.arch_hash FROM candidates c WHERE c.search_id = $1
            ORDER BY c.macs, c.accuracy DESC, c.arch_hash LIMIT 1)
           UNION ALL
           SELECT n.macs, n.accuracy, n.arch_hash FROM walk w CROSS JOIN LATERAL (
             SELECT c.macs, c.accuracy, c.arch_hash FROM candidates c
             WHERE c.search_id = $1 AND c.macs > w.macs AND c.accuracy > w.accuracy
             ORDER BY c.macs, c.accuracy DESC, c.arch_hash LIMIT 1) n)
         SELECT c.arch_hash AS id, c.accuracy, c.macs::float8 AS macs, c.params::float8 AS params
         FROM walk JOIN candidates c ON c.search_id = $1 AND c.arch_hash = walk.arch_hash
         ORDER BY c.macs`,
        [searchId],
      );
      return rows;
    },

    /**
     * The number of candidates, and at most `budget` points standing for those not in `exclude`: all of them when few enough, otherwise
     * the most accurate candidate of each cell of a grid over (MACs, accuracy), with the cell's count.
     */
    async downsample(
      searchId: string,
      budget: number,
      exclude: readonly string[],
    ): Promise<{ total: number; points: ScatterPoint[] }> {
      // The grid's bounds from the ends of the (search, MACs) and (search, accuracy) indexes: no scan.
      const { rows: bounds } = await pool.query<{ loM: number | null; hiM: number; loA: number; hiA: number }>(
        `SELECT (SELECT min(macs) FROM candidates WHERE search_id = $1)::float8 AS "loM",
                (SELECT max(macs) FROM candidates WHERE search_id = $1)::float8 AS "hiM",
                (SELECT min(accuracy) FROM candidates WHERE search_id = $1) AS "loA",
                (SELECT max(accuracy) FROM candidates WHERE search_id = $1) AS "hiA"`,
        [searchId],
      );
      const b = bounds[0];
      if (!b || b.loM === null) return { total: 0, points: [] };
      // A grid of at most `budget` cells over (MACs, accuracy), in one hashed pass (the excluded ids by a hashed
      // anti-join): each cell's count and best accuracy. The candidate reaching it is then found through the
      // accuracy index.
      const grid = Math.max(1, Math.floor(Math.sqrt(Math.max(1, budget))));
      const { rows } = await pool.query<ScatterPoint>(
        `WITH cells AS (
           SELECT width_bucket(c.macs::float8, $3, $4, $7) AS mx, count(*)::int AS count, max(c.accuracy) AS best
           FROM candidates c
           WHERE c.search_id = $1 AND NOT EXISTS (SELECT 1 FROM unnest($2::text[]) f(id) WHERE f.id = c.arch_hash)
           GROUP BY 1, width_bucket(c.accuracy, $5, $6, $7))
         SELECT r.arch_hash AS id, r.accuracy, r.macs::float8 AS macs, r.params::float8 AS params, cells.count
         FROM cells CROSS JOIN LATERAL (
           SELECT c.arch_hash, c.accuracy, c.macs, c.params FROM candidates c
           WHERE c.search_id = $1 AND c.accuracy = cells.best AND width_bucket(c.macs::float8, $3, $4, $7) = cells.mx
             AND c.arch_hash <> ALL($2::text[])
           ORDER BY c.macs, c.arch_hash LIMIT 1) r
         ORDER BY r.macs, r.arch_hash`,
        [searchId, exclude, b.loM, b.hiM + 1, b.loA, b.hiA + 1e-9, grid],
      );
      const { rows: excluded } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM candidates WHERE search_id = $1 AND arch_hash = ANY($2::text[])",
        [searchId, exclude],
      );
      const total = rows.reduce((n, p) => n + p.count, 0) + (excluded[0]?.n ?? 0);
      const others = rows.reduce((n, p) => n + p.count, 0);
      if (budget <= 0) return { total, points: [] };
      if (others > budget) return { total, points: rows };
      // Few enough to show every one.
      const { rows: all } = await pool.query<ScatterPoint>(
        `SELECT c.arch_hash AS id, c.accuracy, c.macs::float8 AS macs, c.params::float8 AS params, 1 AS count
         FROM candidates c WHERE c.search_id = $1 AND c.arch_hash <> ALL($2::text[]) ORDER BY c.macs, c.arch_hash`,
        [searchId, exclude],
      );
      return { total, points: all };
    },
  };
}
