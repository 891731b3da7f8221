// Checks of the deployment files that need no Docker engine: docker-compose.yml as data, each Dockerfile parsed
// into stages (sources, stage references, user, health checks, the npm scripts and entry files the images run),
// the lock file as the images' `npm ci` reads it, and the health probe run against a real HTTP server.
import { execFile, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix, resolve } from "node:path";
import dockerignore from "@balena/dockerignore";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { validate as lintDockerfile } from "dockerfile-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { sourceText } from "./source-text";

const root = resolve(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const readJson = (path: string) => JSON.parse(read(path)) as PackageJson;

interface PackageJson {
  name?: string;
  workspaces?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

// ---------------------------------------------------------------------------------------------------------------
// The repository as the build context sees it.

const ignored = dockerignore().add(read(".dockerignore").split("\n"));

/** Workspace directories (relative to the root) and their manifests, from the root's `workspaces` globs. */
function workspaces(): Map<string, PackageJson> {
  const found = new Map<string, PackageJson>();
  for (const pattern of readJson("package.json").workspaces ?? []) {
    if (!pattern.endsWith("/*")) throw new Error(`workspace pattern ${pattern} is not of the form <dir>/*`);
    const parent = pattern.slice(0, -2);
    for (const entry of readdirSync(join(root, parent)).sort()) {
      const dir = `${parent}/${entry}`;
      if (existsSync(join(root, dir, "package.json"))) found.set(dir, readJson(`${dir}/package.json`));
    }
  }
  return found;
}

/** The manifest that `npm run <script> [-w name]` run from the root reads. */
function manifestFor(workspace: string | undefined): { dir: string; manifest: PackageJson } {
  if (workspace === undefined) return { dir: ".", manifest: readJson("package.json") };
  for (const [dir, manifest] of workspaces()) {
    if (manifest.name === workspace || dir === workspace) return { dir, manifest };
  }
  throw new Error(`no workspace named ${workspace}`);
}

/**
 * Checks `npm run <script> [-w <workspace>]` given as words: the script exists in that package.json, and when it
 * runs a local TypeScript or JavaScript file through tsx or node, that file exists too. Returns the problems found.
 */
function npmRunProblems(words: string[], depth = 0): string[] {
  const runAt = words.findIndex((w, i) => w === "npm" && (words[i + 1] === "run" || words[i + 1] === "run-script"));
  if (runAt < 0) return [];
  const rest = words.slice(runAt + 2);
  let workspace: string | undefined;
  let script: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === "-w" || word === "--workspace") workspace = rest[++i];
    else if (word.startsWith("--workspace=")) workspace = word.slice("--workspace=".length);
    else if (word === "--") break;
    else if (!word.startsWith("-") && script === undefined) script = word;
  }
  if (script === undefined) return [`"${words.join(" ")}" names no script`];
  const { dir, manifest } = manifestFor(workspace);
  const body = manifest.scripts?.[script];
  if (body === undefined) return [`"${words.join(" ")}": no script "${script}" in ${dir}/package.json`];
  const problems: string[] = [];
  // A script that runs another one (`npm run -w @vitnas/db migrate`) is followed there.
  if (depth < 4) {
    for (const command of commandsOf(body.split(/\s+/))) problems.push(...npmRunProblems(command, depth + 1));
  }
  for (const match of body.matchAll(/\b(?:tsx|node)\s+(?:--?[\w-]+(?:[= ]\S+)?\s+)*([\w./-]+\.(?:ts|mts|js|mjs))\b/g)) {
    const file = posix.join(dir, match[1]!);
    if (!existsSync(join(root, file))) problems.push(`script "${script}" of ${dir}/package.json runs ${file}, missing`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Dockerfiles as stages.

interface Stage {
  index: number;
  name: string | undefined;
  /** The image or the earlier stage this one starts from, with ARG defaults substituted. */
  base: string;
  instructions: Instruction[];
}

const dockerfiles = ["docker/api.Dockerfile", "docker/worker-cpu.Dockerfile", "docker/worker-gpu.Dockerfile"];

function stagesOf(path: string): Stage[] {
  const dockerfile = DockerfileParser.parse(read(path));
  const args = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property?.getName()) args.set(property.getName(), property.getValue() ?? "");
  }
  const substitute = (text: string) =>
    text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => {
      const value = args.get((a ?? b)!);
      if (value === undefined) throw new Error(`${path}: ${whole} has no ARG default before the first FROM`);
      return value;
    });
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === "FROM") {
      const words = instruction.getArguments().map((a) => a.getValue());
      const asAt = words.findIndex((w) => w.toUpperCase() === "AS");
      stages.push({
        index: stages.length,
        name: asAt >= 0 ? words[asAt + 1] : undefined,
        base: substitute(words.find((w) => !w.startsWith("--"))!),
        instructions: [],
      });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** The stage and the earlier stages it is built on, nearest first. */
function chainOf(stages: Stage[], stage: Stage): Stage[] {
  const chain = [stage];
  let current = stage;
  for (;;) {
    const parent = stages.find((s) => s.index < current.index && s.name === current.base);
    if (!parent) return chain;
    chain.push(parent);
    current = parent;
  }
}

const words = (instruction: Instruction) => instruction.getArguments().map((a) => a.getValue());
const flag = (instruction: Instruction, name: string) =>
  "getFlags" in instruction
    ? (instruction as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] })
        .getFlags()
        .find((f) => f.getName() === name)
        ?.getValue()
    : undefined;

