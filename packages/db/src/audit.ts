// The audit log: who (a team's key, or a named actor such as "admin-cli") did what, to which search.
import type { Prisma, PrismaClient } from "./generated/prisma/client";

export interface AuditInput {
  action: string;
  teamId?: string | null;
  apiKeyId?: string | null;
  actor?: string | null;
  searchId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord {
  id: string;
  at: Date;
  action: string;
  teamId: string | null;
  apiKeyId: string | null;
  actor: string | null;
  searchId: string | null;
  details: Record<string, unknown> | null;
}

export function auditRepository(prisma: PrismaClient) {
  return {
    async record(input: AuditInput): Promise<void> {
      await prisma.auditEntry.create({
        data: {
          action: input.action,
          teamId: input.teamId ?? null,
          apiKeyId: input.apiKeyId ?? null,
          actor: input.actor ?? null,
          searchId: input.searchId ?? null,
          ...(input.details ? { details: input.details as Prisma.InputJsonValue } : {}),
        },
      });
    },

    /** Newest first. */
    async list(filter: { teamId?: string; searchId?: string; limit?: number } = {}): Promise<AuditRecord[]> {
      const rows = await prisma.auditEntry.findMany({
        where: {
          ...(filter.teamId ? { teamId: filter.teamId } : {}),
          ...(filter.searchId ? { searchId: filter.searchId } : {}),
        },
        orderBy: { id: "desc" },
        take: filter.limit ?? 100,
      });
      return rows.map((r) => ({ ...r, id: r.id.toString(), details: r.details as Record<string, unknown> | null }));
    },
  };
}
