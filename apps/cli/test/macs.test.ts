import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, root, runCli } from "./run-cli";

describe("nas macs", () => {
  it("prints exactly one JSON line with the exact figures", async () => {
    const run = await runCli(["macs", fixture("vit-res-tiny")]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('{"macs": 1794378240, "params": 42012736}\n');
  });

  it("works through the workspace's bin link, as npx nas", async () => {
    const run = await runCli(["macs", fixture("deit-small")], join(root, "node_modules/.bin/nas"));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ macs: 4_598_882_304, params: 22_050_664 });
  });

  it("exits 2 on an invalid architecture, naming the field on stderr", async () => {
    const doc = JSON.parse(readFileSync(fixture("deit-tiny"), "utf8"));
    doc.stages[0].blocks[2].mlpHidden = -4;
    const file = join(mkdtempSync(join(tmpdir(), "nas-macs-")), "bad.json");
    writeFileSync(file, JSON.stringify(doc));
    const run = await runCli(["macs", file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("stages[0].blocks[2].mlpHidden: must be >= 1");
  });

  it("exits 2 on a search space, which is not an architecture", async () => {
    const run = await runCli(["macs", fixture("tiny-space")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('format: must be "vit-arch/v1"');
  });

  it("has --help", async () => {
    const run = await runCli(["macs", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: nas macs");
  });
});