/** The words of an exec-form (JSON) instruction, or undefined for the shell form. */
function execForm(instruction: Instruction): string[] | undefined {
  const text = instruction.getTextContent().slice(instruction.getKeyword().length).trim();
  if (!text.startsWith("[")) return undefined;
  return JSON.parse(text) as string[];
}

/** A shell command line split into simple commands at `&&`, `||` and `;`, with its words unquoted. */
function commandsOf(line: string[]): string[][] {
  const commands: string[][] = [[]];
  for (const word of line) {
    if (word === "&&" || word === "||" || word === ";") commands.push([]);
    else commands.at(-1)!.push(word.replace(/^["']|["']$/g, ""));
  }
  return commands.filter((c) => c.length > 0);
}

/** Context paths a stage chain copies in, as (source in the repository, destination under WORKDIR) pairs. */
function contextCopies(chain: Stage[]): { source: string; dest: string }[] {
  const copies: { source: string; dest: string }[] = [];
  for (const stage of chain) {
    for (const instruction of stage.instructions) {
      if (instruction.getKeyword() !== "COPY" || flag(instruction, "from") !== undefined) continue;
      const all = words(instruction);
      const dest = all.at(-1)!;
      for (const source of all.slice(0, -1)) {
        const target = dest.endsWith("/") || all.length > 2 ? posix.join(dest, basename(source)) : dest;
        copies.push({ source: posix.normalize(source), dest: posix.normalize(source === "." ? dest : target) });
      }
    }
  }
  return copies;
}

/** Whether a repository file reaches the image through one of the chain's context copies. */
function copiedIn(chain: Stage[], file: string): boolean {
  return contextCopies(chain).some(({ source, dest }) => {
    if (dest === file || (dest === "." && source === ".")) return true;
    if (dest !== "." && !file.startsWith(`${dest}/`)) return false;
    const inSource = posix.join(source, dest === "." ? file : file.slice(dest.length + 1));
    return existsSync(join(root, inSource)) && !ignored.ignores(inSource);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml as data.

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; disable?: boolean };
  volumes?: string[];
  ports?: string[];
  container_name?: string;
  restart?: string;
  deploy?: {
    resources?: {
      reservations?: { devices?: { driver?: string; count?: string | number; capabilities?: string[] }[] };
    };
  };
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** `${VAR:-default}` and `${VAR}` replaced as docker compose does with none of them set in the environment. */
const interpolated = read("docker-compose.yml").replace(/\$\$|\$\{(\w+)(?::?-([^}]*))?\}/g, (whole, name, fallback) =>
  name === undefined ? whole : (fallback ?? ""),
);
const compose = parseYaml(interpolated, { merge: true }) as Compose;
const service = (name: string) => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const appServices = ["api", "worker", "worker-gpu"];
const environmentOf = (name: string) => Object.fromEntries(Object.entries(service(name).environment ?? {}));

/** The final stage of the Dockerfile a service builds, with its chain. */
function imageOf(name: string): { stages: Stage[]; final: Stage; chain: Stage[] } {
  const build = service(name).build;
  if (!build) throw new Error(`service ${name} builds no image`);
  const stages = stagesOf(posix.join(build.context, build.dockerfile));
  const final = stages.at(-1)!;
  return { stages, final, chain: chainOf(stages, final) };
}

// Read by the runtimes underneath (Node, libtensorflow, CUDA, npm), not by the product's code.
// AWS_*: the credentials the AWS SDK reads for the S3 artifact store.
const runtimeVariables = /^(NODE_ENV|NODE_OPTIONS|TF_\w+|CUDA_\w+|NVIDIA_\w+|NPM_CONFIG_\w+|DEBIAN_FRONTEND|AWS_\w+)$/;

// ---------------------------------------------------------------------------------------------------------------

describe(".dockerignore", () => {
  it("keeps host installs, build outputs and run data out of the context, and keeps what the images copy", () => {
    for (const path of [
      "node_modules/tsx/package.json",
      "apps/api/node_modules/tar/package.json",
      ".git/HEAD",
      "out/run.json",
      "artifacts/search/checkpoint.bin",
      "test-results/report.json",
      "apps/dashboard/dist/index.html",
      "packages/db/src/generated/prisma/client.ts",
    ]) {
      expect(ignored.ignores(path), path).toBe(true);
    }
    for (const path of ["package.json", "package-lock.json", "prisma/schema.prisma", "docker/probe.mjs"]) {
      expect(ignored.ignores(path), path).toBe(false);
    }
  });
});

describe.each(dockerfiles)("%s", (path) => {
  const stages = stagesOf(path);
  const final = stages.at(-1)!;
  const chain = chainOf(stages, final);
  const all = stages.flatMap((s) => s.instructions);

  it("has no syntax problem the Dockerfile linter finds (instructions, flags, durations, arguments)", () => {
    const problems = lintDockerfile(read(path)).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it("is multi-stage: a dependency stage runs npm ci from the lock file, the runtime stage is built apart", () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const install = stages.filter((s) =>
      s.instructions.some(
        (i) => i.getKeyword() === "RUN" && commandsOf(words(i)).some((c) => c.join(" ").startsWith("npm ci")),
      ),
    );
    expect(install.length, "a stage running npm ci").toBeGreaterThan(0);
    // The runtime stage installs nothing from npm itself: it copies what the dependency stage installed.
    for (const instruction of final.instructions.filter((i) => i.getKeyword() === "RUN")) {
      expect(words(instruction).join(" ")).not.toMatch(/npm (ci|install)\b/);
    }
  });

  it("copies the lock file and every workspace manifest before each npm ci", () => {
    const manifests = [
      "package.json",
      "package-lock.json",
      ...[...workspaces().keys()].map((d) => `${d}/package.json`),
    ];
    for (const stage of stages) {
      const runsCi = stage.instructions.some(
        (i) => i.getKeyword() === "RUN" && commandsOf(words(i)).some((c) => c.join(" ").startsWith("npm ci")),
      );
      if (!runsCi) continue;
      const copied = contextCopies(chainOf(stages, stage)).map((c) => c.source);
      for (const manifest of manifests) {
        expect(copied.includes(manifest) || copied.includes("."), `${stage.name}: ${manifest}`).toBe(true);
      }
    }
  });

  it("copies only sources that exist and that .dockerignore lets through", () => {
    for (const instruction of all.filter((i) => i.getKeyword() === "COPY" || i.getKeyword() === "ADD")) {
      expect(instruction.getKeyword(), "COPY, not ADD").toBe("COPY");
      if (flag(instruction, "from") !== undefined) continue;
      for (const source of words(instruction).slice(0, -1)) {
        expect(existsSync(join(root, source)), `${source} exists`).toBe(true);
        if (source !== ".")
          expect(ignored.ignores(posix.normalize(source)), `${source} not in .dockerignore`).toBe(false);
      }
    }
  });

  it("takes --from only from stages defined earlier, and names every stage once", () => {
    const names = stages.map((s) => s.name).filter((n): n is string => n !== undefined);
    expect(new Set(names).size).toBe(names.length);
    for (const stage of stages) {
      for (const instruction of stage.instructions) {
        const from = flag(instruction, "from");
        if (from === undefined) continue;
        const earlier = stages.slice(0, stage.index).map((s) => s.name);
        expect(earlier, `COPY --from=${from} in stage ${stage.name}`).toContain(from);
      }
    }
  });

  it("starts from pinned base images", () => {
    const names = new Set(stages.map((s) => s.name));
    for (const stage of stages.filter((s) => !names.has(s.base))) {
      expect(stage.base, `stage ${stage.name}`).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(stage.base).not.toMatch(/:latest$/);
    }
  });

  it("runs as a non-root user, with a health check and an entry point that exists in the image", () => {
    // The last USER of the nearest stage that sets one is the one the container runs as.
    const user = chain
      .map((s) => s.instructions.findLast((i) => i.getKeyword() === "USER"))
      .find((i) => i !== undefined);
    expect(user, "a USER in the runtime stage").toBeDefined();
    expect(words(user!)).toHaveLength(1);
    expect(words(user!)[0]).not.toMatch(/^(root|0)(:.*)?$/);

    const healthchecks = chain.flatMap((s) => s.instructions.filter((i) => i.getKeyword() === "HEALTHCHECK"));
    expect(healthchecks.length).toBeGreaterThan(0);
    const healthcheck = words(healthchecks[0]!).join(" ");
    expect(healthcheck).not.toMatch(/^NONE/);
    // The probe it runs is in the image, and the variables in its URL are set there.
    const probe = /node (\S+\.mjs) "http:\/\/127\.0\.0\.1:\$\{(\w+)\}(\/\S*)"/.exec(healthcheck);
    expect(probe, healthcheck).not.toBeNull();
    expect(copiedIn(chain, probe![1]!), `${probe![1]} copied into the runtime stage`).toBe(true);
    const envs = chain.flatMap((s) => s.instructions.filter((i) => i.getKeyword() === "ENV").flatMap(words));
    expect(
      envs.some((e) => e.startsWith(`${probe![2]}=`)),
      `ENV ${probe![2]}`,
    ).toBe(true);

    const cmd = chain[0]!.instructions.findLast((i) => i.getKeyword() === "CMD");
    expect(cmd, "CMD").toBeDefined();
    const command = execForm(cmd!);
    expect(command, "CMD in exec form, so signals reach Node").toBeDefined();
    const entry = command!.find((w) => /\.(ts|mts|js|mjs)$/.test(w));
    expect(entry, `entry file in ${command!.join(" ")}`).toBeDefined();
    expect(existsSync(join(root, entry!)), `${entry} exists`).toBe(true);
    expect(copiedIn(chain, entry!), `${entry} copied into the runtime stage`).toBe(true);
    if (command!.includes("--import")) expect(command![command!.indexOf("--import") + 1]).toBe("tsx");
  });

  it("runs only npm scripts that exist in the package.json they name", () => {
    for (const instruction of all.filter((i) => ["RUN", "CMD", "HEALTHCHECK"].includes(i.getKeyword()))) {
      for (const command of commandsOf(execForm(instruction) ?? words(instruction))) {
        expect(npmRunProblems(command)).toEqual([]);
      }
    }
  });
});

describe("images", () => {
  const gpu = stagesOf("docker/worker-gpu.Dockerfile");
  const lock = JSON.parse(read("package-lock.json")) as {
    packages: Record<string, { version?: string; dev?: boolean; hasInstallScript?: boolean }>;
  };

  it("API image carries the operator CLI the deployment guide runs in it", () => {
    const { chain } = imageOf("api");
    const guide = existsSync(join(root, "docs/deployment.md")) ? read("docs/deployment.md") : "";
    for (const match of guide.matchAll(/docker compose exec api node (\S+)/g)) {
      expect(existsSync(join(root, match[1]!)), match[1]).toBe(true);
      expect(copiedIn(chain, match[1]!), `${match[1]} copied into the API image`).toBe(true);
    }
    expect(guide).toMatch(/docker compose exec api node \S+ admin create-key/);
  });

  it("runs TypeScript through tsx, which a production install keeps", () => {
    const tsx = lock.packages["node_modules/tsx"];
    expect(tsx, "tsx in the lock file").toBeDefined();
    expect(tsx!.dev ?? false, "tsx reachable from some workspace's dependencies, not only devDependencies").toBe(false);
  });

  it("GPU worker: CUDA 11.2 + cuDNN 8 base, and tfjs-node-gpu 4.22's install script approved and run there", () => {
    const bases = gpu.map((s) => s.base);
    expect(
      bases.some((b) => /^nvidia\/cuda:11\.2(\.\d+)?-cudnn8-runtime-/.test(b)),
      bases.join(", "),
    ).toBe(true);
    const tfjs = lock.packages["node_modules/@tensorflow/tfjs-node-gpu"];
    expect(tfjs?.version).toMatch(/^4\.22\./);
    // The approval must not be undone by a denial in the project's own allowScripts.
    expect(readJson("package.json").allowScripts?.["@tensorflow/tfjs-node-gpu"]).not.toBe(false);
    const runs = gpu.flatMap((s) =>
      s.instructions.filter((i) => i.getKeyword() === "RUN").flatMap((i) => commandsOf(words(i))),
    );
    const approve = runs.findIndex((c) => c.join(" ") === "npm install-scripts approve @tensorflow/tfjs-node-gpu");
    const rebuild = runs.findIndex((c) => c.join(" ") === "npm rebuild @tensorflow/tfjs-node-gpu");
    const ci = runs.findIndex((c) => c.join(" ").startsWith("npm ci"));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(approve).toBeGreaterThan(ci);
    expect(rebuild).toBeGreaterThan(approve);
  });

  it("CPU worker: tfjs-node 4.22's install script approved and run there, a failure leaving the wasm backend", () => {
    const cpu = stagesOf("docker/worker-cpu.Dockerfile");
    const tfjs = lock.packages["node_modules/@tensorflow/tfjs-node"];
    // the same libtensorflow as the GPU image's binding
    expect(tfjs?.version).toBe(lock.packages["node_modules/@tensorflow/tfjs-node-gpu"]?.version);
    expect(readJson("package.json").allowScripts?.["@tensorflow/tfjs-node"]).not.toBe(false);
    const supernet = readJson("packages/supernet/package.json") as { optionalDependencies?: Record<string, string> };
    expect(Object.keys(supernet.optionalDependencies ?? {})).toContain("@tensorflow/tfjs-node");
    const runs = cpu.flatMap((s) => s.instructions.filter((i) => i.getKeyword() === "RUN"));
    const lines = runs.map((i) => words(i).join(" "));
    const ci = lines.findIndex((l) => l.startsWith("npm ci"));
    const approve = lines.findIndex((l) => l.startsWith("npm install-scripts approve @tensorflow/tfjs-node "));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(approve).toBeGreaterThan(ci);
    // rebuilt and loaded inside an `if`, so a failed download does not fail the build
    expect(lines[approve]).toMatch(
      /&& if npm rebuild @tensorflow\/tfjs-node && node -e "require\('@tensorflow\/tfjs-node'\)"; then .* else .* fi/,
    );
    const env = cpu
      .find((s) => s.name === "runtime")!
      .instructions.filter((i) => i.getKeyword() === "ENV")
      .flatMap(words);
    expect(env).toContain("NAS_BACKEND=tensorflow,wasm");
    expect(environmentOf("worker").NAS_BACKEND).toBe("tensorflow,wasm");
  });

  it("runs no dependency install script but the one approved: every npm ci ignores them", () => {
    for (const path of dockerfiles) {
      for (const stage of stagesOf(path)) {
        for (const instruction of stage.instructions.filter((i) => i.getKeyword() === "RUN")) {
          for (const command of commandsOf(words(instruction)).filter((c) => c.join(" ").startsWith("npm ci"))) {
            expect(command, `${path} ${stage.name}`).toContain("--ignore-scripts");
          }
        }
      }
    }
  });

  it("forces backends the supernet knows", () => {
    const backends = read("packages/supernet/src/backend.ts");
    const forced = [
      ...dockerfiles.flatMap((path) =>
        stagesOf(path).flatMap((s) => s.instructions.filter((i) => i.getKeyword() === "ENV").flatMap(words)),
      ),
      ...appServices.map((name) => `NAS_BACKEND=${environmentOf(name).NAS_BACKEND ?? ""}`),
    ]
      .filter((e) => e.startsWith("NAS_BACKEND=") && e !== "NAS_BACKEND=")
      // a list is an order of preference (`tensorflow,wasm`): every entry must be known
      .flatMap((e) => e.slice("NAS_BACKEND=".length).split(","));
    expect(forced.sort()).toEqual(expect.arrayContaining(["tensorflow", "wasm"]));
    for (const backend of forced) expect(backends).toContain(`"${backend}"`);
  });

  // What `npm ci` in the images' dependency stages sees: only the manifests and the lock file. npm validates that
  // they agree before it installs anything; a lock file missing an entry fails every image build (and CI).
  it("the lock file agrees with the manifests the images copy (npm ci --dry-run)", () => {
    const dir = mkdtempSync(join(tmpdir(), "vitnas-npm-ci-"));
    try {
      const stages = stagesOf("docker/api.Dockerfile");
      const manifests = stages.find((s) => s.name === "manifests")!;
      for (const { source } of contextCopies([manifests])) {
        mkdirSync(join(dir, dirname(source)), { recursive: true });
        copyFileSync(join(root, source), join(dir, source));
      }
      const result = spawnSync("npm", ["ci", "--dry-run", "--ignore-scripts", "--prefer-offline", "--no-audit"], {
        cwd: dir,
        encoding: "utf8",
        timeout: 120_000,
      });
      const output = `${result.stdout}\n${result.stderr}`;
      if (result.status !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/.test(output)) {
        console.warn(`npm ci --dry-run not checked: the npm registry cannot be reached here\n${output.slice(-400)}`);
        return;
      }
      expect(output.match(/^npm error (Missing|Invalid):.*$/gm) ?? [], "lock file entries").toEqual([]);
      expect(result.status, output.slice(-2000)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("docker-compose.yml", () => {
  it("has the database, the queue, the artifact store, the migrations, the API and the workers, the GPU one behind the gpu profile", () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      "api",
      "migrate",
      "minio",
      "minio-bucket",
      "postgres",
      "redis",
      "worker",
      "worker-gpu",
    ]);
    expect(service("worker-gpu").profiles).toEqual(["gpu"]);
    for (const name of ["postgres", "redis", "minio", "minio-bucket", "migrate", "api", "worker"]) {
      expect(service(name).profiles, `${name} starts with a plain docker compose up`).toBeUndefined();
    }
  });

  it("comes up in order: Postgres, Redis and MinIO's bucket ready, then migrations done, then the API and the workers", () => {
    expect(service("migrate").depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(service("migrate").restart).toBe("no");
    expect(service("minio-bucket").depends_on).toEqual({ minio: { condition: "service_healthy" } });
    expect(service("minio-bucket").restart).toBe("no");
    for (const name of appServices) {
      expect(service(name).depends_on, name).toEqual({
        postgres: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
        "minio-bucket": { condition: "service_completed_successfully" },
        migrate: { condition: "service_completed_successfully" },
      });
    }
  });

  it("keeps artifacts in MinIO's bucket, the one the one-shot makes, with the same settings for the API and every worker", () => {
    const settings = appServices.map((name) => {
      const { ARTIFACTS_URL, ARTIFACTS_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = environmentOf(name);
      return { ARTIFACTS_URL, ARTIFACTS_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY };
    });
    for (const s of settings) expect(s).toEqual(settings[0]);
    // Compose's defaults (`${ARTIFACTS_URL-...}`: set to nothing, it selects the ARTIFACTS_DIR volume instead).
    const bucket = /^s3:\/\/([^/]+)/.exec(String(settings[0]!.ARTIFACTS_URL))?.[1];
    expect(bucket, "ARTIFACTS_URL names a bucket").toBeDefined();
    expect(JSON.stringify(service("minio-bucket").command)).toContain(`mc mb --ignore-existing store/${bucket}`);
    expect(new URL(String(settings[0]!.ARTIFACTS_S3_ENDPOINT)).hostname).toBe("minio");
    const minio = environmentOf("minio");
    expect(settings[0]!.AWS_ACCESS_KEY_ID).toBe(minio.MINIO_ROOT_USER);
    expect(settings[0]!.AWS_SECRET_ACCESS_KEY).toBe(minio.MINIO_ROOT_PASSWORD);
    expect(
      service("minio").volumes?.some((v) => /^\w+:\/data$/.test(v)),
      "the bucket lives on a volume",
    ).toBe(true);
  });

  it("has a health check for every service something waits on or that runs for good", () => {
    expect(JSON.stringify(service("postgres").healthcheck?.test)).toContain("pg_isready");
    expect(JSON.stringify(service("redis").healthcheck?.test)).toContain("redis-cli");
    expect(JSON.stringify(service("redis").healthcheck?.test)).toContain("ping");
    for (const name of appServices) {
      const own = service(name).healthcheck;
      expect(own?.disable, name).not.toBe(true);
      const fromImage = imageOf(name).chain.some((s) => s.instructions.some((i) => i.getKeyword() === "HEALTHCHECK"));
      expect(own !== undefined || fromImage, `${name}: a health check in compose or in its image`).toBe(true);
    }
    for (const dependent of Object.values(compose.services)) {
      for (const [name, { condition }] of Object.entries(dependent.depends_on ?? {})) {
        if (condition !== "service_healthy") continue;
        const has = service(name).healthcheck !== undefined || (service(name).build !== undefined && imageOf(name));
        expect(has, `${name} is waited on as healthy`).toBeTruthy();
      }
    }
  });

  it("health checks the API at /healthz and the workers at /metrics, which their code serves", () => {
    const api = sourceText(["apps/api/src"]);
    const worker = sourceText(["apps/worker/src"]);
    const urlOf = (name: string) => {
      const healthcheck = imageOf(name).chain.flatMap((s) =>
        s.instructions.filter((i) => i.getKeyword() === "HEALTHCHECK"),
      );
      return /"(http:[^"]+)"/.exec(words(healthcheck[0]!).join(" "))![1]!;
    };
    expect(urlOf("api")).toMatch(/\/healthz$/);
    expect(api).toContain('"/healthz"');
    for (const name of ["worker", "worker-gpu"]) expect(urlOf(name)).toMatch(/\/metrics$/);
    expect(worker).toContain("/metrics");
  });

  it("runs Redis with the append-only file on its volume and no eviction (docs/deployment.md, Redis persistence)", () => {
    const redis = service("redis");
    const command = redis.command;
    expect(Array.isArray(command), "exec form").toBe(true);
    const words = command as string[];
    expect(words[0]).toBe("redis-server");
    // The last occurrence of an option wins in redis-server's argument list.
    const option = (name: string) => {
      const at = words.lastIndexOf(`--${name}`);
      return at < 0 ? undefined : words[at + 1];
    };
    expect(option("appendonly"), "the queue survives a restart").toBe("yes");
    expect(option("appendfsync")).toBe("everysec");
    expect(option("maxmemory-policy"), "BullMQ loses jobs whose keys are evicted").toBe("noeviction");
    expect(
      redis.volumes?.some((v) => /^\w+:\/data$/.test(v)),
      "the append-only file lives on a volume",
    ).toBe(true);
  });

  it("keeps the database and the artifact store in named volumes, the artifacts shared by the API and every worker", () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const s of Object.values(compose.services)) {
      for (const volume of s.volumes ?? []) {
        const [source] = volume.split(":");
        if (!source!.startsWith(".") && !source!.startsWith("/")) expect(declared).toContain(source);
      }
    }
    expect(service("postgres").volumes?.some((v) => /^\w+:\/var\/lib\/postgresql\/data$/.test(v))).toBe(true);
    const artifactMounts = appServices.map((name) => {
      const dir = String(environmentOf(name).ARTIFACTS_DIR);
      const mount = service(name).volumes?.find((v) => v.split(":")[1] === dir);
      expect(mount, `${name} mounts a volume at its ARTIFACTS_DIR ${dir}`).toBeDefined();
      return mount!.split(":")[0];
    });
    expect(new Set(artifactMounts).size, "one artifact volume for all").toBe(1);
  });

  it("reserves NVIDIA GPUs for the GPU worker only", () => {
    const devices = service("worker-gpu").deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toHaveLength(1);
    expect(devices[0]!.driver).toBe("nvidia");
    expect(devices[0]!.capabilities).toContain("gpu");
    for (const name of ["api", "worker", "migrate"]) expect(service(name).deploy).toBeUndefined();
  });

  it("lets workers scale: no fixed container names or host ports", () => {
    for (const name of ["worker", "worker-gpu"]) {
      expect(service(name).container_name).toBeUndefined();
      expect(service(name).ports).toBeUndefined();
    }
  });

  it("points the services at each other by service name", () => {
    for (const name of ["migrate", ...appServices]) {
      const environment = environmentOf(name);
      expect(new URL(String(environment.DATABASE_URL)).hostname, name).toBe("postgres");
      if (name !== "migrate") expect(new URL(String(environment.REDIS_URL)).hostname, name).toBe("redis");
    }
    const postgres = environmentOf("postgres");
    const url = new URL(String(environmentOf("api").DATABASE_URL));
    expect(url.username).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
  });

  it("runs commands the images have: the migrate service's npm script exists", () => {
    const command = service("migrate").command;
    expect(Array.isArray(command), "exec form").toBe(true);
    expect(command![0]).toBe("npm");
    expect(npmRunProblems(command as string[])).toEqual([]);
  });

  it("sets only variables that the service's code, or a runtime under it, reads", () => {
    const readers: Record<string, string[]> = {
      migrate: ["packages/db"],
      // The API opens the artifact store through the worker package's settings (ARTIFACTS_*).
      api: ["apps/api/src", "apps/worker/src", "packages"],
      worker: ["apps/worker/src", "packages"],
      "worker-gpu": ["apps/worker/src", "packages"],
    };
    for (const [name, dirs] of Object.entries(readers)) {
      const text = sourceText(dirs);
      for (const variable of Object.keys(environmentOf(name))) {
        if (runtimeVariables.test(variable)) continue;
        expect(text, `${variable} of ${name} is read in ${dirs.join(", ")}`).toMatch(new RegExp(`\\b${variable}\\b`));
      }
    }
  });

  // The client parses the file as the engine would (interpolation, merge keys, the schema); it needs no engine.
  it("is accepted by docker compose config", () => {
    const clients: [string, string[]][] = [
      ["docker", ["compose"]],
      ["docker-compose", []],
    ];
    const client = clients.find(([bin, pre]) => spawnSync(bin, [...pre, "version"], { encoding: "utf8" }).status === 0);
    if (!client) {
      console.warn("docker compose config not run: neither `docker compose` nor `docker-compose` is installed here");
      return;
    }
    const [bin, pre] = client;
    for (const profile of [[], ["--profile", "gpu"]]) {
      const result = spawnSync(bin, [...pre, "-f", "docker-compose.yml", ...profile, "config", "-q"], {
        cwd: root,
        encoding: "utf8",
      });
      expect(result.status, `${bin} ${[...pre, ...profile].join(" ")} config: ${result.stderr}`).toBe(0);
    }
  });
});

describe("docs/deployment.md", () => {
  const docs = () => (existsSync(join(root, "docs/deployment.md")) ? read("docs/deployment.md") : "");

  it("explains starting, the GPU profile and scaling workers", () => {
    expect(docs()).toContain("docker compose up");
    expect(docs()).toContain("docker compose --profile gpu up");
    expect(docs()).toMatch(/--scale worker=\w+/);
  });

  it("documents every variable the compose file and the images set", () => {
    const variables = new Set<string>();
    for (const s of Object.values(compose.services)) for (const v of Object.keys(s.environment ?? {})) variables.add(v);
    for (const path of dockerfiles) {
      const stages = stagesOf(path);
      for (const instruction of chainOf(stages, stages.at(-1)!).flatMap((s) => s.instructions)) {
        if (instruction.getKeyword() === "ENV") for (const w of words(instruction)) variables.add(w.split("=")[0]!);
      }
    }
    for (const match of read("docker-compose.yml").matchAll(/\$\{(\w+)(?::-[^}]*)?\}/g)) variables.add(match[1]!);
    // And every variable the deployed code reads: settings, logging, the backend choice, the migrations.
    const code = sourceText(["apps/api/src", "apps/worker/src", "packages", "docker"]);
    for (const match of code.matchAll(/\benv(?:\.|\[["']|, ")([A-Z][A-Z0-9_]+)/g)) variables.add(match[1]!);
    expect(variables).toContain("WORKER_CONCURRENCY");
    for (const variable of variables) {
      if (/^(NPM_CONFIG_\w+|DEBIAN_FRONTEND)$/.test(variable)) continue;
      expect(docs(), variable).toContain(`\`${variable}\``);
    }
  });
});

describe("docker/probe.mjs", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      response.statusCode = request.url === "/healthz" ? 200 : request.url === "/slow" ? 200 : 503;
      if (request.url === "/slow") setTimeout(() => response.end("late"), 3000);
      else response.end(request.url === "/healthz" ? "ok" : "not ready");
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  const probe = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = execFile(
        process.execPath,
        [join(root, "docker/probe.mjs"), ...args],
        { env: { ...process.env, ...env } },
        (_error, _stdout, stderr) => done({ code: child.exitCode, stderr }),
      );
    });

  it("exits 0 on a 2xx answer and 1 on an error status, naming it", async () => {
    expect((await probe([`${base}/healthz`])).code).toBe(0);
    const failing = await probe([`${base}/metrics`]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("503");
  });

  it("exits 1 when nothing answers or the answer is too slow, and 2 without a URL", async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const refused = await probe([`http://127.0.0.1:${port}/healthz`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("did not answer");
    expect((await probe([`${base}/slow`], { PROBE_TIMEOUT_MS: "300" })).code).toBe(1);
    expect((await probe([])).code).toBe(2);
  });
});
