// Submissions the service cannot finish (estimated cost above the MAX_JOB_* limits) are refused with 422 and the
// estimate; a team's queued plus running searches are capped (429 with Retry-After), counted race-safely in Postgres.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { estimateJob, validateJob } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_JOB_LIMITS, jobLimitsExceeded } from "../src/job-limits";
import { apiSettingsFromEnv } from "../src/settings";
import { type Harness, startHarness, tinyJob } from "./harness";

const QUOTA = 3;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ jobLimits: { activeSearchesPerTeam: QUOTA } });
});
afterAll(async () => {
  await h?.close();
});

const submit = (auth: { authorization: string }, body: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: "POST", url: "/v1/searches", headers: { ...auth, ...headers }, payload: body as object });

/** The abuse run's job: every knob at the schema's maximum. */
function hugeJob(): Record<string, unknown> {
  const job = tinyJob("huge");
  job.dataset = { kind: "synthetic", classes: 10, imageSize: 32, train: 10_000_000, val: 10_000, test: 1000 };
  job.supernet = { epochs: 10_000, batchSize: 32 };
  job.search = { population: 100_000, generations: 10_000 };
  return job;
}

describe("job cost limits", () => {
  it("refuses a job that cannot finish with 422, naming each limit, its driving field and the estimate", async () => {
    const team = await h.team();
    const res = await submit(team.auth, hugeJob());
    expect(res.statusCode, res.body).toBe(422);
    const body = res.json();
    expect(body.error).toBe("job_too_large");
    const byLimit = Object.fromEntries(body.details.exceeded.map((x: { limit: string }) => [x.limit, x]));
    expect(byLimit.MAX_JOB_TRAINING_MACS).toMatchObject({ path: "supernet.epochs", max: 1e17 });
    expect(byLimit.MAX_JOB_TRAINING_MACS.fields).toEqual([
      "supernet.epochs",
      "dataset.train",
      "space",
      "supernet.archsPerStep",
    ]);
    expect(byLimit.MAX_JOB_EVALUATIONS).toMatchObject({ path: "search.population", value: 100_000 * 10_001 });
    expect(byLimit.MAX_JOB_DATASET_BYTES).toMatchObject({ path: "dataset.train" });
    expect(body.details.estimate).toMatchObject({
      images: { train: 10_000_000, val: 10_000, test: 1000 },
      datasetBytes: 10_011_000 * 32 * 32 * 3 * 4,
    });
    for (const limit of Object.keys(byLimit)) expect(body.message).toContain(limit);
    // Nothing was recorded.
    expect((await h.app.inject({ url: "/v1/searches", headers: team.auth })).json().items).toEqual([]);
  });

  it("applies each limit alone, as configured", async () => {
    const team = await h.team();
    const app = await startHarness({ jobLimits: { datasetBytes: 1_000_000 } });
    try {
      const member = await app.team();
      const small = tinyJob();
      const res = await app.app.inject({ method: "POST", url: "/v1/searches", headers: member.auth, payload: small });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().details.exceeded).toEqual([
        expect.objectContaining({ limit: "MAX_JOB_DATASET_BYTES", max: 1_000_000, path: "dataset.test" }),
      ]);
    } finally {
      await app.close();
    }
    // The same job passes the defaults.
    expect((await submit(team.auth, tinyJob())).statusCode).toBe(201);
  });

  it("accepts every example job and test fixture under the default limits", () => {
    const root = join(import.meta.dirname, "../../..");
    const files = [
      ...readdirSync(join(root, "examples")).map((f) => join(root, "examples", f)),
      join(root, "tests/fixtures/tiny-search.json"),
      join(root, "packages/formats/test/fixtures/tiny-job.json"),
    ];
    let jobs = 0;
    for (const file of files) {
      const doc = JSON.parse(readFileSync(file, "utf8"));
      if (doc.format !== "nas-search/v1") continue;
      const result = validateJob(doc);
      if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.errors)}`);
      expect(jobLimitsExceeded(result.value, estimateJob(result.value), DEFAULT_JOB_LIMITS), file).toEqual([]);
      jobs++;
    }
    expect(jobs).toBeGreaterThanOrEqual(5);
  });

  it("reads the limits from the environment", () => {
    const settings = apiSettingsFromEnv({ MAX_JOB_TRAINING_MACS: "1e15", MAX_ACTIVE_SEARCHES_PER_TEAM: "5" });
    expect(settings.jobLimits).toEqual({ ...DEFAULT_JOB_LIMITS, trainingMacs: 1e15, activeSearchesPerTeam: 5 });
    expect(apiSettingsFromEnv({}).jobLimits).toEqual(DEFAULT_JOB_LIMITS);
    expect(() => apiSettingsFromEnv({ MAX_JOB_EVALUATIONS: "0" })).toThrow(/MAX_JOB_EVALUATIONS/);
  });
});

describe("per-team quota of queued and running searches", () => {
  it("answers 429 with Retry-After beyond the quota, and only for that team", async () => {
    const [busy, other] = [await h.team(), await h.team()];
    const ids: string[] = [];
    for (let i = 0; i < QUOTA; i++) {
      const res = await submit(busy.auth, tinyJob(`s${i}`));
      expect(res.statusCode).toBe(201);
      ids.push(res.json().id);
    }
    await h.db.searches.markRunning(ids[0]!, "cpu");
    const refused = await submit(busy.auth, tinyJob("one too many"));
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.headers["retry-after"]).toBe("60");
    expect(refused.json()).toMatchObject({
      error: "team_quota_exceeded",
      message: expect.stringContaining("MAX_ACTIVE_SEARCHES_PER_TEAM"),
      details: { limit: "MAX_ACTIVE_SEARCHES_PER_TEAM", max: QUOTA, active: QUOTA },
    });
    expect((await submit(other.auth, tinyJob())).statusCode).toBe(201);
    // A finished search frees its place.
    await h.app.inject({ method: "POST", url: `/v1/searches/${ids[1]}/cancel`, headers: busy.auth });
    expect((await submit(busy.auth, tinyJob("freed"))).statusCode).toBe(201);
    // Resuming takes a place again, so it is refused while the team is full.
    const resumed = await h.app.inject({ method: "POST", url: `/v1/searches/${ids[1]}/resume`, headers: busy.auth });
    expect(resumed.statusCode, resumed.body).toBe(429);
    expect((await h.db.searches.get(ids[1]!))?.status).toBe("cancelled");
  });

  it("never counts an idempotent retry of an accepted search twice", async () => {
    const team = await h.team();
    const first = await submit(team.auth, tinyJob("kept"), { "idempotency-key": "k-1" });
    for (let i = 1; i < QUOTA; i++) expect((await submit(team.auth, tinyJob(`f${i}`))).statusCode).toBe(201);
    const again = await submit(team.auth, tinyJob("kept"), { "idempotency-key": "k-1" });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    expect((await submit(team.auth, tinyJob("new"), { "idempotency-key": "k-2" })).statusCode).toBe(429);
  });

  it("holds under a burst of concurrent submissions", async () => {
    const team = await h.team();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => submit(team.auth, tinyJob(`b${i}`))));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(QUOTA);
    expect(codes.filter((c) => c === 429)).toHaveLength(12 - QUOTA);
    const page = (await h.app.inject({ url: "/v1/searches?limit=50", headers: team.auth })).json();
    expect(page.items).toHaveLength(QUOTA);
  });
});
