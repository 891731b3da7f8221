// Entry of a training or evaluation thread. The product runs its TypeScript from source through tsx (the CLI's
// bin/nas.js, `node --import tsx` in the images, vitest in the tests), and a worker thread starts without the
// hooks of the thread that made it, so this plain module registers tsx's hooks in the new thread, then loads the
// TypeScript entry. Nothing here depends on how the main thread runs.
import { register } from "tsx/esm/api";

register();
await import("./thread.ts");
