// A generated image-classification task where architecture matters: each image holds two objects (a disc or a
// square, the outline is a distractor) filled with two different patterns (solid, stripes, checks, dots...) at random
// positions, sizes and colours on a textured, noisy background with thin distractor strokes. The class is the
// unordered pair of patterns and, beyond 15 classes, also their arrangement (side by side or one above the other).
// Because positions, phases and colours are random, no single pixel says much about the class: a linear model on raw
// pixels stays near chance, while a model that relates parts of the image (attention over patches) can learn it.
import { gaussian, randomInt, seededRandom, shuffle, uniform } from "./random";
import type { RawImages } from "./raw";

export const PATTERNS = ["solid", "hstripes", "vstripes", "checks", "diagonal", "dots"] as const;
type Pattern = (typeof PATTERNS)[number];

const PAIRS: [Pattern, Pattern][] = PATTERNS.flatMap((a, i) =>
  PATTERNS.slice(i + 1).map((b) => [a, b] as [Pattern, Pattern]),
);
const ARRANGEMENTS = ["side-by-side", "stacked"] as const;
export const MAX_SYNTHETIC_CLASSES = PAIRS.length * ARRANGEMENTS.length;

interface ClassRecipe {
  pair: [Pattern, Pattern];
  arrangement?: (typeof ARRANGEMENTS)[number];
}

/** The recipe of every class: pattern pairs first; arrangements join the definition only when pairs run out. */
export function syntheticRecipes(classes: number): ClassRecipe[] {
  if (classes < 2 || classes > MAX_SYNTHETIC_CLASSES) {
    throw new Error(`dataset.classes: the synthetic dataset has 2 to ${MAX_SYNTHETIC_CLASSES} classes, got ${classes}`);
  }
  return Array.from({ length: classes }, (_, i) => {
    const pair = PAIRS[i % PAIRS.length]!;
    return classes <= PAIRS.length ? { pair } : { pair, arrangement: ARRANGEMENTS[Math.floor(i / PAIRS.length)]! };
  });
}

export function syntheticClassNames(classes: number): string[] {
  return syntheticRecipes(classes).map((r) => `${r.pair[0]}+${r.pair[1]}${r.arrangement ? `/${r.arrangement}` : ""}`);
}

/** Does pixel (x, y) take the pattern's second colour? `phase` shifts the pattern so its position carries nothing. */
function patternAt(pattern: Pattern, x: number, y: number, phase: number): boolean {
  switch (pattern) {
    case "solid":
      return false;
    case "hstripes":
      return (y + phase) % 2 === 0;
    case "vstripes":
      return (x + phase) % 2 === 0;
    case "checks":
      return (x + y + phase) % 2 === 0;
    case "diagonal":
      return (x + y + phase) % 4 < 2;
    case "dots":
      return (x + phase) % 3 === 0 && (y + phase) % 3 === 0;
  }
}

function randomColour(random: () => number, channels: number, away: number[]): number[] {
  // Single-channel images cannot use a colour distance across channels; they just need contrast.
  for (;;) {
    const colour = Array.from({ length: channels }, () => random());
    const distance = colour.reduce((sum, v, k) => sum + Math.abs(v - away[k]!), 0) / channels;
    if (distance >= 0.3) return colour;
  }
}

/** A colour with every channel near 0 or 1, so that its opposite contrasts with it in every channel. */
function extremeColour(random: () => number, channels: number, away: number[]): number[] {
  for (;;) {
    const colour = Array.from({ length: channels }, () => (random() < 0.5 ? 0 : 0.8) + 0.2 * random());
    const distance = colour.reduce((sum, v, k) => sum + Math.abs(v - away[k]!), 0) / channels;
    if (distance >= 0.3) return colour;
  }
}

interface Placed {
  x: number;
  y: number;
  r: number;
}

/** Two non-overlapping shape centres inside the image, optionally in a required arrangement. */
function placePair(random: () => number, size: number, arrangement?: ClassRecipe["arrangement"]): [Placed, Placed] {
  for (;;) {
    const r1 = uniform(random, size * 0.15, size * 0.22);
    const r2 = uniform(random, size * 0.15, size * 0.22);
    const a = { x: uniform(random, r1, size - r1), y: uniform(random, r1, size - r1), r: r1 };
    const b = { x: uniform(random, r2, size - r2), y: uniform(random, r2, size - r2), r: r2 };
    const dx = Math.abs(a.x - b.x);
    const dy = Math.abs(a.y - b.y);
    if (Math.hypot(dx, dy) < r1 + r2 + 1) continue;
    if (arrangement === "side-by-side" && dx < 2 * dy) continue;
    if (arrangement === "stacked" && dy < 2 * dx) continue;
    return [a, b];
  }
}

