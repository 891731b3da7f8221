// Starts an S3-compatible server on this machine (fixtures/s3-server.mjs) for the tests and benches of the S3 artifact
// store. `startS3Server` rejects with the reason when the server cannot be started; callers skip with it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { S3ArtifactStore, type S3StoreOptions } from "../src/s3-artifact-store";

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** A store on this server, its local copies under `localDir`. */
  store(localDir: string, options?: Partial<S3StoreOptions>): S3ArtifactStore;
  close(): Promise<void>;
}

const SERVER = join(import.meta.dirname, "fixtures", "s3-server.mjs");

export async function startS3Server(bucket = "vitnas-test"): Promise<S3Server> {
  const dir = await mkdtemp(join(tmpdir(), "s3-server-"));
  const child: ChildProcess = spawn(process.execPath, [SERVER, dir, bucket], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const stopped = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer within 20 s")), 20_000);
      child.once("exit", (code) => reject(new Error(`exited with code ${code}: ${stderr.trim()}`)));
      child.once("error", reject);
      createInterface({ input: child.stdout! }).once("line", (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
    const endpoint = `http://127.0.0.1:${port}`;
    return {
      endpoint,
      bucket,
      store: (localDir, options = {}) =>
        new S3ArtifactStore({
          bucket,
          prefix: "install",
          endpoint,
          region: "us-east-1",
          forcePathStyle: true,
          // s3rver's fixed key pair.
          credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
          localDir,
          saveEveryMs: 1000,
          ...options,
        }),
      async close() {
        child.kill("SIGTERM");
        await stopped;
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw new Error(`the S3-compatible test server (s3rver) could not be started: ${(err as Error).message}`);
  }
}
