// Files the worker stored in the artifact store, with their size and SHA-256.
import type { PrismaClient } from "./generated/prisma/client";

export interface ArtifactInput {
  searchId: string;
  /** Set for the files of an architecture's export bundle; omitted for search-wide files. */
  archHash?: string | null;
  /**
   * e.g. "bundle" (inherited weights), "trained" (the final phase's standalone model), "baseline" (a baseline's trained
   * model), "pareto", "report", "report-chart", "baselines".
   */
  kind: string;
  /** Relative to the artifact store's root. */
  path: string;
  size: number;
  sha256: string;
}

export interface ArtifactRecord extends Required<ArtifactInput> {
  id: string;
  createdAt: Date;
}

export function artifactsRepository(prisma: PrismaClient) {
  const toRecord = (row: {
    id: string;
    searchId: string;
    archHash: string | null;
    kind: string;
    path: string;
    size: bigint;
    sha256: string;
    createdAt: Date;
  }): ArtifactRecord => ({ ...row, size: Number(row.size) });

  return {
    /** Records a file; recording the same path again (a resumed search) replaces the row. */
    async record(input: ArtifactInput): Promise<ArtifactRecord> {
      const data = {
        archHash: input.archHash ?? null,
        kind: input.kind,
        size: BigInt(input.size),
        sha256: input.sha256,
      };
      const row = await prisma.artifact.upsert({
        where: { searchId_path: { searchId: input.searchId, path: input.path } },
        create: { searchId: input.searchId, path: input.path, ...data },
        update: data,
      });
      return toRecord(row);
    },

    /** The artifact recorded at `path` (one probe of the (search, path) key), or null. */
    async find(searchId: string, path: string): Promise<ArtifactRecord | null> {
      const row = await prisma.artifact.findUnique({ where: { searchId_path: { searchId, path } } });
      return row ? toRecord(row) : null;
    },

    /** A search's artifacts; with `archHash`, only that architecture's files; with `kind`, only those of that kind. */
    list: async (searchId: string, archHash?: string, kind?: string): Promise<ArtifactRecord[]> =>
      (
        await prisma.artifact.findMany({
          where: { searchId, ...(archHash === undefined ? {} : { archHash }), ...(kind === undefined ? {} : { kind }) },
          orderBy: { path: "asc" },
        })
      ).map(toRecord),
  };
}
