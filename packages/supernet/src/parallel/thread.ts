// A training or evaluation thread: its own tfjs backend and its own copy of the super-network, whose weights it
// reads from the main thread's shared buffer. It answers one request at a time, in the order they came.
import { parentPort } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend";
import { Evaluator } from "../evaluate";
import { Supernet } from "../supernet";
import type { Reply, Request, StepReply, StepRequest } from "./protocol";
import { shareGradients } from "./share";
import { WeightReader } from "./shared-weights";

const port = parentPort;
if (!port) throw new Error("thread.ts runs in a worker thread");

let supernet: Supernet | undefined;
let reader: WeightReader | undefined;
let evaluator: Evaluator | undefined;

function ready(): Supernet {
  if (!supernet || !reader) throw new Error("the thread has no super-network yet");
  return supernet;
}

function step(request: StepRequest): { reply: StepReply; transfer: ArrayBuffer[] } {
  const net = ready();
  reader!.read(net, request.changed);
  const features = tf.tensor4d(request.features, request.featureShape);
  const target = tf.tensor2d(request.target, [
    request.featureShape[0],
    request.target.length / request.featureShape[0],
  ]);
  try {
    const result = shareGradients(net, {
      segments: request.segments,
      features,
      target,
      batchSize: request.batchSize,
      forward: request.forward,
      featureGrad: request.featureGrad,
    });
    // Copies into buffers of their own: they are transferred, and a backend may hand out its own storage.
    const reply: StepReply = { loss: result.loss.dataSync()[0]!, names: [], grads: [] };
    for (const [name, g] of result.grads) {
      reply.names.push(name);
      reply.grads.push(Float32Array.from(g.dataSync() as Float32Array));
    }
    if (result.features) reply.features = Float32Array.from(result.features.dataSync() as Float32Array);
    tf.dispose([result.loss, ...result.grads.values(), ...(result.features ? [result.features] : [])]);
    const transfer = [...reply.grads, ...(reply.features ? [reply.features] : [])].map((a) => a.buffer as ArrayBuffer);
    return { reply, transfer };
  } finally {
    features.dispose();
    target.dispose();
  }
}

async function handle(request: Request): Promise<{ value: StepReply | number | null; transfer?: ArrayBuffer[] }> {
  switch (request.type) {
    case "init": {
      await initBackend({ force: request.backend, log: null });
      supernet?.dispose();
      supernet = Supernet.create(request.space, {
        seed: request.seed,
        init: request.init,
        attentionWeights: request.attentionWeights,
        tokenWeights: request.tokenWeights,
      });
      reader = new WeightReader(request.weights);
      reader.read(supernet, reader.names);
      return { value: null };
    }
    case "step": {
      const { reply, transfer } = step(request);
      return { value: reply, transfer };
    }
    case "split": {
      evaluator?.dispose();
      const { images, labels, count, imageSize, channels, classes } = request;
      evaluator = new Evaluator(ready(), { images, labels, count, imageSize, channels, classes }, request.options);
      return { value: null };
    }
    case "accuracy": {
      if (!evaluator) throw new Error("the thread has no validation split yet");
      return { value: await evaluator.accuracy(request.arch) };
    }
    case "memory":
      return { value: tf.memory().numTensors };
  }
}

let queue = Promise.resolve();
port.on("message", ({ id, request }: { id: number; request: Request }) => {
  queue = queue.then(async () => {
    try {
      const { value, transfer } = await handle(request);
      port.postMessage({ id, ok: true, value } as Reply, transfer ?? []);
    } catch (error) {
      const e = error as Error;
      port.postMessage({ id, ok: false, message: e?.message ?? String(error), stack: e?.stack } as Reply);
    }
  });
});
