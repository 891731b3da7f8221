// One upload through the real API in a process of its own, so its peak resident memory is the upload's alone:
// `tsx bench/upload/server.ts <archive>` prints { seconds, status, peakRssMiB, startRssMiB, dataset } as JSON.
// A scratch database and artifact store are made and removed around it (bench/upload.ts runs it).
import { createReadStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "@vitnas/api";
import { LocalArtifactStore, storeDatasetBlobs } from "@vitnas/artifacts";
import { createDb, createScratchDatabase } from "@vitnas/db";

const archive = process.argv[2]!;
const scratch = await createScratchDatabase();
const db = createDb(scratch.url);
const dir = await mkdtemp(join(tmpdir(), "bench-upload-store-"));
const store = new LocalArtifactStore(dir);
const noop = async () => undefined;
const app = await buildApp({
  db,
  artifacts: store,
  datasetBlobs: storeDatasetBlobs(store),
  datasetLimits: { uploadBytes: 4 * 1024 ** 3 },
  dispatch: { enqueue: noop, withdraw: noop, depth: async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0 }) },
  rateLimit: false,
});
try {
  const team = await db.teams.create("bench");
  const { plaintext } = await db.apiKeys.create(team.id, "bench");
  const size = (await stat(archive)).size;
  const startRss = process.memoryUsage.rss();
  const started = performance.now();
  const res = await app.inject({
    method: "POST",
    url: "/v1/datasets?name=bench",
    headers: {
      authorization: `Bearer ${plaintext}`,
      "content-type": "application/gzip",
      "content-length": String(size),
    },
    payload: createReadStream(archive),
  });
  const seconds = (performance.now() - started) / 1000;
  const mib = (bytes: number) => Math.round(bytes / 1024 ** 2);
  console.log(
    JSON.stringify({
      seconds,
      status: res.statusCode,
      sizeMiB: mib(size),
      startRssMiB: mib(startRss),
      // maxRSS is in kibibytes.
      peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
      dataset: res.json(),
    }),
  );
} finally {
  await app.close();
  await db.close();
  await scratch.drop();
  await rm(dir, { recursive: true, force: true });
}
