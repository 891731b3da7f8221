import type { PrismaClient } from "./generated/prisma/client";

export interface TeamRecord {
  id: string;
  name: string;
  createdAt: Date;
}

export function teamsRepository(prisma: PrismaClient) {
  return {
    create: (name: string): Promise<TeamRecord> => prisma.team.create({ data: { name } }),
    findByName: (name: string): Promise<TeamRecord | null> => prisma.team.findUnique({ where: { name } }),
    list: (): Promise<TeamRecord[]> => prisma.team.findMany({ orderBy: { name: "asc" } }),
  };
}
