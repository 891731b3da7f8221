// Speed of the counter and of validation: microseconds per call, each the median of several timed rounds.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import type { BenchSection } from "../../../bench/run";
import {
  completeArch,
  countArch,
  type VitArch,
  type VitArchInput,
  VitArchSchema,
  validateArch,
  validateJob,
} from "../src";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, "..", "test", "fixtures", `${name}.json`), "utf8"));

/** Median microseconds per call of `fn` over `rounds` rounds of `calls` calls. */
function microsPerCall(fn: () => unknown, calls: number, rounds = 7): number {
  for (let i = 0; i < calls; i++) fn();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    times.push(Number(process.hrtime.bigint() - start) / 1000 / calls);
  }
  return times.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export async function bench(): Promise<BenchSection> {
  const deit = validateArch(fixture("deit-tiny"));
  const resTiny = validateArch(fixture("vit-res-tiny"));
  if (!deit.ok || !resTiny.ok) throw new Error("the benchmark fixtures must be valid");
  const twelveBlocks: VitArch = deit.value;
  const job = fixture("tiny-job");
  const arch = fixture("vit-res-tiny");

  // The first job validation includes compiling the schema; later ones reuse it.
  const compileStart = process.hrtime.bigint();
  validateJob(job);
  const firstJobMs = Number(process.hrtime.bigint() - compileStart) / 1e6;

  const count12 = microsPerCall(() => countArch(twelveBlocks), 20_000);
  const countRes = microsPerCall(() => countArch(resTiny.value), 20_000);
  const jobUs = microsPerCall(() => validateJob(job), 200);
  const archUs = microsPerCall(() => validateArch(arch), 500);
  // Why defaults.ts walks the schema itself: TypeBox's generic Value.Default, side by side on the same document.
  const fillUs = microsPerCall(() => completeArch(arch as VitArchInput), 500);
  const typeboxUs = microsPerCall(() => Value.Default(VitArchSchema, structuredClone(arch)), 100);
  return {
    name: "formats",
    figures: {
      "countArch, 12-block DeiT-Tiny (us/call)": round(count12),
      "countArch, 12-block 3-stage ViT-Res-Tiny (us/call)": round(countRes),
      "countArch target (us/call)": 20,
      "validateArch, ViT-Res-Tiny (us/call)": round(archUs, 1),
      "validateJob, tiny-job with its space (us/call)": round(jobUs, 1),
      "validateJob first call, schema compile included (ms)": round(firstJobMs, 1),
      "validateJob / countArch (ratio)": round(jobUs / count12, 1),
      "defaults, ViT-Res-Tiny (us/call)": round(fillUs, 1),
      "TypeBox Value.Default / our defaults walk (ratio)": round(typeboxUs / fillUs, 1),
    },
  };
}
