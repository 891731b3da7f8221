// The queue as a worker sees it, to check what the API enqueued.
import { createSearchQueue } from "@vitnas/queue";
import type { Harness } from "./harness";

export const getSearchQueue = (h: Harness) => createSearchQueue(h.redis.duplicate(), { prefix: h.prefix });
