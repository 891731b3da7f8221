// Evaluations already made, keyed by (architecture id, super-network checkpoint id, validation split fingerprint),
// so an architecture is never evaluated twice with the same weights on the same images. The key also holds the
// MACs counter's version (docs/model-conventions.md, "Counter version"): figures of an older count never match.
import { appendFile, mkdir, readFile, truncate } from "node:fs/promises";
import { join } from "node:path";
import { COUNTER_VERSION } from "@vitnas/formats";

export interface EvaluationKey {
  /** Canonical architecture id (archHash). */
  archId: string;
  /** Identifies the super-network weights the architecture inherits. */
  checkpoint: string;
  /** Fingerprint of the validation split it is evaluated on. */
  split: string;
}

export interface Evaluation {
  accuracy: number;
  macs: number;
  params: number;
}

export interface EvaluationCache {
  get(key: EvaluationKey): Promise<Evaluation | undefined>;
  put(key: EvaluationKey, evaluation: Evaluation): Promise<void>;
  readonly size: number;
}

function keyString(key: EvaluationKey, counterVersion = COUNTER_VERSION): string {
  for (const field of ["archId", "checkpoint", "split"] as const) {
    if (typeof key[field] !== "string" || key[field] === "") {
      throw new Error(`evaluation key: ${field} must be a non-empty string (is ${JSON.stringify(key[field])})`);
    }
  }
  return JSON.stringify([key.archId, key.checkpoint, key.split, counterVersion]);
}

function checkEvaluation(e: Evaluation): Evaluation {
  for (const field of ["accuracy", "macs", "params"] as const) {
    if (!Number.isFinite(e[field])) throw new Error(`evaluation: ${field} must be a finite number (is ${e[field]})`);
  }
  return { accuracy: e.accuracy, macs: e.macs, params: e.params };
}

export class MemoryEvaluationCache implements EvaluationCache {
  protected entries = new Map<string, Evaluation>();

  get size(): number {
    return this.entries.size;
  }

  async get(key: EvaluationKey): Promise<Evaluation | undefined> {
    const hit = this.entries.get(keyString(key));
    return hit && { ...hit };
  }

  async put(key: EvaluationKey, evaluation: Evaluation): Promise<void> {
    this.entries.set(keyString(key), checkEvaluation(evaluation));
  }
}

export const CACHE_FILE = "evaluations.jsonl";
/** Where a torn last line found on opening is kept, so nothing written is thrown away. */
export const TORN_FILE = "evaluations.torn";

interface Line extends EvaluationKey, Evaluation {
  /** Absent in lines written before the counter had a version: version 1. */
  counterVersion?: number;
}

/**
 * A cache in a directory: one JSON line per evaluation, appended. A crash can leave only the last line torn; opening
 * moves such a line to `evaluations.torn` and cuts the log back to its last complete line, so later appends start
 * clean. One writer per directory.
 */
export class FileEvaluationCache extends MemoryEvaluationCache {
  /** Torn bytes found (and set aside) when the cache was opened. */
  recoveredTornBytes = 0;
  #writes: Promise<void> = Promise.resolve();

  private constructor(readonly file: string) {
    super();
  }

  static async open(dir: string): Promise<FileEvaluationCache> {
    await mkdir(dir, { recursive: true });
    const cache = new FileEvaluationCache(join(dir, CACHE_FILE));
    let text: string;
    try {
      text = await readFile(cache.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return cache;
      throw err;
    }
    const end = text.lastIndexOf("\n") + 1;
    const torn = text.slice(end);
    if (torn !== "") {
      await appendFile(join(dir, TORN_FILE), `${torn}\n`);
      await truncate(cache.file, Buffer.byteLength(text.slice(0, end)));
      cache.recoveredTornBytes = Buffer.byteLength(torn);
    }
    const lines = text.slice(0, end).split("\n");
    lines.pop();
    lines.forEach((raw, i) => {
      try {
        const line = JSON.parse(raw) as Line;
        cache.entries.set(keyString(line, line.counterVersion ?? 1), checkEvaluation(line));
      } catch (err) {
        throw new Error(`${cache.file}, line ${i + 1}: not a valid evaluation record (${(err as Error).message})`);
      }
    });
    return cache;
  }

  override async put(key: EvaluationKey, evaluation: Evaluation): Promise<void> {
    const k = keyString(key);
    const e = checkEvaluation(evaluation);
    const line: Line = {
      archId: key.archId,
      checkpoint: key.checkpoint,
      split: key.split,
      ...e,
      counterVersion: COUNTER_VERSION,
    };
    // Appends one at a time, in call order; the entry is visible once it is on disk.
    const write = this.#writes.then(() => appendFile(this.file, `${JSON.stringify(line)}\n`));
    this.#writes = write.catch(() => {});
    await write;
    this.entries.set(k, e);
  }
}

/** `evaluate()` unless the cache already holds this key's evaluation; the result is cached. */
export async function evaluateOnce(
  cache: EvaluationCache,
  key: EvaluationKey,
  evaluate: () => Promise<Evaluation>,
): Promise<{ evaluation: Evaluation; cached: boolean }> {
  const hit = await cache.get(key);
  if (hit) return { evaluation: hit, cached: true };
  const evaluation = await evaluate();
  await cache.put(key, evaluation);
  return { evaluation, cached: false };
}
