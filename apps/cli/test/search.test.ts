import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { root, runCli } from "./run-cli";

const scratch = mkdtempSync(join(tmpdir(), "nas-search-"));
afterAll(() => {
  // Left for inspection on failure only when asked.
  if (!process.env.KEEP_SCRATCH) spawn("rm", ["-rf", scratch]);
});

const tinyJob = () => JSON.parse(readFileSync(join(root, "examples/tiny.json"), "utf8"));
const writeJob = (name: string, doc: unknown) => {
  const file = join(scratch, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
};

describe("nas search: bad input exits 2 naming the problem", () => {
  it("an invalid job names the field", async () => {
    const doc = tinyJob();
    doc.supernet.epochs = 0;
    doc.search.extra = 1;
    const run = await runCli(["search", writeJob("bad.json", doc), "--out", join(scratch, "bad")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("invalid nas-search/v1");
    expect(run.stderr).toContain("supernet.epochs");
    expect(run.stderr).toContain("search.extra");
  });

  it("a missing job file, a dataset path that does not exist, an unwritable output, an unknown backend", async () => {
    const missing = await runCli(["search", join(scratch, "nope.json"), "--out", join(scratch, "x")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");

    const doc = tinyJob();
    doc.dataset = { kind: "cifar10", path: join(scratch, "no-cifar-here") };
    doc.space.input.imageSize = 32;
    doc.space.input.classes = 10;
    const noData = await runCli(["search", writeJob("cifar.json", doc), "--out", join(scratch, "y")]);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/dataset\.path: .*no-cifar-here does not exist/);

    const file = join(scratch, "a-file");
    writeFileSync(file, "");
    const unwritable = await runCli(["search", join(root, "examples/tiny.json"), "--out", join(file, "out")]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/output directory .*a-file\/out cannot be written/);

    const backend = await runCli([
      "search",
      join(root, "examples/tiny.json"),
      "--out",
      join(scratch, "z"),
      "--backend",
      "gpu",
    ]);
    expect(backend.code).toBe(2);
    expect(backend.stderr).toContain('--backend: "gpu" is not one of');
  });

  it("a dataset whose classes do not match the space", async () => {
    const doc = tinyJob();
    doc.dataset.classes = 5;
    const run = await runCli(["search", writeJob("classes.json", doc), "--out", join(scratch, "classes")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/classes/);
  });
});

/** Runs `nas search` and sends SIGINT once a training step past `afterStep` is reported. */
function interruptedSearch(
  job: string,
  out: string,
  afterStep: number,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, "apps/cli/bin/nas.js"), "search", job, "--out", out, "--json"], {
      cwd: root,
    });
    let buffer = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const event = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (!sent && event.phase === "supernet" && event.step >= afterStep) {
          sent = true;
          child.kill("SIGINT");
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("exit", (code) => done({ code, stderr }));
  });
}

describe("nas search: a run, Ctrl-C and resume", () => {
  it("exits 130 on SIGINT with a checkpoint, and the same command resumes to the front", async () => {
    const doc = tinyJob();
    doc.supernet.epochs = 8;
    const job = writeJob("long.json", doc);
    const out = join(scratch, "resumed");
    const stopped = await interruptedSearch(job, out, 2);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain("run the same command to resume");
    expect(existsSync(join(out, "work", "supernet", "checkpoint.json"))).toBe(true);
    expect(existsSync(join(out, "pareto.json"))).toBe(false);

    const resumed = await runCli(["search", job, "--out", out, "--json"]);
    expect(resumed.code).toBe(0);
    const lines = resumed.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const firstStep = lines.find((l) => l.phase === "supernet" && l.step !== undefined);
    expect(firstStep.step).toBeGreaterThanOrEqual(2);
    const result = lines.at(-1);
    expect(result.type).toBe("result");
    const pareto = JSON.parse(readFileSync(join(out, "pareto.json"), "utf8"));
    expect(pareto.map((p: { id: string }) => p.id)).toEqual(result.front.map((p: { id: string }) => p.id));
  });
});

describe("nas search --supernet: train once, search many", () => {
  it("searches on an earlier search's super-network with another MACs budget, training nothing", async () => {
    const first = join(scratch, "trained");
    const trained = await runCli(["search", join(root, "examples/tiny.json"), "--out", first, "--json"]);
    expect(trained.code, trained.stderr).toBe(0);
    const front = (JSON.parse(trained.stdout.trim().split("\n").at(-1)!) as { front: { macs: number }[] }).front;
    const budget = Math.min(...front.map((p) => p.macs));
    const doc = tinyJob();
    doc.search.constraints = { macs: { max: budget } };
    const again = await runCli([
      "search",
      writeJob("again.json", doc),
      "--out",
      join(scratch, "again"),
      "--json",
      "--supernet",
      join(first, "work"),
    ]);
    expect(again.code, again.stderr).toBe(0);
    const lines = again.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.some((l) => l.phase === "supernet" && l.loss !== undefined)).toBe(false);
    expect(lines.find((l) => l.phase === "supernet")?.message).toMatch(/without training/);
    for (const p of lines.at(-1).front) expect(p.macs).toBeLessThanOrEqual(budget);
  });

  it("refuses a directory without a checkpoint, and supernet.from without --supernet", async () => {
    const none = await runCli([
      "search",
      join(root, "examples/tiny.json"),
      "--out",
      join(scratch, "n"),
      "--supernet",
      scratch,
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--supernet: ");
    const doc = tinyJob();
    doc.supernet.from = "a-service-supernet";
    const from = await runCli(["search", writeJob("from.json", doc), "--out", join(scratch, "f")]);
    expect(from.code).toBe(2);
    expect(from.stderr).toMatch(/^supernet\.from: /);
  });
});
