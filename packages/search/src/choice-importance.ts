// How much each searchable choice explains accuracy, over the evaluated candidates: a functional-ANOVA-style
// decomposition of accuracy into one main effect per choice.
//
// Accuracy is fitted as  mean + sum over choices of (sum over the choice's options of share * effect[option])  by
// ridge-regularised least squares (Gauss-Seidel, one option at a time). Fitting every choice together, rather than
// averaging accuracy per option choice by choice, matters for evolved candidates: the search makes choices
// co-occur (small widths with shallow stages near the cheap end of the front), and a per-choice average would credit
// a choice with its companions' effect. A choice's importance is the variance of its fitted component over the
// candidates, as a share of all components' variance (so importances sum to 1, as Optuna reports them); `explained`
// says how much of accuracy's variance the main effects account for together (the rest is interactions and noise).
import type { ChoiceLevel } from "./arch-choices";

export interface ImportanceSample {
  accuracy: number;
  choices: Readonly<Record<string, readonly ChoiceLevel[]>>;
}

export interface OptionAccuracy {
  value: string | number;
  /** Candidates that took this option (in at least one block, for a block-level choice). */
  candidates: number;
  /** Accuracy's mean and standard deviation over them, each weighted by its share of the option. */
  mean: number;
  std: number;
  /** The fitted main effect: accuracy relative to the candidates' mean, other choices held equal. */
  effect: number;
}

export interface ChoiceImportance {
  key: string;
  /** Share of the main effects' variance, in [0, 1]; all choices' sum to 1 (0 when accuracy never varies). */
  importance: number;
  /** Variance of this choice's fitted component over the candidates (accuracy squared). */
  variance: number;
  options: OptionAccuracy[];
}

export interface ImportanceResult {
  samples: number;
  /** Accuracy's variance over the samples. */
  variance: number;
  /** Share of that variance the fitted main effects explain (R^2 of the additive fit), in [0, 1]. */
  explained: number;
  /** Choices with at least two options among the samples, most important first. */
  choices: ChoiceImportance[];
}

export interface ImportanceOptions {
  /** Ridge penalty on each effect, in candidates' worth of evidence pulling it to 0 (default 1). */
  ridge?: number;
  maxSweeps?: number;
  /** Stops when no effect moved more than this in a sweep (accuracy units; default 1e-9). */
  tolerance?: number;
}

interface Option {
  value: string | number;
  members: number[];
  weights: number[];
  effect: number;
}

const byValue = (a: Option, b: Option) =>
  typeof a.value === "number" && typeof b.value === "number"
    ? a.value - b.value
    : String(a.value).localeCompare(String(b.value));

export function choiceImportance(
  samples: readonly ImportanceSample[],
  options: ImportanceOptions = {},
): ImportanceResult {
  const ridge = options.ridge ?? 1;
  const maxSweeps = options.maxSweeps ?? 500;
  const tolerance = options.tolerance ?? 1e-9;
  const n = samples.length;
  const y = Float64Array.from(samples, (s) => s.accuracy);
  const mean = n ? y.reduce((a, b) => a + b, 0) / n : 0;
  // Exactly 0 for a constant accuracy (the rounding of its mean would leave a trace of variance to "explain").
  const constant = y.every((v) => v === y[0]);
  const total = constant ? 0 : y.reduce((a, v) => a + (v - mean) ** 2, 0);

  // Options per choice, with the samples that took each and their shares.
  const choices = new Map<string, Map<string | number, Option>>();
  samples.forEach((sample, i) => {
    for (const [key, levels] of Object.entries(sample.choices)) {
      let opts = choices.get(key);
      if (!opts) {
        opts = new Map();
        choices.set(key, opts);
      }
      for (const { value, weight } of levels) {
        if (!(weight > 0)) continue;
        let o = opts.get(value);
        if (!o) {
          o = { value, members: [], weights: [], effect: 0 };
          opts.set(value, o);
        }
        o.members.push(i);
        o.weights.push(weight);
      }
    }
  });
  const fitted = [...choices]
    .filter(([, opts]) => opts.size >= 2)
    .map(([key, opts]) => ({ key, opts: [...opts.values()] }));

  const residual = Float64Array.from(y, (v) => v - mean);
  for (let sweep = 0; sweep < maxSweeps && total > 0; sweep++) {
    let moved = 0;
    for (const { opts } of fitted) {
      for (const o of opts) {
        let num = 0;
        let den = ridge;
        for (let k = 0; k < o.members.length; k++) {
          const w = o.weights[k]!;
          num += w * (residual[o.members[k]!]! + w * o.effect);
          den += w * w;
        }
        const delta = num / den - o.effect;
        if (delta === 0) continue;
        o.effect += delta;
        for (let k = 0; k < o.members.length; k++) residual[o.members[k]!]! -= o.weights[k]! * delta;
        moved = Math.max(moved, Math.abs(delta));
      }
      // Raising every option of a choice and lowering the intercept as much changes no prediction (a candidate's
      // shares sum to 1), so one-at-a-time updates crawl along that direction, held only by the ridge. The step
      // the ridge prefers along it is taken directly: the options' mean effect moves into the intercept.
      const m = opts.reduce((a, o) => a + o.effect, 0) / opts.length;
      for (const o of opts) {
        o.effect -= m;
        for (let k = 0; k < o.members.length; k++) residual[o.members[k]!]! += o.weights[k]! * m;
      }
      for (let i = 0; i < n; i++) residual[i]! -= m;
    }
    // The intercept: the mean residual.
    const shift = residual.reduce((a, b) => a + b, 0) / n;
    for (let i = 0; i < n; i++) residual[i]! -= shift;
    if (moved < tolerance && Math.abs(shift) < tolerance) break;
  }
  const unexplained = residual.reduce((a, v) => a + v * v, 0);

  const results = fitted.map(({ key, opts }): ChoiceImportance => {
    const component = new Float64Array(n);
    for (const o of opts)
      for (let k = 0; k < o.members.length; k++) component[o.members[k]!]! += o.weights[k]! * o.effect;
    const centre = n ? component.reduce((a, b) => a + b, 0) / n : 0;
    const variance = n ? component.reduce((a, v) => a + (v - centre) ** 2, 0) / n : 0;
    return {
      key,
      importance: 0,
      variance,
      options: opts.sort(byValue).map((o) => {
        let w = 0;
        let sum = 0;
        for (let k = 0; k < o.members.length; k++) {
          w += o.weights[k]!;
          sum += o.weights[k]! * y[o.members[k]!]!;
        }
        const m = sum / w;
        let spread = 0;
        for (let k = 0; k < o.members.length; k++) spread += o.weights[k]! * (y[o.members[k]!]! - m) ** 2;
        return {
          value: o.value,
          candidates: o.members.length,
          mean: m,
          std: Math.sqrt(spread / w),
          effect: o.effect - centre,
        };
      }),
    };
  });
  const sum = results.reduce((a, c) => a + c.variance, 0);
  for (const c of results) c.importance = sum > 0 ? c.variance / sum : 0;
  results.sort((a, b) => b.importance - a.importance || a.key.localeCompare(b.key));
  return {
    samples: n,
    variance: n ? total / n : 0,
    explained: total > 0 ? Math.min(1, Math.max(0, 1 - unexplained / total)) : 0,
    choices: results,
  };
}
