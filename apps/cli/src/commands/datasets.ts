// `nas datasets push <dir|file>`, `list`, `rm <id>`: a team's datasets on the service (docs/datasets.md). A directory
// is packed as tar.gz while it is sent; a file (tar.gz, tar, zip, .npz) is sent as it is. The service is --url or
// NAS_URL (default http://localhost:3000), the key --key or NAS_API_KEY.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { Readable } from "node:stream";
import { type ApiClient, createApiClient, type Dataset } from "@vitnas/api-client";
import type { Command } from "commander";
import type { SetExit } from "../command";

/** The request failed or the service refused it (as opposed to 2, bad input). */
const FAILED = 1;

interface Service {
  url: string;
  /** The service's typed client (@vitnas/api-client, docs/api-contract.md), authenticated with the team's key. */
  api: ApiClient;
}

function service(command: Command): Service {
  const options = command.optsWithGlobals() as { url?: string; key?: string };
  const apiKey = options.key || process.env.NAS_API_KEY;
  if (!apiKey) throw new UsageError("an API key is needed: --key or NAS_API_KEY (nas admin create-key prints one)");
  const url = (options.url || process.env.NAS_URL || "http://localhost:3000").replace(/\/+$/, "");
  return { url, api: createApiClient(url, { apiKey }) };
}

class UsageError extends Error {}

/** What an openapi-fetch call resolves to. */
interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's body; a refusal becomes an error carrying the service's message, as does an unreachable service. */
async function answer<T>(
  svc: Service,
  call: (api: ApiClient) => Promise<Outcome<T>>,
): Promise<{ data: T; status: number }> {
  let outcome: Outcome<T>;
  try {
    outcome = await call(svc.api);
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    throw new Error(`cannot reach ${svc.url}: ${cause?.message ?? (err as Error).message}`);
  }
  const { data, error, response } = outcome;
  if (!response.ok) {
    const body = (typeof error === "object" && error !== null ? error : {}) as { error?: string; message?: string };
    throw new Error(`${response.status} ${body.error ?? response.statusText}: ${body.message ?? ""}`.trim());
  }
  return { data: data as T, status: response.status };
}

const describe = (d: Dataset) =>
  `${d.id}  ${d.name}  ${d.format}, ${d.classes} classes, ${d.train} training` +
  `${d.test === null ? "" : ` and ${d.test} test`} images, ${d.imageSize ?? "mixed"} px, ${d.channels} channel(s)`;

/** Runs an action; failures become one line on stderr and exit code 1 (2 for usage). */
function run<A extends unknown[]>(setExit: SetExit, action: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      process.stderr.write(`nas datasets: ${(err as Error).message}\n`);
      setExit(err instanceof UsageError ? 2 : FAILED);
    }
  };
}

export function register(program: Command, setExit: SetExit): void {
  const datasets = program
    .command("datasets")
    .description("the team's uploaded datasets on the service: push, list, rm")
    .option("--url <url>", "the service (default: NAS_URL, else http://localhost:3000)")
    .option("--key <key>", "the team's API key (default: NAS_API_KEY)");

  datasets
    .command("push")
    .description("upload a directory (packed as tar.gz on the fly) or an archive file (tar.gz, tar, zip, .npz)")
    .argument("<path>", "a directory of class folders, IDX, CIFAR or .npy files, or an archive of them")
    .option("--name <name>", "the dataset's name (default: the directory's or file's name)")
    .action(
      run(setExit, async (path: string, options: { name?: string }, command: Command) => {
        const svc = service(command);
        const info = await stat(path).catch(() => {
          throw new UsageError(`${path} does not exist`);
        });
        const name = options.name ?? basename(resolve(path)).replace(/\.(tar\.gz|tgz|tar|zip|npz)$/, "");
        const { packDirectory } = await import("@vitnas/datasets");
        const bytes = Readable.toWeb(info.isDirectory() ? packDirectory(path) : createReadStream(path));
        const headers: Record<string, string> = { "content-type": "application/octet-stream" };
        if (!info.isDirectory()) headers["content-length"] = String(info.size);
        // The upload is the archive's bytes, streamed: the API's document describes no request body for them (a body
        // schema would have Fastify validate the stream), so they are passed through as they are.
        const streamed = { duplex: "half" };
        const { data: dataset, status } = await answer(svc, (api) =>
          api.POST("/v1/datasets/", {
            params: { query: { name } },
            body: bytes as never,
            bodySerializer: (body: unknown) => body,
            headers,
            ...streamed,
          }),
        );
        process.stderr.write(`${status === 201 ? "uploaded" : "already uploaded"}: ${describe(dataset)}\n`);
        process.stderr.write(`use it in a job as "dataset": { "kind": "uploaded", "id": "${dataset.id}" }\n`);
        process.stdout.write(`${dataset.id}\n`);
      }),
    );

  datasets
    .command("list")
    .description("the team's datasets, newest first")
    .option("--json", "the service's answer as JSON")
    .action(
      run(setExit, async (options: { json?: boolean }, command: Command) => {
        const { data } = await answer(service(command), (api) => api.GET("/v1/datasets/"));
        const list = data.datasets;
        if (options.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else for (const d of list) process.stdout.write(`${describe(d)}\n`);
      }),
    );

  datasets
    .command("rm")
    .description("delete a dataset (refused while a queued or running search names it)")
    .argument("<id>")
    .action(
      run(setExit, async (id: string, _options: unknown, command: Command) => {
        await answer(service(command), (api) => api.DELETE("/v1/datasets/{id}", { params: { path: { id } } }));
        process.stderr.write(`deleted ${id}\n`);
      }),
    );
}
