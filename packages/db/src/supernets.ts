// Trained super-networks (Once-for-All's train once, search many): one row per search that trained one, written when
// its training ended, read back by the searches of the same team that search on it instead of training. Another
// team's super-network reads as missing, like its searches.
import type pg from "pg";
import { decodeCursor, encodeCursor, InvalidCursorError, isUuid } from "./cursor";

/** What the worker records when a search's super-network training ends. */
export interface SupernetInput {
  teamId: string;
  searchId: string;
  spaceHash: string;
  datasetFingerprint: string;
  recipeHash: string;
  /** The checkpoint's id (step and tensor digest): the evaluation cache's key. */
  checkpoint: string;
  /** The checkpoint directory's key in the artifact store. */
  location: string;
  epochs: number;
  largest: { accuracy: number; macs: number };
  smallest: { accuracy: number; macs: number };
}

export interface SupernetRecord extends SupernetInput {
  id: string;
  createdAt: Date;
  /** The training search's name. */
  searchName: string;
}

const COLUMNS = `s.id, s.team_id AS "teamId", s.search_id AS "searchId", s.space_hash AS "spaceHash",
  s.dataset_fingerprint AS "datasetFingerprint", s.recipe_hash AS "recipeHash", s.checkpoint, s.location, s.epochs,
  s.largest_accuracy AS "largestAccuracy", s.largest_macs::float8 AS "largestMacs",
  s.smallest_accuracy AS "smallestAccuracy", s.smallest_macs::float8 AS "smallestMacs", s.created_at AS "createdAt",
  r.name AS "searchName"`;
const FROM = "FROM supernets s JOIN searches r ON r.id = s.search_id";

type Row = Omit<SupernetRecord, "largest" | "smallest"> & {
  largestAccuracy: number;
  largestMacs: number;
  smallestAccuracy: number;
  smallestMacs: number;
};

function toRecord(row: Row): SupernetRecord {
  const { largestAccuracy, largestMacs, smallestAccuracy, smallestMacs, ...rest } = row;
  return {
    ...rest,
    largest: { accuracy: largestAccuracy, macs: largestMacs },
    smallest: { accuracy: smallestAccuracy, macs: smallestMacs },
  };
}

export function supernetsRepository(pool: pg.Pool) {
  const one = async (where: string, values: unknown[]): Promise<SupernetRecord | null> => {
    const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} ${FROM} WHERE ${where} LIMIT 1`, values);
    return rows[0] ? toRecord(rows[0]) : null;
  };
  return {
    /**
     * Records the super-network a search trained; recording it again (a resumed or retried search) replaces the
     * figures and keeps the id, so searches that reuse it keep pointing at it.
     */
    async record(input: SupernetInput): Promise<SupernetRecord> {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO supernets (team_id, search_id, space_hash, dataset_fingerprint, recipe_hash, checkpoint, location,
           epochs, largest_accuracy, largest_macs, smallest_accuracy, smallest_macs)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (search_id) DO UPDATE SET space_hash = EXCLUDED.space_hash,
           dataset_fingerprint = EXCLUDED.dataset_fingerprint, recipe_hash = EXCLUDED.recipe_hash,
           checkpoint = EXCLUDED.checkpoint, location = EXCLUDED.location, epochs = EXCLUDED.epochs,
           largest_accuracy = EXCLUDED.largest_accuracy, largest_macs = EXCLUDED.largest_macs,
           smallest_accuracy = EXCLUDED.smallest_accuracy, smallest_macs = EXCLUDED.smallest_macs
         RETURNING id`,
        [
          input.teamId,
          input.searchId,
          input.spaceHash,
          input.datasetFingerprint,
          input.recipeHash,
          input.checkpoint,
          input.location,
          input.epochs,
          input.largest.accuracy,
          input.largest.macs,
          input.smallest.accuracy,
          input.smallest.macs,
        ],
      );
      return (await one("s.id = $1", [rows[0]!.id]))!;
    },

    /** A super-network by its id; with `teamId`, only that team's. */
    get: (id: string, teamId?: string): Promise<SupernetRecord | null> =>
      isUuid(id) && (teamId === undefined || isUuid(teamId))
        ? one("s.id = $1 AND ($2::uuid IS NULL OR s.team_id = $2)", [id, teamId ?? null])
        : Promise.resolve(null),

    /**
     * What a job's `supernet.from` names: a super-network's id, or a search's id (the one it trained, else the one it
     * searched on), of the team only.
     */
    resolve: (ref: string, teamId: string): Promise<SupernetRecord | null> =>
      isUuid(ref) && isUuid(teamId)
        ? one(
            `s.team_id = $2 AND (s.id = $1 OR s.search_id = $1
               OR s.id = (SELECT supernet_id FROM searches WHERE id = $1 AND team_id = $2))
             ORDER BY (s.id = $1) DESC, (s.search_id = $1) DESC`,
            [ref, teamId],
          )
        : Promise.resolve(null),

    /** The team's super-networks trained on this space with this recipe, newest first (for `supernet.reuse: "auto"`). */
    async matching(teamId: string, spaceHash: string, recipeHash: string, limit = 5): Promise<SupernetRecord[]> {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} ${FROM} WHERE s.team_id = $1 AND s.space_hash = $2 AND s.recipe_hash = $3
         ORDER BY s.created_at DESC, s.id DESC LIMIT $4`,
        [teamId, spaceHash, recipeHash, limit],
      );
      return rows.map(toRecord);
    },

    /** The team's super-networks, newest first, keyset-paged by (createdAt, id). */
    async list(input: {
      teamId: string;
      limit: number;
      cursor?: string;
    }): Promise<{ items: SupernetRecord[]; nextCursor: string | null }> {
      const values: unknown[] = [input.teamId, input.limit + 1];
      let after = "";
      if (input.cursor) {
        const [at, id] = decodeCursor(input.cursor, "string");
        if (!isUuid(id) || Number.isNaN(new Date(at).getTime())) throw new InvalidCursorError();
        values.push(new Date(at), id);
        after = "AND (s.created_at, s.id) < ($3, $4)";
      }
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} ${FROM} WHERE s.team_id = $1 ${after} ORDER BY s.created_at DESC, s.id DESC LIMIT $2`,
        values,
      );
      const page = rows.slice(0, input.limit).map(toRecord);
      const last = page.at(-1);
      const nextCursor = rows.length > input.limit && last ? encodeCursor(last.createdAt.toISOString(), last.id) : null;
      return { items: page, nextCursor };
    },

    /** Notes the super-network a search searched on (null: it trains its own). */
    async markReused(searchId: string, supernetId: string | null): Promise<void> {
      await pool.query("UPDATE searches SET supernet_id = $2 WHERE id = $1", [searchId, supernetId]);
    },
  };
}
