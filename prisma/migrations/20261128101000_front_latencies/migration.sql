-- Measured latency: the batch-1 latency in ONNX Runtime of each front architecture on the CPU of the worker, one row
-- per (search, architecture), median and p90 with the threads, runs and CPU it was measured with (docs/export.md).
-- A new table only: nothing existing is rewritten.
-- (No semicolons or quotes in comments: the driver-adapter migration runner splits statements on semicolons.)

-- CreateTable
CREATE TABLE "front_latencies" (
    "search_id" UUID NOT NULL,
    "arch_hash" TEXT NOT NULL,
    "median_ms" DOUBLE PRECISION NOT NULL,
    "p90_ms" DOUBLE PRECISION NOT NULL,
    "threads" INTEGER NOT NULL,
    "runs" INTEGER NOT NULL,
    "cpu" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "front_latencies_pkey" PRIMARY KEY ("search_id","arch_hash")
);

-- AddForeignKey
ALTER TABLE "front_latencies" ADD CONSTRAINT "front_latencies_search_id_arch_hash_fkey" FOREIGN KEY ("search_id", "arch_hash") REFERENCES "candidates"("search_id", "arch_hash") ON DELETE CASCADE ON UPDATE CASCADE;

