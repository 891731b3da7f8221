-- Candidate documents move to their own table so that the candidates table keeps narrow rows, and the candidate
-- indexes carry the figures that filters and keyset pages read. Existing documents are copied before the column
-- is dropped. (No semicolons in comments: the driver-adapter migration runner splits statements on them.)

-- DropIndex
DROP INDEX "candidates_search_id_accuracy_arch_hash_idx";

-- DropIndex
DROP INDEX "candidates_search_id_macs_arch_hash_idx";

-- CreateTable
CREATE TABLE "candidate_archs" (
    "search_id" UUID NOT NULL,
    "arch_hash" TEXT NOT NULL,
    "arch" JSONB NOT NULL,

    CONSTRAINT "candidate_archs_pkey" PRIMARY KEY ("search_id","arch_hash")
);

-- CopyData
INSERT INTO "candidate_archs" ("search_id", "arch_hash", "arch") SELECT "search_id", "arch_hash", "arch" FROM "candidates";

-- AlterTable
ALTER TABLE "candidates" DROP COLUMN "arch";

-- CreateIndex
CREATE INDEX "candidates_search_id_accuracy_arch_hash_macs_params_idx" ON "candidates"("search_id", "accuracy" DESC, "arch_hash", "macs", "params");

-- CreateIndex
CREATE INDEX "candidates_search_id_macs_arch_hash_accuracy_params_idx" ON "candidates"("search_id", "macs", "arch_hash", "accuracy", "params");

-- CreateIndex
CREATE INDEX "candidates_search_id_macs_accuracy_arch_hash_idx" ON "candidates"("search_id", "macs", "accuracy" DESC, "arch_hash");

-- AddForeignKey
ALTER TABLE "candidate_archs" ADD CONSTRAINT "candidate_archs_search_id_arch_hash_fkey" FOREIGN KEY ("search_id", "arch_hash") REFERENCES "candidates"("search_id", "arch_hash") ON DELETE CASCADE ON UPDATE CASCADE;
