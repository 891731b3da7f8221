import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { NasSearch } from "@vitnas/formats";
import type { CandidateRecord, ProgressEvent } from "@vitnas/pipeline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runSelfTest, startSearchProcess } from "../src/search-process";

const runnerModule = pathToFileURL(join(import.meta.dirname, "fixtures", "counting-runner.ts")).href;
const healthModule = pathToFileURL(join(import.meta.dirname, "fixtures", "health.ts")).href;
const job = {
  format: "nas-search/v1",
  space: { input: { imageSize: 8, channels: 3, classes: 2 } },
} as unknown as NasSearch;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "search-process-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stepOf = (event: ProgressEvent | undefined) => (event?.kind === "supernet-step" ? event.step : 0);

function start(workDir: string) {
  const progress: ProgressEvent[] = [];
  const candidates: CandidateRecord[] = [];
  const proc = startSearchProcess(
    { job, workDir, outDir: join(workDir, "out"), runnerModule },
    { onProgress: (event) => progress.push(event), onCandidate: (candidate) => candidates.push(candidate) },
  );
  return { proc, progress, candidates };
}

describe("search child process", () => {
  it("runs a search in another process and relays progress, candidates and the result", async () => {
    const { proc, progress, candidates } = start(dir);
    expect(proc.pid).not.toBe(process.pid);
    const result = await proc.done;
    expect(result.front).toHaveLength(6);
    expect(candidates.map((c) => c.id).sort()).toEqual(result.front.map((p) => p.id).sort());
    expect(progress.at(-1)).toMatchObject({ phase: "done", percent: 100 });
    expect(progress.filter((p) => p.kind === "evaluation").map((p) => p.generation)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(progress.filter((p) => p.kind === "generation").map((p) => p.generation)).toEqual([0, 1]);
  });

  it("aborts with an AbortError after a checkpoint, and a second run resumes from it", async () => {
    const first = start(dir);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (stepOf(first.progress.at(-1)) >= 5) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    first.proc.abort("test");
    await expect(first.proc.done).rejects.toMatchObject({ name: "AbortError" });
    const stoppedAt = JSON.parse(await readFile(join(dir, "count.json"), "utf8")).step as number;
    expect(stoppedAt).toBeGreaterThanOrEqual(5);

    const second = start(dir);
    await second.proc.done;
    const starts = (await readFile(join(dir, "starts.log"), "utf8")).trim().split("\n").map(Number);
    expect(starts).toEqual([0, stoppedAt]);
    const firstStep = second.progress.find((p) => p.kind === "supernet-step" && p.loss !== undefined);
    expect(stepOf(firstStep)).toBe(stoppedAt + 1);
  });

  it("leaves signals to the worker: a SIGINT or SIGTERM sent to the whole process group does not kill the search", async () => {
    const { proc, progress } = start(dir);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (stepOf(progress.at(-1)) >= 2) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    process.kill(proc.pid!, "SIGINT");
    process.kill(proc.pid!, "SIGTERM");
    const result = await proc.done;
    expect(result.front).toHaveLength(6);
  });

  it("checkpoints and exits when its worker is killed outright", async () => {
    const parent = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "fixtures", "orphan-parent.ts"), dir],
      {
        env: { ...process.env, COUNTING_RUNNER_STEP_MS: "100", COUNTING_RUNNER_STEPS: "1000" },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const childPid = await new Promise<number>((resolve) => {
      parent.stdout!.on("data", (chunk: Buffer) => {
        const match = String(chunk).match(/child (\d+)/);
        if (match) resolve(Number(match[1]));
      });
    });
    parent.kill("SIGKILL");
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 10_000;
    while (alive(childPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(childPid)).toBe(false);
    // It stopped at a step boundary after its last checkpoint, far from the end.
    const step = JSON.parse(await readFile(join(dir, "count.json"), "utf8")).step as number;
    expect(step).toBeGreaterThanOrEqual(2);
    expect(step).toBeLessThan(1000);
  });

  it("rejects with the runner's own error message", async () => {
    process.env.COUNTING_RUNNER_FAIL_AT = "3";
    try {
      const { proc } = start(dir);
      await expect(proc.done).rejects.toThrow("counting runner failed at step 3 on purpose");
    } finally {
      delete process.env.COUNTING_RUNNER_FAIL_AT;
    }
  });

  it("reports a module without runSearch clearly", async () => {
    const proc = startSearchProcess(
      { job, workDir: dir, outDir: dir, runnerModule: healthModule },
      { onProgress: () => {}, onCandidate: () => {} },
    );
    await expect(proc.done).rejects.toThrow("does not export runSearch");
  });
});

describe("backend self-test", () => {
  it("passes on a working backend and reports it", async () => {
    const result = await runSelfTest({ module: healthModule, backend: "wasm" });
    expect(result).toMatchObject({ ok: true, backend: "wasm", device: "test" });
  });

  it("fails with the backend's reason", async () => {
    const result = await runSelfTest({ module: healthModule, backend: "broken" });
    expect(result).toMatchObject({ ok: false, error: "gradient check failed" });
  });

  it("fails when the module cannot be loaded", async () => {
    const result = await runSelfTest({ module: "file:///nonexistent/health.ts" });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/nonexistent/);
  });
});