function drawImage(
  random: () => number,
  recipe: ClassRecipe,
  size: number,
  channels: number,
  out: Float32Array,
  offset: number,
): void {
  // Background: a base colour, a random grating and pixel noise.
  const base = Array.from({ length: channels }, () => uniform(random, 0.25, 0.75));
  const angle = uniform(random, 0, Math.PI);
  const frequency = uniform(random, 0.3, 1.2);
  const phase = uniform(random, 0, 2 * Math.PI);
  const amplitude = uniform(random, 0.02, 0.08);
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const wave = amplitude * Math.sin(frequency * (x * ca + y * sa) + phase);
      for (let k = 0; k < channels; k++) out[offset + (y * size + x) * channels + k] = base[k]! + wave;
    }
  }
  // Distractors: one or two thin strokes of random colour.
  const strokes = 1 + randomInt(random, 2);
  for (let s = 0; s < strokes; s++) {
    const colour = randomColour(random, channels, base);
    const [x0, y0] = [uniform(random, 0, size), uniform(random, 0, size)];
    const direction = uniform(random, 0, 2 * Math.PI);
    const length = uniform(random, size * 0.2, size * 0.5);
    for (let t = 0; t < length; t += 0.5) {
      const x = Math.round(x0 + t * Math.cos(direction));
      const y = Math.round(y0 + t * Math.sin(direction));
      if (x < 0 || y < 0 || x >= size || y >= size) continue;
      for (let k = 0; k < channels; k++) out[offset + (y * size + x) * channels + k] = colour[k]!;
    }
  }
  // The two objects, in random order so the pair is unordered.
  const patterns = random() < 0.5 ? recipe.pair : ([recipe.pair[1], recipe.pair[0]] as const);
  const placed = placePair(random, size, recipe.arrangement);
  patterns.forEach((pattern, i) => {
    const { x: cx, y: cy, r } = placed[i]!;
    const square = random() < 0.5;
    const first = extremeColour(random, channels, base);
    // The pattern's two colours are opposites: the most contrast, with a random polarity.
    const second = first.map((v) => 1 - v);
    const phase = randomInt(random, 4);
    for (let y = Math.max(0, Math.floor(cy - r - 1)); y <= Math.min(size - 1, Math.ceil(cy + r + 1)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r - 1)); x <= Math.min(size - 1, Math.ceil(cx + r + 1)); x++) {
        const [dx, dy] = [x + 0.5 - cx, y + 0.5 - cy];
        if (square ? Math.max(Math.abs(dx), Math.abs(dy)) > r * 0.85 : dx * dx + dy * dy > r * r) continue;
        const colour = patternAt(pattern, x, y, phase) ? second : first;
        for (let k = 0; k < channels; k++) out[offset + (y * size + x) * channels + k] = colour[k]!;
      }
    }
  });
  for (let i = 0; i < size * size * channels; i++) {
    const v = out[offset + i]! + 0.04 * gaussian(random);
    out[offset + i] = Math.min(1, Math.max(0, v));
  }
}

/** `count` images with balanced classes in a seeded random order; `stream` keeps splits independent. */
export function generateSynthetic(
  options: { classes: number; imageSize: number; channels: number; count: number; seed: number },
  stream: string,
): RawImages {
  const { classes, imageSize, channels, count, seed } = options;
  const recipes = syntheticRecipes(classes);
  const random = seededRandom(seed, `synthetic:${stream}`);
  const size = imageSize * imageSize * channels;
  const images = new Float32Array(count * size);
  const order = shuffle(
    Array.from({ length: count }, (_, i) => i % classes),
    random,
  );
  const labels = Int32Array.from(order);
  for (let i = 0; i < count; i++) drawImage(random, recipes[labels[i]!]!, imageSize, channels, images, i * size);
  return { images, labels, count, imageSize, channels };
}
