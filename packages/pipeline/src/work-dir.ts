// Layout of a search's work directory, which holds everything needed to resume it:
//   job.json         the job this directory belongs to (a different job is refused)
//   supernet/        the super-network checkpoint (the supernet package's format)
//   evolution.json   the evolution state after the last finished generation
//   evaluations/     the evaluation cache (one JSON line per evaluated architecture)
//   final/           the final phase's trainings (trainAlone's work directories: trained/<id>, baselines/<name>)
import { existsSync } from "node:fs";
import { access, constants, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson, completeJob, type NasSearch } from "@vitnas/formats";
import { writeJsonAtomic } from "./atomic-file";

export interface WorkDir {
  root: string;
  job: string;
  supernet: string;
  evolution: string;
  evaluations: string;
  final: string;
}

export function workDirLayout(root: string): WorkDir {
  return {
    root,
    job: join(root, "job.json"),
    supernet: join(root, "supernet"),
    evolution: join(root, "evolution.json"),
    evaluations: join(root, "evaluations"),
    final: join(root, "final"),
  };
}

/** Creates a directory, or says clearly why it cannot be written. */
export async function ensureWritableDir(dir: string, what: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new Error(
      `${what} ${dir} cannot be written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** Claims `root` for `job`; resuming is allowed only with the same job. Returns whether it held one already. */
export async function claimWorkDir(work: WorkDir, job: NasSearch): Promise<boolean> {
  await ensureWritableDir(work.root, "work directory");
  if (!existsSync(work.job)) {
    await writeJsonAtomic(work.job, job);
    return false;
  }
  // Completed again: a directory written before a field existed holds the job without it, which is the same job.
  const held = completeJob(JSON.parse(await readFile(work.job, "utf8")) as NasSearch);
  if (canonicalJson(held) !== canonicalJson(job)) {
    throw new Error(
      `work directory ${work.root} belongs to another job ("${held.name}"); use another work directory to start this one`,
    );
  }
  return true;
}
