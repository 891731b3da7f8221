// Dashboard sessions: the cookie holds an opaque token; the database holds its SHA-256 and the key it stands for.
import type { KeyIdentity } from "./api-keys";
import type { PrismaClient } from "./generated/prisma/client";
import { newSessionToken, sha256 } from "./secrets";

export function sessionsRepository(prisma: PrismaClient) {
  return {
    async create(identity: KeyIdentity, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
      const token = newSessionToken();
      const expiresAt = new Date(Date.now() + ttlMs);
      await prisma.session.create({
        data: { tokenHash: sha256(token), teamId: identity.team.id, apiKeyId: identity.key.id, expiresAt },
      });
      return { token, expiresAt };
    },

    /** The identity behind a live session token, or null (unknown, expired, key revoked). */
    async find(token: string): Promise<KeyIdentity | null> {
      const row = await prisma.session.findUnique({
        where: { tokenHash: sha256(token) },
        include: { team: true, apiKey: true },
      });
      if (!row || row.expiresAt.getTime() <= Date.now() || row.apiKey.revokedAt) return null;
      return {
        key: { id: row.apiKey.id, name: row.apiKey.name, prefix: row.apiKey.prefix },
        team: { id: row.team.id, name: row.team.name },
      };
    },

    delete: async (token: string): Promise<void> => {
      await prisma.session.deleteMany({ where: { tokenHash: sha256(token) } });
    },

    deleteExpired: async (): Promise<number> =>
      (await prisma.session.deleteMany({ where: { expiresAt: { lte: new Date() } } })).count,
  };
}
