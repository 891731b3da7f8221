import type pg from "pg";
import { isUuid } from "./cursor";
import type { PrismaClient } from "./generated/prisma/client";
import { hashMatches, keyPrefix, newApiKey } from "./secrets";

/**
 * The Redis pub/sub channel on which a revoked key (its id or prefix) is announced, so that every API process drops
 * it from its authentication cache at once. Here because every program that revokes keys (the API, `nas admin`)
 * reaches Postgres through this package.
 */
export function keyRevocationsChannel(prefix: string): string {
  return `${prefix}:api-key-revoked`;
}

export interface ApiKeyRecord {
  id: string;
  teamId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A key that authenticated, with its team. */
export interface KeyIdentity {
  key: { id: string; name: string; prefix: string };
  team: { id: string; name: string };
}

const publicFields = {
  id: true,
  teamId: true,
  name: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

export function apiKeysRepository(prisma: PrismaClient, pool: pg.Pool) {
  return {
    /** Creates a key for a team; the plaintext is returned here and never again. */
    async create(teamId: string, name: string): Promise<{ key: ApiKeyRecord; plaintext: string }> {
      for (let attempt = 0; ; attempt++) {
        const { plaintext, prefix, hash } = newApiKey();
        try {
          const key = await prisma.apiKey.create({ data: { teamId, name, prefix, hash }, select: publicFields });
          return { key, plaintext };
        } catch (error) {
          // A prefix collision (48 random bits) is astronomically rare; retry once or twice, then report.
          if ((error as { code?: string }).code !== "P2002" || attempt >= 2) throw error;
        }
      }
    },

    /** The live key whose plaintext this is, or null (unknown, malformed, revoked). */
    async findByPlaintext(plaintext: string): Promise<KeyIdentity | null> {
      const prefix = keyPrefix(plaintext);
      if (!prefix) return null;
      // Every authenticated request: one statement, without Prisma's per-query overhead.
      const { rows } = await pool.query<{ id: string; name: string; hash: string; teamId: string; teamName: string }>(
        `SELECT k.id, k.name, k.hash, t.id AS "teamId", t.name AS "teamName"
         FROM api_keys k JOIN teams t ON t.id = k.team_id WHERE k.prefix = $1 AND k.revoked_at IS NULL`,
        [prefix],
      );
      const row = rows[0];
      if (!row || !hashMatches(plaintext, row.hash)) return null;
      return { key: { id: row.id, name: row.name, prefix }, team: { id: row.teamId, name: row.teamName } };
    },

    /** Records that a key was used (best effort; callers may throttle). */
    touch: async (id: string): Promise<void> => {
      await prisma.apiKey.update({ where: { id }, data: { lastUsedAt: new Date() } });
    },

    list: (teamId: string): Promise<ApiKeyRecord[]> =>
      prisma.apiKey.findMany({ where: { teamId }, select: publicFields, orderBy: { createdAt: "asc" } }),

    /** Revokes a key by id or prefix; returns false when there is no such live key. */
    async revoke(idOrPrefix: string): Promise<boolean> {
      const where = isUuid(idOrPrefix) ? { id: idOrPrefix } : { prefix: idOrPrefix };
      const out = await prisma.apiKey.updateMany({
        where: { ...where, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      if (out.count > 0) await prisma.session.deleteMany({ where: { apiKey: where } });
      return out.count > 0;
    },
  };
}
