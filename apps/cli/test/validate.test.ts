import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, runCli } from "./run-cli";

const scratch = mkdtempSync(join(tmpdir(), "nas-validate-"));
const write = (name: string, text: string) => {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
};

describe("nas validate", () => {
  it("prints ok for each of the three formats", async () => {
    for (const name of ["vit-res-tiny", "tiny-space", "tiny-job"]) {
      const run = await runCli(["validate", fixture(name)]);
      expect(run, name).toMatchObject({ code: 0, stdout: "ok\n", stderr: "" });
    }
  });

  it("exits 2 with every problem on stderr, one per line", async () => {
    const doc = JSON.parse(readFileSync(fixture("tiny-job"), "utf8"));
    doc.dataset.imageSize = 64;
    doc.space.stages[1].widths = [8];
    doc.search.extra = true;
    const run = await runCli(["validate", write("job.json", JSON.stringify(doc))]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("invalid nas-search/v1");
    expect(run.stderr).toContain('search.extra: unknown field "extra"');
    const semantic = await runCli(["validate", write("job2.json", JSON.stringify({ ...doc, search: {} }))]);
    expect(semantic.stderr).toContain("dataset.imageSize: must be 32");
    expect(semantic.stderr).toContain("space.stages[1].widths: needs a width >= 64");
  });

  it("exits 2 with a clear message on a missing file, bad JSON or an unknown format", async () => {
    const missing = await runCli(["validate", join(scratch, "absent.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*absent\.json: no such file/);
    const bad = await runCli(["validate", write("bad.json", '{"format": "vit-arch/v1",')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("is not valid JSON");
    const unknown = await runCli(["validate", write("unknown.json", '{"format": "vit-arch/v9"}')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('format: unknown format "vit-arch/v9"');
  });

  it("has --help, and the program lists its commands", async () => {
    const run = await runCli(["validate", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: nas validate");
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/macs[\s\S]*validate/);
  });
});
