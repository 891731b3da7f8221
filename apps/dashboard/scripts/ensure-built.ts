// Builds the dashboard when there is no build yet, or when its sources changed since the last one. `npm start` runs
// it first (the root package's `prestart`), so a fresh clone's first start serves the dashboard rather than
// `dashboard_not_built`; the browser tests run it so they test the code as it stands.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const DASHBOARD_DIR = resolve(import.meta.dirname, "..");
export const DIST_DIR = join(DASHBOARD_DIR, "dist");

const ROOT = resolve(DASHBOARD_DIR, "..", "..");
const WORKSPACE_SCOPE = "@vitnas/";
/**
 * The sources of the workspace packages the bundle imports: the dashboard's own dependencies named `@vitnas/...`
 * and theirs in turn (the formats and their cost estimate, the API client), read from the package files so a new
 * import is watched without a list kept here.
 */
function workspaceSourceDirs(): string[] {
  const dirs: string[] = [];
  const seen = new Set<string>();
  const visit = (packageDir: string) => {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (!name.startsWith(WORKSPACE_SCOPE) || seen.has(name)) continue;
      seen.add(name);
      // npm links each workspace package into node_modules: the link says where it lives (packages/ or apps/).
      const link = join(ROOT, "node_modules", name);
      if (!existsSync(link)) continue;
      const dir = realpathSync(link);
      dirs.push(join(dir, "src"));
      visit(dir);
    }
  };
  visit(DASHBOARD_DIR);
  return dirs;
}

/**
 * Everything the bundle is made of besides node_modules: its own sources, the workspace packages it imports and the
 * example jobs its presets import.
 */
export const bundleSourceDirs = () => [join(DASHBOARD_DIR, "src"), ...workspaceSourceDirs(), join(ROOT, "examples")];

function newestSourceMs(): number {
  const sources = [join(DASHBOARD_DIR, "index.html"), join(DASHBOARD_DIR, "vite.config.ts")];
  for (const dir of bundleSourceDirs()) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) sources.push(join(entry.parentPath, entry.name));
    }
  }
  return Math.max(...sources.map((file) => statSync(file).mtimeMs));
}

/** Vite's command-line entry, or undefined where development packages were not installed (`npm ci --omit=dev`). */
function viteBin(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("vite/package.json")), "bin", "vite.js");
  } catch {
    return undefined;
  }
}

export type BuildOutcome = "up-to-date" | "built";

/** Builds into `outDir` (default `dist/`) unless its index.html is newer than every source. */
export function ensureDashboardBuilt(outDir: string = DIST_DIR): BuildOutcome {
  const index = join(outDir, "index.html");
  if (existsSync(index) && statSync(index).mtimeMs >= newestSourceMs()) return "up-to-date";
  const vite = viteBin();
  if (vite === undefined) {
    throw new Error(
      `the dashboard is not built (${index}) and Vite is not installed: run \`npm ci\` with development packages, then \`npm run build\``,
    );
  }
  // A caller's NODE_ENV (a test runner's "test") would make Vite bundle React's development build; build what ships.
  execFileSync(process.execPath, [vite, "build", "--logLevel", "warn", "--outDir", outDir, "--emptyOutDir"], {
    cwd: DASHBOARD_DIR,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  return "built";
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const started = Date.now();
    const outcome = ensureDashboardBuilt();
    if (outcome === "built") console.log(`built the dashboard into ${DIST_DIR} in ${Date.now() - started} ms`);
  } catch (error) {
    // The service still starts: the API answers `/` with `dashboard_not_built` and this same message.
    console.error(error instanceof Error ? error.message : String(error));
  }
}
