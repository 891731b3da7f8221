// The project's demo search (examples/demo.json): a small mixed-attention space on synthetic 32 px images, the same
// job the command line's examples run, so the dashboard and the CLI start from one definition.
import type { NasSearchInput } from "@vitnas/formats";
import job from "../../../../examples/demo.json";

// JSON imports widen string literals ("nas-search/v1" becomes string); the presets test validates the document.
export const demo = job as NasSearchInput;
