// A finished search's report and baselines through the API: report.md as text/markdown and pareto.svg as
// image/svg+xml under a policy that runs no script, a job name written as markup escaped in both (the files are the
// pipeline's own, made here from a search named `<script>alert(1)</script>`), 404 until the search has finished, for
// one that ended without a report and for another team's search; the baselines as JSON and their bundles' download.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { searchKey } from "@vitnas/artifacts";
import { validateJob } from "@vitnas/formats";
import { type BaselineResult, paretoSvg, reportMarkdown } from "@vitnas/pipeline";
import { x as extractTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

const HOSTILE_NAME = "<script>alert(1)</script>";

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let other: Awaited<ReturnType<Harness["team"]>>;
/** Succeeded, with its report and two baselines stored. */
let searchId: string;
const ids: Record<"running" | "failed" | "older" | "tampered", string> = {
  running: "",
  failed: "",
  older: "",
  tampered: "",
};
let markdown: string;
let svg: string;

const job = (name: string) => {
  const checked = validateJob({ ...tinyJob(name), baselines: { builtin: ["smallest", "largest"] } });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return checked.value;
};

const front = [
  { id: "f1", accuracy: 0.5, macs: 1000, params: 10 },
  { id: "f2", accuracy: 0.6, macs: 3000, params: 30 },
];
const baselineResults: BaselineResult[] = [
  {
    name: "uniform-largest",
    id: "hash-large",
    testAccuracy: 0.58,
    valAccuracy: 0.6,
    mode: "finetune",
    epochs: 1,
    bundle: "baselines/uniform-largest",
    macs: 4000,
    params: 40,
  },
  {
    name: "archs[0]",
    id: "hash-own",
    testAccuracy: 0.41,
    valAccuracy: 0.45,
    mode: "finetune",
    epochs: 1,
    bundle: "baselines/archs-0",
    macs: 900,
    params: 9,
  },
];

async function store(id: string, relative: string, text: string, kind: string, archHash?: string) {
  const stored = await h.store.put(searchKey(id, "out", ...relative.split("/")), text);
  await h.db.artifacts.record({
    searchId: id,
    kind,
    path: stored.key,
    size: stored.size,
    sha256: stored.sha256,
    archHash,
  });
}

async function createSearch(teamId: string, name: string, status: "succeeded" | "failed" | "running") {
  const { search } = await h.db.searches.create({ teamId, job: job(name) });
  await h.db.searches.markRunning(search.id, "cpu");
  if (status === "succeeded") await h.db.searches.markSucceeded(search.id);
  if (status === "failed") await h.db.searches.markFailed(search.id, "out of memory");
  return search.id;
}

beforeAll(async () => {
  h = await startHarness();
  team = await h.team("report");
  other = await h.team("report-other");
  searchId = await createSearch(team.id, HOSTILE_NAME, "succeeded");
  const input = {
    job: job(HOSTILE_NAME),
    candidates: front,
    front,
    final: [],
    baselines: baselineResults,
    backend: "cpu",
  };
  markdown = reportMarkdown(input);
  svg = paretoSvg(input);
  await store(searchId, "report.md", markdown, "report");
  await store(searchId, "pareto.svg", svg, "report-chart");
  await store(searchId, "baselines.json", JSON.stringify(baselineResults), "baselines");
  for (const b of baselineResults) {
    const arch = { format: "vit-arch/v1", baseline: b.name };
    await store(searchId, `${b.bundle}/arch.json`, JSON.stringify(arch), "baseline", b.id);
    await store(
      searchId,
      `${b.bundle}/metrics.json`,
      JSON.stringify({ testAccuracy: b.testAccuracy }),
      "baseline",
      b.id,
    );
  }
  await h.db.baselines.replace(
    searchId,
    baselineResults.map((b) => ({ ...b, arch: { format: "vit-arch/v1", baseline: b.name } as never })),
  );

  ids.running = await createSearch(team.id, "running", "running");
  ids.failed = await createSearch(team.id, "failed", "failed");
  // Finished before reports were stored: no report.md recorded.
  ids.older = await createSearch(team.id, "older", "succeeded");
  ids.tampered = await createSearch(team.id, "tampered", "succeeded");
  await store(ids.tampered, "report.md", "# tampered\n", "report");
  await writeFile(join(h.artifactsDir, ...searchKey(ids.tampered, "out", "report.md").split("/")), "# changed\n");
});
afterAll(async () => {
  await h?.close();
});

const get = (url: string, auth = team.auth, id = searchId) =>
  h.app.inject({ method: "GET", url: `/v1/searches/${id}${url}`, headers: auth });
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("the report", () => {
  it("is report.md as text/markdown, the stored bytes, with its digest and a policy that runs nothing", async () => {
    for (const url of ["/report", "/report?format=markdown"]) {
      const res = await get(url);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers["content-type"]).toBe("text/markdown; charset=utf-8");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["content-security-policy"]).toBe("default-src 'none'; sandbox");
      expect(res.headers["content-disposition"]).toBe(`inline; filename="${searchId}-report.md"`);
      expect(res.headers["x-content-sha256"]).toBe(sha256(res.rawPayload));
      expect(res.body).toBe(markdown);
    }
  });

  it("shows a job name written as markup as text, in the markdown and in the chart", async () => {
    const md = (await get("/report")).body;
    expect(md.split("\n")[0]).toBe("# &lt;script&gt;alert\\(1\\)&lt;/script&gt;");
    expect(md).not.toContain("<script");
    expect(md).toContain("## Baselines");

    const chart = (await get("/report?format=svg")).body;
    expect(chart.startsWith("<svg")).toBe(true);
    expect(chart).toContain("&lt;script&gt;alert(1)&lt;/script&gt;: accuracy against MACs");
    expect(chart).not.toMatch(/<script|<foreignObject|\son\w+=/i);
  });

  it("sends pareto.svg as image/svg+xml, at ?format=svg and where report.md's image link points", async () => {
    expect(markdown).toContain("](pareto.svg)");
    const viaQuery = await get("/report?format=svg");
    const sibling = await get("/pareto.svg");
    for (const res of [viaQuery, sibling]) {
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers["content-type"]).toBe("image/svg+xml");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["content-security-policy"]).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
      expect(res.headers["x-content-sha256"]).toBe(sha256(res.rawPayload));
      expect(res.body).toBe(svg);
    }
    expect((await get("/report?format=pdf")).statusCode).toBe(400);
  });

  it("answers 404 until the search has finished, and for one that ended without a report, saying why", async () => {
    const cases: [string, RegExp][] = [
      [ids.running, /is running: its report\.md is written when it finishes/],
      [ids.failed, /has no report\.md: it failed before writing one/],
      [ids.older, /has no report\.md: it finished before reports were stored/],
    ];
    for (const [id, message] of cases) {
      const res = await get("/report", team.auth, id);
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json()).toMatchObject({ error: "not_found", message: expect.stringMatching(message) });
    }
    expect((await get("/pareto.svg", team.auth, ids.running)).json().message).toMatch(/pareto\.svg is written when/);
  });

  it("is never sent when the stored file no longer matches its digest", async () => {
    const res = await get("/report", team.auth, ids.tampered);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain("changed");
  });
});

