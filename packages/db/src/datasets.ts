// Uploaded datasets, one row per (team, SHA-256 of the upload): the same upload twice is one dataset, and another
// team's id is not found. The bytes live in the artifact store under the digest (docs/datasets.md).
import type pg from "pg";

export interface DatasetInput {
  teamId: string;
  name: string;
  sha256: string;
  format: string;
  sizeBytes: number;
  /** What the check found (`DatasetSummary` of @vitnas/datasets). */
  summary: Record<string, unknown>;
  /** A PNG of one image per class. */
  preview: Buffer;
}

export interface DatasetRecord extends Omit<DatasetInput, "preview"> {
  id: string;
  createdAt: Date;
}

const COLUMNS = `id, team_id AS "teamId", name, sha256, format, size_bytes::float8 AS "sizeBytes", summary,
  created_at AS "createdAt"`;

export function datasetsRepository(pool: pg.Pool) {
  const get = async (id: string, teamId: string): Promise<DatasetRecord | undefined> =>
    (await pool.query<DatasetRecord>(`SELECT ${COLUMNS} FROM datasets WHERE id = $1 AND team_id = $2`, [id, teamId]))
      .rows[0];
  return {
    /** Records an upload; the team's earlier row of the same digest is returned instead (`created` false). */
    async create(input: DatasetInput): Promise<{ dataset: DatasetRecord; created: boolean }> {
      const inserted = await pool.query<DatasetRecord>(
        `INSERT INTO datasets (team_id, name, sha256, format, size_bytes, summary, preview)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (team_id, sha256) DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          input.teamId,
          input.name,
          input.sha256,
          input.format,
          input.sizeBytes,
          JSON.stringify(input.summary),
          input.preview,
        ],
      );
      if (inserted.rows[0]) return { dataset: inserted.rows[0], created: true };
      const existing = await pool.query<DatasetRecord>(
        `SELECT ${COLUMNS} FROM datasets WHERE team_id = $1 AND sha256 = $2`,
        [input.teamId, input.sha256],
      );
      return { dataset: existing.rows[0]!, created: false };
    },

    /** The team's row of a digest, if it uploaded those bytes already. */
    bySha256: async (teamId: string, sha256: string): Promise<DatasetRecord | undefined> =>
      (
        await pool.query<DatasetRecord>(`SELECT ${COLUMNS} FROM datasets WHERE team_id = $1 AND sha256 = $2`, [
          teamId,
          sha256,
        ])
      ).rows[0],

    /** Any team's row of a digest: its check's findings hold for every upload of the same bytes. */
    anyBySha256: async (sha256: string): Promise<(DatasetRecord & { preview: Buffer }) | undefined> =>
      (
        await pool.query<DatasetRecord & { preview: Buffer }>(
          `SELECT ${COLUMNS}, preview FROM datasets WHERE sha256 = $1 LIMIT 1`,
          [sha256],
        )
      ).rows[0],

    get,

    /** The team's datasets, newest first. */
    list: async (teamId: string): Promise<DatasetRecord[]> =>
      (
        await pool.query<DatasetRecord>(
          `SELECT ${COLUMNS} FROM datasets WHERE team_id = $1 ORDER BY created_at DESC, id`,
          [teamId],
        )
      ).rows,

    preview: async (id: string, teamId: string): Promise<Buffer | undefined> =>
      (
        await pool.query<{ preview: Buffer }>("SELECT preview FROM datasets WHERE id = $1 AND team_id = $2", [
          id,
          teamId,
        ])
      ).rows[0]?.preview,

    /** The team's queued or running searches whose job names the dataset. */
    activeSearches: async (id: string, teamId: string): Promise<string[]> =>
      (
        await pool.query<{ id: string }>(
          `SELECT id FROM searches WHERE team_id = $1 AND status IN ('queued', 'running')
             AND job->'dataset'->>'kind' = 'uploaded' AND job->'dataset'->>'id' = $2 ORDER BY created_at`,
          [teamId, id],
        )
      ).rows.map((r) => r.id),

    /** Deletes the team's row; returns it, and whether any row (of any team) still holds the same digest. */
    async remove(id: string, teamId: string): Promise<{ dataset: DatasetRecord; digestInUse: boolean } | undefined> {
      const deleted = await pool.query<DatasetRecord>(
        `DELETE FROM datasets WHERE id = $1 AND team_id = $2 RETURNING ${COLUMNS}`,
        [id, teamId],
      );
      const dataset = deleted.rows[0];
      if (!dataset) return undefined;
      const left = await pool.query("SELECT 1 FROM datasets WHERE sha256 = $1 LIMIT 1", [dataset.sha256]);
      return { dataset, digestInUse: (left.rowCount ?? 0) > 0 };
    },
  };
}
