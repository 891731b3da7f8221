// The supernet package's atomic write, which checkpoints use too: one implementation for every file the product writes.
export { writeFileAtomic } from "@vitnas/supernet";