describe("the baselines", () => {
  it("are listed by MACs with their figures, architecture and download URL", async () => {
    const res = await get("/baselines");
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      items: [baselineResults[1]!, baselineResults[0]!].map(({ bundle: _bundle, ...b }) => ({
        ...b,
        arch: { format: "vit-arch/v1", baseline: b.name },
        download: `/v1/searches/${searchId}/baselines/${encodeURIComponent(b.name)}/download`,
      })),
    });
    expect((await get("/baselines", team.auth, ids.running)).json()).toEqual({ items: [] });
  });

  it("download as .tar.gz under the baseline's directory, by name or by directory, with the digest", async () => {
    const listed = (await get("/baselines")).json().items as { name: string; download: string }[];
    const res = await h.app.inject({ method: "GET", url: listed[0]!.download, headers: team.auth });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toBe("application/gzip");
    expect(res.headers["content-disposition"]).toBe('attachment; filename="archs-0.tar.gz"');
    expect(res.headers["x-arch-id"]).toBe("hash-own");
    expect(res.headers["x-content-sha256"]).toBe(sha256(res.rawPayload));
    expect(res.headers.digest).toBe(`sha-256=${createHash("sha256").update(res.rawPayload).digest("base64")}`);
    expect((await get("/baselines/archs-0/download")).rawPayload.equals(res.rawPayload)).toBe(true);

    const dir = await mkdtemp(join(tmpdir(), "baseline-download-"));
    try {
      await writeFile(join(dir, "b.tar.gz"), res.rawPayload);
      await extractTar({ file: join(dir, "b.tar.gz"), cwd: dir });
      expect(JSON.parse(await readFile(join(dir, "archs-0", "arch.json"), "utf8"))).toEqual({
        format: "vit-arch/v1",
        baseline: "archs[0]",
      });
      expect(JSON.parse(await readFile(join(dir, "archs-0", "metrics.json"), "utf8"))).toEqual({ testAccuracy: 0.41 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const large = await get("/baselines/uniform-largest/download");
    expect(large.headers["x-arch-id"]).toBe("hash-large");
    expect(large.headers["x-content-sha256"]).not.toBe(res.headers["x-content-sha256"]);
  });

  it("answers 404 for a name the search does not have, naming those it has", async () => {
    const res = await get("/baselines/uniform-median/download");
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toBe(
      "baseline uniform-median not found in this search (its baselines: archs[0], uniform-largest)",
    );
    expect((await get("/baselines/uniform-largest/download", team.auth, ids.older)).statusCode).toBe(404);
  });
});

describe("another team", () => {
  it("gets 404 from every route of a search not its own, and nothing of it", async () => {
    for (const url of [
      "/report",
      "/report?format=svg",
      "/pareto.svg",
      "/baselines",
      "/baselines/archs-0/download",
      "/baselines/uniform-largest/download",
    ]) {
      const res = await get(url, other.auth);
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error: "not_found", message: `search ${searchId} not found` });
      expect(res.body, url).not.toContain("0.41");
    }
  });
});

describe("the OpenAPI document", () => {
  it("describes the routes, their formats and the baselines' fields", async () => {
    const doc = (await h.app.inject("/openapi.json")).json();
    const report = doc.paths["/v1/searches/{id}/report"].get;
    expect(Object.keys(report.responses["200"].content)).toEqual(["text/markdown", "image/svg+xml"]);
    expect(report.parameters.find((p: { name: string }) => p.name === "format").schema).toMatchObject({
      default: "markdown",
    });
    expect(Object.keys(doc.paths["/v1/searches/{id}/pareto.svg"].get.responses["200"].content)).toEqual([
      "image/svg+xml",
    ]);
    const baselines = doc.paths["/v1/searches/{id}/baselines"].get.responses["200"].content["application/json"].schema;
    expect(Object.keys(baselines.properties.items.items.properties)).toEqual([
      "name",
      "id",
      "arch",
      "macs",
      "params",
      "testAccuracy",
      "valAccuracy",
      "epochs",
      "mode",
      "download",
    ]);
    expect(doc.paths["/v1/searches/{id}/baselines/{name}/download"].get.summary).toMatch(/X-Content-SHA256/);
  });
});
