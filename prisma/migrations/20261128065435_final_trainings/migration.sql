-- The final phase: front architectures trained alone after the search, one row per (search, architecture) with
-- the test and validation accuracy, epochs and mode of the trained model. Training metrics name the phase that
-- trained, so the loss curve of the super-network is not mixed with those of the final trainings. Rows written
-- before count as the super-network training. A constant default adds the column without rewriting the table.
-- (No semicolons or quotes in comments: the driver-adapter migration runner splits statements on semicolons.)

-- AlterTable
ALTER TABLE "training_metrics" ADD COLUMN     "phase" TEXT NOT NULL DEFAULT 'supernet';

-- CreateTable
CREATE TABLE "final_trainings" (
    "search_id" UUID NOT NULL,
    "arch_hash" TEXT NOT NULL,
    "test_accuracy" DOUBLE PRECISION NOT NULL,
    "val_accuracy" DOUBLE PRECISION NOT NULL,
    "epochs" INTEGER NOT NULL,
    "mode" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "final_trainings_pkey" PRIMARY KEY ("search_id","arch_hash")
);

-- AddForeignKey
ALTER TABLE "final_trainings" ADD CONSTRAINT "final_trainings_search_id_arch_hash_fkey" FOREIGN KEY ("search_id", "arch_hash") REFERENCES "candidates"("search_id", "arch_hash") ON DELETE CASCADE ON UPDATE CASCADE;
