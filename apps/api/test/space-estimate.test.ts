// POST /v1/spaces/estimate: a space or a job checked and priced before submission, with the same issues and limit
// messages POST /v1/searches gives, the space's size and the MACs range from its smallest to its largest
// architecture; authenticated like the other routes (a key, or a session cookie with the CSRF header).
import {
  countArch,
  estimateJob,
  largestArch,
  smallestArch,
  spaceSize,
  type VitSpace,
  validateJob,
  validateSpace,
} from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

// The tiny job evaluates 4 x (1 + 1) = 8 candidates: a population of 10 exceeds this limit.
const MAX_EVALUATIONS = 10;

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;

beforeAll(async () => {
  h = await startHarness({ jobLimits: { evaluations: MAX_EVALUATIONS } });
  team = await h.team("estimate");
});
afterAll(async () => {
  await h?.close();
});

const estimate = (body: unknown, headers: Record<string, string> = team.auth) =>
  h.app.inject({
    method: "POST",
    url: "/v1/spaces/estimate",
    headers: { ...headers, "content-type": "application/json" },
    payload: JSON.stringify(body),
  });
const submit = (body: unknown) =>
  h.app.inject({ method: "POST", url: "/v1/searches", headers: team.auth, payload: body as object });

const tinySpace = () =>
  structuredClone(tinyJob().space) as Record<string, unknown> & { stages: Record<string, unknown>[] };

