// Candidates evaluated by several threads at once: the accuracies one thread gives, whatever order they finish
// in; the threads hold the weights as they were when they started, until disposed; errors reach the caller.
import * as tf from "@tensorflow/tfjs";
import { countArch } from "@vitnas/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ArchSampler,
  Evaluator,
  initBackend,
  largestSubnet,
  ParallelEvaluator,
  Supernet,
  smallestSubnet,
} from "../src";
import { patternSplit } from "./data";
import { tinySpace } from "./spaces";

let net: Supernet;
const split = patternSplit(24, 8, 4, 9);

beforeAll(async () => {
  await initBackend({ force: "cpu", log: null });
  net = Supernet.create(tinySpace(), { seed: 13, attentionWeights: "per-type" });
});
afterAll(() => net.dispose());

async function oneThread(archs: ReturnType<ArchSampler["sample"]>[]): Promise<number[]> {
  const evaluator = new Evaluator(net, split, { batchSize: 10 });
  const out: number[] = [];
  for (const arch of archs) out.push(await evaluator.accuracy(arch));
  evaluator.dispose();
  return out;
}

describe("evaluation on several threads", { timeout: 600_000 }, () => {
  it("gives one thread's accuracies, reads the weights once per start and leaks nothing here", async () => {
    const sampler = new ArchSampler(net.space, 2);
    const archs = Array.from({ length: 8 }, () => sampler.sample(9));
    const expected = await oneThread(archs);
    // Random weights still tell these architectures apart: equal lists would not show much otherwise.
    expect(new Set(expected).size).toBeGreaterThan(1);
    const tensors = tf.memory().numTensors;
    const evaluator = new ParallelEvaluator(net, split, { batchSize: 10, threads: 2 });
    expect(await Promise.all(archs.map((a) => evaluator.accuracy(a)))).toEqual(expected);
    expect(tf.memory().numTensors).toBe(tensors);

    // New weights reach the threads only after a dispose (the next candidate starts them again).
    const head = net.variables.get("head.w")!;
    const before = head.clone();
    head.assign(tf.neg(before));
    const changed = await oneThread(archs);
    expect(changed).not.toEqual(expected);
    expect(await Promise.all(archs.map((a) => evaluator.accuracy(a)))).toEqual(expected);
    await evaluator.dispose();
    expect(await Promise.all(archs.map((a) => evaluator.accuracy(a)))).toEqual(changed);
    head.assign(before);
    before.dispose();
    await evaluator.dispose();
  });

  it("hands a turn's candidates out most expensive first (their MACs), a started thread included", async () => {
    const evaluator = new ParallelEvaluator(net, split, { batchSize: 10, threads: 1 });
    const sampler = new ArchSampler(net.space, 4);
    await evaluator.accuracy(sampler.sample(9));
    const archs = [smallestSubnet(net.space), sampler.sample(9), largestSubnet(net.space)].sort(
      (a, b) => countArch(a).macs - countArch(b).macs,
    );
    const finished: number[] = [];
    await Promise.all(archs.map((a, i) => evaluator.accuracy(a).then(() => finished.push(i))));
    // One thread finishes in the order it was handed the candidates: the free thread did not take the first asked.
    expect(finished).toEqual([2, 1, 0]);
    await evaluator.dispose();
  });

  it("rejects a candidate the threads cannot evaluate with their message, and the pending ones on dispose", async () => {
    const evaluator = new ParallelEvaluator(net, split, { batchSize: 10, threads: 1 });
    const arch = new ArchSampler(net.space, 3).sample(9);
    const wide = { ...arch, stages: arch.stages.map((s) => ({ ...s, width: 4096 })) };
    await expect(evaluator.accuracy(wide)).rejects.toThrow(/4096/);
    const pending = [evaluator.accuracy(arch), evaluator.accuracy(arch)];
    const disposed = evaluator.dispose();
    await expect(Promise.all(pending)).rejects.toThrow(/disposed|stopped/);
    await disposed;
  });
});
