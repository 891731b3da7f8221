// The super-network's weights in one SharedArrayBuffer, so that every thread reads the values the main thread
// holds without a copy per thread: the main thread writes the weights a step changed before it hands out the
// next step, and each thread copies those into its own tfjs variables when the step arrives. A message to a thread
// is sent after the writes, so the thread sees them (message passing orders memory between threads).
import * as tf from "@tensorflow/tfjs";
import type { Supernet } from "../supernet";

export interface WeightLayout {
  buffer: SharedArrayBuffer;
  /** Each variable's place, in float32 elements from the buffer's start. */
  entries: { name: string; shape: number[]; offset: number; size: number }[];
}

/** A layout holding every variable of `supernet` (trainable or not), not yet written. */
export function weightLayout(supernet: Supernet): WeightLayout {
  const entries: WeightLayout["entries"] = [];
  let offset = 0;
  for (const [name, v] of supernet.variables) {
    entries.push({ name, shape: v.shape, offset, size: v.size });
    offset += v.size;
  }
  return { buffer: new SharedArrayBuffer(offset * 4), entries };
}

function views(layout: WeightLayout): Map<string, { view: Float32Array; shape: number[] }> {
  return new Map(
    layout.entries.map((e) => [
      e.name,
      { view: new Float32Array(layout.buffer, e.offset * 4, e.size), shape: e.shape },
    ]),
  );
}

/** The main thread's side: copies variables into the buffer. */
export class WeightWriter {
  private readonly places: ReturnType<typeof views>;

  constructor(
    readonly supernet: Supernet,
    readonly layout: WeightLayout = weightLayout(supernet),
  ) {
    this.places = views(layout);
  }

  write(names: Iterable<string> = this.supernet.variables.keys()) {
    for (const name of names) {
      const place = this.places.get(name);
      const v = this.supernet.variables.get(name);
      if (!place || !v) throw new Error(`no shared weight ${name}`);
      place.view.set(v.dataSync() as Float32Array);
    }
  }
}

/** A thread's side: copies weights from the buffer into its own super-network's variables. */
export class WeightReader {
  private readonly places: ReturnType<typeof views>;

  constructor(layout: WeightLayout) {
    this.places = views(layout);
  }

  read(supernet: Supernet, names: Iterable<string>) {
    for (const name of names) {
      const place = this.places.get(name);
      const v = supernet.variables.get(name);
      if (!place || !v) throw new Error(`no shared weight ${name}`);
      // A copy: a tensor must not alias memory the main thread writes.
      tf.tidy(() => v.assign(tf.tensor(place.view.slice(), place.shape, "float32")));
    }
  }

  get names(): string[] {
    return [...this.places.keys()];
  }
}
