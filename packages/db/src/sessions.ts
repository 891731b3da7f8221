// Dashboard sessions: the cookie holds an opaque token; the database holds its SHA-256 and the key it stands for.

import type pg from "pg";
import type { KeyIdentity } from "./api-keys";
import type { PrismaClient } from "./generated/prisma/client";
import { newSessionToken, sha256 } from "./secrets";

export function sessionsRepository(prisma: PrismaClient, pool: pg.Pool) {
  return {
    async create(identity: KeyIdentity, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
      const token = newSessionToken();
      const expiresAt = new Date(Date.now() + ttlMs);
      await prisma.session.create({
        data: { tokenHash: sha256(token), teamId: identity.team.id, apiKeyId: identity.key.id, expiresAt },
      });
      return { token, expiresAt };
    },

    /** The identity behind a live session token, or null (unknown, expired, key revoked). One statement per request. */
    async find(token: string): Promise<KeyIdentity | null> {
      const { rows } = await pool.query<{
        keyId: string;
        keyName: string;
        prefix: string;
        teamId: string;
        teamName: string;
      }>(
        `SELECT k.id AS "keyId", k.name AS "keyName", k.prefix, t.id AS "teamId", t.name AS "teamName"
         FROM sessions s JOIN api_keys k ON k.id = s.api_key_id JOIN teams t ON t.id = s.team_id
         WHERE s.token_hash = $1 AND s.expires_at > now() AND k.revoked_at IS NULL`,
        [sha256(token)],
      );
      const row = rows[0];
      return row
        ? {
            key: { id: row.keyId, name: row.keyName, prefix: row.prefix },
            team: { id: row.teamId, name: row.teamName },
          }
        : null;
    },

    delete: async (token: string): Promise<void> => {
      await prisma.session.deleteMany({ where: { tokenHash: sha256(token) } });
    },

    deleteExpired: async (): Promise<number> =>
      (await prisma.session.deleteMany({ where: { expiresAt: { lte: new Date() } } })).count,
  };
}
