import type { PrismaClient } from "./generated/prisma/client";

/** A team's own limits (`nas admin set-limits`); null: the service's default applies. */
export interface TeamLimits {
  maxActiveSearches: number | null;
  maxQueuedSearches: number | null;
  maxRunningSearches: number | null;
}

export interface TeamRecord extends TeamLimits {
  id: string;
  name: string;
  createdAt: Date;
}

/** The limits of a team record alone. */
export const teamLimitsOf = (team: TeamLimits): TeamLimits => ({
  maxActiveSearches: team.maxActiveSearches,
  maxQueuedSearches: team.maxQueuedSearches,
  maxRunningSearches: team.maxRunningSearches,
});

export function teamsRepository(prisma: PrismaClient) {
  return {
    create: (name: string): Promise<TeamRecord> => prisma.team.create({ data: { name } }),
    findByName: (name: string): Promise<TeamRecord | null> => prisma.team.findUnique({ where: { name } }),
    list: (): Promise<TeamRecord[]> => prisma.team.findMany({ orderBy: { name: "asc" } }),
    /** Sets (a number) or clears (null) some of the team's own limits; null when there is no such team. */
    async setLimits(name: string, limits: Partial<TeamLimits>): Promise<TeamRecord | null> {
      const out = await prisma.team.updateMany({ where: { name }, data: limits });
      return out.count === 0 ? null : prisma.team.findUnique({ where: { name } });
    },
  };
}
