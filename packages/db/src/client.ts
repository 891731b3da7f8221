// `createDb(url)`: one connection pool shared by the Prisma client (simple reads and writes) and the repositories
// that need hand-written SQL (batch upserts, keyset pages, downsampling). No module-level state.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { apiKeysRepository } from "./api-keys";
import { artifactsRepository } from "./artifacts";
import { auditRepository } from "./audit";
import { baselinesRepository } from "./baselines";
import { candidatesRepository } from "./candidates";
import { retryReadsOnConnectionLoss } from "./connection-loss";
import { datasetsRepository } from "./datasets";
import { finalTrainingsRepository } from "./final-trainings";
import { frontLatenciesRepository } from "./front-latencies";
import { frontsRepository } from "./fronts";
import { PrismaClient } from "./generated/prisma/client";
import { progressRepository } from "./progress";
import { searchesRepository } from "./searches";
import { sessionsRepository } from "./sessions";
import { supernetsRepository } from "./supernets";
import { teamsRepository } from "./teams";

export interface DbOptions {
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Milliseconds to wait for a connection before failing (default 5000). */
  connectionTimeoutMs?: number;
}

export function createDb(databaseUrl: string, options: DbOptions = {}) {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    // Short queries only: compiling one with the JIT (triggered by row estimates over large tables) costs more
    // than running it.
    options: "-c jit=off",
  });
  // An idle client losing its server (database restart) must not crash the process; the next query reconnects.
  pool.on("error", () => undefined);
  // A read in flight when that happens is run again once on a fresh connection (Prisma's too: it queries the pool).
  retryReadsOnConnectionLoss(pool);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    prisma,
    pool,
    teams: teamsRepository(prisma),
    apiKeys: apiKeysRepository(prisma, pool),
    sessions: sessionsRepository(prisma, pool),
    searches: searchesRepository(prisma, pool),
    progress: progressRepository(pool),
    candidates: candidatesRepository(pool),
    fronts: frontsRepository(pool),
    finalTrainings: finalTrainingsRepository(pool),
    frontLatencies: frontLatenciesRepository(pool),
    baselines: baselinesRepository(pool),
    supernets: supernetsRepository(pool),
    artifacts: artifactsRepository(prisma),
    audit: auditRepository(prisma),
    datasets: datasetsRepository(pool),
    /** Resolves when the database answers a trivial query. */
    async ping(): Promise<void> {
      await pool.query("SELECT 1");
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

export type Db = ReturnType<typeof createDb>;
