// A finished search's report and baselines as the API serves them. report.md and pareto.svg are found by their paths
// in the search's output (`searches/<id>/out/...`), so a search whose files were stored before they had kinds of
// their own is served too, and read back against the digest recorded when they were stored.
import { createHash } from "node:crypto";
import { searchKey } from "@vitnas/artifacts";
import type { ArtifactRecord, BaselineRecord, Db, SearchRecord } from "@vitnas/db";
import { type ArtifactReader, CorruptArtifactError } from "./bundle-archive";
import { ApiError } from "./errors";

export const REPORT_FILES = { markdown: "report.md", svg: "pareto.svg" } as const;
export type ReportFormat = keyof typeof REPORT_FILES;

/** A stored file's bytes, checked against the digest recorded with it. */
export async function readArtifact(store: ArtifactReader, record: ArtifactRecord): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.open(record.path)) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  if (createHash("sha256").update(bytes).digest("hex") !== record.sha256) throw new CorruptArtifactError(record.path);
  return bytes;
}

/**
 * report.md or pareto.svg of the search. 404 while it is queued or running (a resumed search rewrites its outputs,
 * so an earlier run's report is not served meanwhile), and when it ended without one.
 */
export async function reportFile(
  db: Db,
  store: ArtifactReader,
  search: SearchRecord,
  format: ReportFormat,
): Promise<{ bytes: Buffer; sha256: string }> {
  const { id, status } = search;
  const file = REPORT_FILES[format];
  if (status === "queued" || status === "running") {
    throw new ApiError(404, "not_found", `search ${id} is ${status}: its ${file} is written when it finishes`, {
      status,
    });
  }
  const record = await db.artifacts.find(id, searchKey(id, "out", file));
  if (!record) {
    const why =
      status === "succeeded"
        ? "it finished before reports were stored"
        : `it ${status === "failed" ? "failed" : "was cancelled"} before writing one`;
    throw new ApiError(404, "not_found", `search ${id} has no ${file}: ${why}`, { status });
  }
  return { bytes: await readArtifact(store, record), sha256: record.sha256 };
}

/** The URL a baseline's bundle is downloaded from. */
export const baselineDownloadUrl = (searchId: string, name: string) =>
  `/v1/searches/${searchId}/baselines/${encodeURIComponent(name)}/download`;

/** The search's baselines with their download URLs (by increasing MACs). */
export async function baselines(db: Db, searchId: string) {
  return (await db.baselines.list(searchId)).map(({ bundle: _bundle, ...b }) => ({
    ...b,
    arch: b.arch as unknown as Record<string, unknown>,
    download: baselineDownloadUrl(searchId, b.name),
  }));
}

/** The baseline called `name` (or whose bundle directory is `name`) and its bundle's stored files; 404 without. */
export async function baselineBundle(
  db: Db,
  searchId: string,
  name: string,
): Promise<{ baseline: BaselineRecord; files: ArtifactRecord[] }> {
  const all = await db.baselines.list(searchId);
  const baseline = all.find((b) => b.name === name) ?? all.find((b) => b.bundle.split("/").at(-1) === name);
  if (!baseline) {
    const known = all.length > 0 ? ` (its baselines: ${all.map((b) => b.name).join(", ")})` : "";
    throw new ApiError(404, "not_found", `baseline ${name} not found in this search${known}`);
  }
  const prefix = `${searchKey(searchId, "out", baseline.bundle)}/`;
  const files = (await db.artifacts.list(searchId, undefined, "baseline")).filter((f) => f.path.startsWith(prefix));
  if (files.length === 0) throw new ApiError(404, "not_found", `baseline ${baseline.name} has no stored bundle`);
  return { baseline, files };
}