function figures(doc: unknown) {
  const r = validateSpace(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const space: VitSpace = r.value;
  const count = (arch: ReturnType<typeof largestArch>) => {
    const { macs, params } = countArch(arch);
    return { macs, params };
  };
  return {
    size: spaceSize(space).toString(),
    smallest: count(smallestArch(space)),
    largest: count(largestArch(space)),
  };
}

describe("POST /v1/spaces/estimate", () => {
  it("answers a space with its size and the MACs and parameters of its smallest and largest architectures", async () => {
    const res = await estimate(tinySpace());
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    // widths 2 x (depth 1: 8 blocks + depth 2: 8^2) with 2 heads x 2 MLP sizes x 2 attention types per block.
    expect(body).toEqual({
      format: "vit-space/v1",
      valid: true,
      issues: [],
      space: { ...figures(tinySpace()), size: "144" },
      estimate: null,
      limits: [],
    });
    expect(body.space.smallest.macs).toBeLessThan(body.space.largest.macs);
  });

  it("lists every issue of a space at its path, as validation reports them, without refusing the request", async () => {
    const space = tinySpace();
    space.stages[0]!.widths = [0, 48];
    space.stages[0]!.attention = ["softmax", "sparse"];
    const res = await estimate(space);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const expected = validateSpace(space);
    expect(expected.ok).toBe(false);
    expect(body).toMatchObject({ format: "vit-space/v1", valid: false, space: null, estimate: null });
    expect(body.issues).toEqual(expected.ok ? [] : expected.errors);
    expect(body.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(["stages[0].widths[0]", "stages[0].attention[1]"]),
    );
  });

  it("answers a valid job with its cost estimate, the same one submission checks", async () => {
    const job = tinyJob("priced");
    const res = await estimate(job);
    expect(res.statusCode, res.body).toBe(200);
    const complete = validateJob(job);
    if (!complete.ok) throw new Error("the tiny job is valid");
    expect(res.json()).toEqual({
      format: "nas-search/v1",
      valid: true,
      issues: [],
      space: figures(job.space),
      estimate: JSON.parse(JSON.stringify(estimateJob(complete.value))),
      limits: [],
    });
    expect(res.json().estimate).toMatchObject({ evaluations: 8, images: { train: 256, val: 64 } });
  });

  it("gives an invalid job's issues exactly as submission does, and still its space's figures", async () => {
    const job = tinyJob("broken") as Record<string, unknown> & { supernet: Record<string, unknown> };
    job.supernet.epochs = 0;
    (job.dataset as Record<string, unknown>).classes = 7;
    const res = await estimate(job);
    const refused = await submit(job);
    expect(refused.statusCode).toBe(400);
    expect(res.json().issues).toEqual(refused.json().details);
    expect(res.json().issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(["supernet.epochs"]));
    expect(res.json()).toMatchObject({ valid: false, space: figures(job.space), estimate: null });
  });

  it("reports what only the service refuses: a seed it cannot store and a dataset outside its roots", async () => {
    const job = tinyJob("service") as Record<string, unknown>;
    job.seed = 2 ** 31;
    job.dataset = { kind: "cifar10", path: "/etc", val: 100 };
    job.space = { ...tinySpace(), input: { imageSize: 32, channels: 3, classes: 10 } };
    const res = await estimate(job);
    const refused = await submit(job);
    expect(refused.statusCode).toBe(400);
    expect(res.json().valid).toBe(false);
    expect(res.json().issues).toEqual(refused.json().details);
    expect(res.json().issues.map((i: { path: string }) => i.path)).toEqual(["seed", "dataset.path"]);
    // The job itself is valid, so it is priced.
    expect(res.json().estimate.images).toMatchObject({ train: 49_900, val: 100 });
  });

  it("names the operator's limit a job exceeds in the words of submission's 422", async () => {
    const job = tinyJob("too-many") as Record<string, unknown>;
    job.search = { population: MAX_EVALUATIONS, generations: 1 };
    const res = await estimate(job);
    const refused = await submit(job);
    expect(refused.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ valid: false, issues: [] });
    expect(res.json().limits).toEqual(refused.json().details.exceeded);
    expect(res.json().limits[0]).toMatchObject({ limit: "MAX_JOB_EVALUATIONS", path: "search.population", value: 20 });
  });

  it("says what it estimates when given an architecture or no document", async () => {
    const arch = await estimate({ format: "vit-arch/v1" });
    expect(arch.statusCode).toBe(200);
    expect(arch.json()).toMatchObject({ format: null, valid: false, issues: [{ path: "format" }] });
    expect(arch.json().issues[0].message).toContain("vit-space/v1");
    const list = await estimate([1, 2]);
    expect(list.statusCode).toBe(200);
    expect(list.json().issues).toEqual([{ path: "", message: expect.stringContaining("JSON object") }]);
    const garbled = await h.app.inject({
      method: "POST",
      url: "/v1/spaces/estimate",
      headers: { ...team.auth, "content-type": "application/json" },
      payload: "{ not json",
    });
    expect(garbled.statusCode).toBe(400);
    expect(garbled.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  });

  it("is authenticated like every route: a key, or a session cookie with the CSRF header", async () => {
    expect((await estimate(tinySpace(), {})).statusCode).toBe(401);
    expect((await estimate(tinySpace(), { authorization: "Bearer vnk_nope" })).statusCode).toBe(401);
    const signIn = await h.app.inject({
      method: "POST",
      url: "/v1/session",
      headers: { "x-requested-with": "fetch" },
      payload: { apiKey: team.key },
    });
    const cookie = String([signIn.headers["set-cookie"]].flat()[0]).split(";")[0]!;
    const withoutHeader = await estimate(tinySpace(), { cookie });
    expect(withoutHeader.statusCode).toBe(403);
    expect(withoutHeader.json().error).toBe("csrf");
    expect((await estimate(tinySpace(), { cookie, "x-requested-with": "fetch" })).statusCode).toBe(200);
  });

  it("is described in the OpenAPI document with its answer", async () => {
    const doc = (await h.app.inject({ url: "/openapi.json" })).json();
    const operation = doc.paths["/v1/spaces/estimate"].post;
    expect(operation.requestBody.content["application/json"].schema.description).toContain("vit-space/v1");
    const answer = operation.responses["200"].content["application/json"].schema;
    expect(Object.keys(answer.properties)).toEqual(["format", "valid", "issues", "space", "estimate", "limits"]);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["401", "429"]));
  });
});
