// @tensorflow/tfjs-node and tfjs-node-gpu 4.22, their latest release, call Node's `util.isNullOrUndefined` when they
// build an op's type attribute (5 call sites, all in nodejs_kernel_backend.js); Node 23 removed that function, so
// on Node 24 the `tensorflow` backend loads and then fails its first op. Putting it back, with its documented
// meaning, before any op runs keeps the native backend working on the current LTS (docs/deployment.md, "Node.js").
// Nothing else is touched, and where Node still has it (Node 20, 22) nothing changes. The bindings read it from the
// CommonJS `util` module at each call, which is the object changed here.
import { createRequire } from "node:module";

const nodeUtil = createRequire(import.meta.url)("node:util") as Record<string, unknown>;

/** Whether `util.isNullOrUndefined` had to be put back (false where Node still has it). */
export const restoredIsNullOrUndefined = typeof nodeUtil.isNullOrUndefined !== "function";
if (restoredIsNullOrUndefined) nodeUtil.isNullOrUndefined = (value: unknown) => value === null || value === undefined;
