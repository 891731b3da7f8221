// The searchable choices of a search's candidates, read from their stored architecture documents. Postgres projects
// each document down to its stages' widths, reductions and per-block (heads, MLP, attention type) before sending
// it, so thousands of candidates cost a few hundred bytes each rather than whole documents with their stems.
import type { Db } from "@vitnas/db";
import type { ArchOutline } from "@vitnas/search";

export interface CandidateOutline {
  id: string;
  accuracy: number;
  outline: ArchOutline;
}

type Block = [heads: number, mlpHidden: number, attention: string];
interface Row {
  id: string;
  accuracy: number;
  position: string | null;
  stages: { width: number; reduction: string | null; blocks: Block[] }[];
}

// Guards against documents without stages or blocks (they are stored as reported): those read as empty.
const OUTLINE = `a.arch->>'position' AS position,
  (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'width', s->'width', 'reduction', s->'reduction',
            'blocks', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                b->'heads', b->'mlpHidden', coalesce(b->'attention'->>'type', b->>'attention'))), '[]')
                       FROM jsonb_array_elements(CASE WHEN jsonb_typeof(s->'blocks') = 'array' THEN s->'blocks' END) b))
          ORDER BY i), '[]')
   FROM jsonb_array_elements(CASE WHEN jsonb_typeof(a.arch->'stages') = 'array' THEN a.arch->'stages' END)
        WITH ORDINALITY AS t(s, i)) AS stages`;

const toOutline = (row: Row): CandidateOutline => ({
  id: row.id,
  accuracy: row.accuracy,
  outline: {
    ...(row.position === null ? {} : { position: row.position }),
    stages: row.stages.map((s) => ({
      width: Number(s.width),
      ...(typeof s.reduction === "string" ? { reduction: s.reduction } : {}),
      blocks: s.blocks.map(([heads, mlpHidden, attention]) => ({
        heads: Number(heads),
        mlpHidden: Number(mlpHidden),
        attention: String(attention),
      })),
    })),
  },
});

/** The outlines of the given candidates (those without a stored document are left out). */
export async function outlinesOf(db: Db, searchId: string, ids: readonly string[]): Promise<CandidateOutline[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.pool.query<Row>(
    `SELECT c.arch_hash AS id, c.accuracy, ${OUTLINE}
     FROM candidates c JOIN candidate_archs a ON a.search_id = c.search_id AND a.arch_hash = c.arch_hash
     WHERE c.search_id = $1 AND c.arch_hash = ANY($2::text[])`,
    [searchId, ids],
  );
  return rows.map(toOutline);
}

/**
 * At most `limit` candidates drawn uniformly: ordered by a hash of their id, which no property of the architecture
 * or its accuracy correlates with, so the same search always gives the same sample.
 */
export async function outlineSample(db: Db, searchId: string, limit: number): Promise<CandidateOutline[]> {
  const { rows } = await db.pool.query<Row>(
    `WITH picked AS (
       SELECT c.arch_hash, c.accuracy FROM candidates c WHERE c.search_id = $1 ORDER BY md5(c.arch_hash) LIMIT $2)
     SELECT p.arch_hash AS id, p.accuracy, ${OUTLINE}
     FROM picked p JOIN candidate_archs a ON a.search_id = $1 AND a.arch_hash = p.arch_hash`,
    [searchId, limit],
  );
  return rows.map(toOutline);
}
