-- Uploaded datasets: one row per (team, SHA-256 of the upload), with the kind detected, what the check found and a
-- preview. The bytes live in the artifact store under their digest, so two teams uploading the same file share them.
-- A new table only: nothing existing is rewritten.
-- (No semicolons or quotes in comments: the driver-adapter migration runner splits statements on semicolons.)

-- CreateTable
CREATE TABLE "datasets" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "team_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "summary" JSONB NOT NULL,
    "preview" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "datasets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "datasets_sha256_idx" ON "datasets"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "datasets_team_id_sha256_key" ON "datasets"("team_id", "sha256");

-- AddForeignKey
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;
