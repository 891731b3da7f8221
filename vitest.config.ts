import { defineConfig } from "vitest/config";

// One test run for the whole repository. Two workers: the machines this runs on have two cores, and the
// training, database and browser tests each want one.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts", "tests/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 120_000,
    // Searches and trainings in the tests run on one thread each (two test files already share the two cores);
    // the tests of data-parallel training and evaluation ask for their threads themselves.
    env: { NAS_THREADS: "1" },
    hookTimeout: 120_000,
  },
});
