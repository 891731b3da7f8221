import { defineConfig } from "vitest/config";

// One test run for the whole repository. Two workers: the machines this runs on have two cores, and the
// training, database and browser tests each want one.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts", "tests/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
