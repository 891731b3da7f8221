// The job presets the new-search page offers.
import type { NasSearchInput } from "@vitnas/formats";
import { demo } from "./demo";
import { visionXformers } from "./vision-xformers";
import { vitResnas } from "./vit-resnas";

export interface Preset {
  id: string;
  label: string;
  description: string;
  job: NasSearchInput;
}

export const PRESETS: Preset[] = [
  {
    id: "demo",
    label: "Demo",
    description: "A small mixed-attention space on synthetic 32 px images (examples/demo.json).",
    job: demo,
  },
  {
    id: "vit-resnas",
    label: "ViT-ResNAS-like",
    description: "Conv stem, three stages with residual spatial reductions, softmax attention.",
    job: vitResnas,
  },
  {
    id: "vision-xformers",
    label: "Vision X-formers-like",
    description: "Hybrid conv embedding, one stage, a choice of efficient attention types.",
    job: visionXformers,
  },
];
