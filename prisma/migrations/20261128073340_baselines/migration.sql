-- Baselines: the reference architectures a job lists, trained alone with the recipe of the final phase and measured on
-- the test split, one row per (search, name). They are not candidates, so the row carries the document and figures.
-- A new table only: nothing existing is rewritten.
-- (No semicolons or quotes in comments: the driver-adapter migration runner splits statements on semicolons.)

-- CreateTable
CREATE TABLE "baselines" (
    "search_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "arch_hash" TEXT NOT NULL,
    "arch" JSONB NOT NULL,
    "macs" BIGINT NOT NULL,
    "params" BIGINT NOT NULL,
    "test_accuracy" DOUBLE PRECISION NOT NULL,
    "val_accuracy" DOUBLE PRECISION NOT NULL,
    "epochs" INTEGER NOT NULL,
    "mode" TEXT NOT NULL,
    "bundle" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "baselines_pkey" PRIMARY KEY ("search_id","name")
);

-- AddForeignKey
ALTER TABLE "baselines" ADD CONSTRAINT "baselines_search_id_fkey" FOREIGN KEY ("search_id") REFERENCES "searches"("id") ON DELETE CASCADE ON UPDATE CASCADE;
