-- Train once, search many: every super-network a search trained, with what it was trained on and how, so later
-- searches of its team search on it without training. A search notes the one it reused. Teams get their own limits
-- on active, queued and running searches (null: the service default).
-- New tables and nullable columns only: nothing existing is rewritten.
-- (No semicolons or quotes in comments: the driver-adapter migration runner splits statements on semicolons.)

-- AlterTable
ALTER TABLE "teams" ADD COLUMN "max_active_searches" INTEGER,
ADD COLUMN "max_queued_searches" INTEGER,
ADD COLUMN "max_running_searches" INTEGER;

-- AlterTable
ALTER TABLE "searches" ADD COLUMN "supernet_id" UUID;

-- CreateTable
CREATE TABLE "supernets" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "team_id" UUID NOT NULL,
    "search_id" UUID NOT NULL,
    "space_hash" TEXT NOT NULL,
    "dataset_fingerprint" TEXT NOT NULL,
    "recipe_hash" TEXT NOT NULL,
    "checkpoint" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "epochs" INTEGER NOT NULL,
    "largest_accuracy" DOUBLE PRECISION NOT NULL,
    "largest_macs" BIGINT NOT NULL,
    "smallest_accuracy" DOUBLE PRECISION NOT NULL,
    "smallest_macs" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "supernets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "supernets_search_id_key" ON "supernets"("search_id");

-- CreateIndex
CREATE INDEX "supernets_team_id_created_at_id_idx" ON "supernets"("team_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "supernets_team_id_space_hash_recipe_hash_dataset_fingerprin_idx" ON "supernets"("team_id", "space_hash", "recipe_hash", "dataset_fingerprint");

-- AddForeignKey
ALTER TABLE "searches" ADD CONSTRAINT "searches_supernet_id_fkey" FOREIGN KEY ("supernet_id") REFERENCES "supernets"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "supernets" ADD CONSTRAINT "supernets_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "supernets" ADD CONSTRAINT "supernets_search_id_fkey" FOREIGN KEY ("search_id") REFERENCES "searches"("id") ON DELETE CASCADE ON UPDATE CASCADE;
