import { randomUUID } from "node:crypto";
import { UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSearchQueue,
  enqueueSearch,
  queueDepth,
  removeQueuedSearch,
  SEARCH_QUEUE,
  type SearchQueue,
} from "../src/queue";

const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
let connection: Redis;
let queue: SearchQueue;
let prefix: string;

beforeAll(async () => {
  connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  prefix = `test-${randomUUID()}`;
  queue = createSearchQueue(connection, { prefix });
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
});

describe("search queue", () => {
  it("queues a search once, under its own id", async () => {
    const searchId = randomUUID();
    const first = await enqueueSearch(queue, searchId);
    const second = await enqueueSearch(queue, searchId);
    expect(first.id).toBe(searchId);
    expect(second.id).toBe(searchId);
    expect(first.data).toEqual({ searchId });
    expect((await queueDepth(queue)).waiting).toBe(1);
    expect(await removeQueuedSearch(queue, searchId)).toBe(true);
    expect((await queueDepth(queue)).waiting).toBe(0);
    expect(await removeQueuedSearch(queue, searchId)).toBe(false);
  });

  it("retries a job whose worker could not start it", async () => {
    const searchId = randomUUID();
    await enqueueSearch(queue, searchId);
    let attempts = 0;
    const worker = new Worker(
      SEARCH_QUEUE,
      async () => {
        attempts++;
        throw new Error("database unreachable");
      },
      { connection, prefix },
    );
    await new Promise((resolve) => worker.once("failed", resolve));
    await worker.close();
    expect(attempts).toBe(1);
    const job = (await queue.getJob(searchId))!;
    expect(await job.getState()).toBe("delayed");
    expect(job.opts.attempts).toBeGreaterThan(1);
    await job.remove();
  });

  it("replaces a failed job of the same search, which is how a search is resumed", async () => {
    const searchId = randomUUID();
    const job = await enqueueSearch(queue, searchId);
    const worker = new Worker(
      SEARCH_QUEUE,
      async () => {
        throw new UnrecoverableError("boom");
      },
      { connection, prefix },
    );
    await new Promise((resolve) => worker.once("failed", resolve));
    await worker.close();
    expect(await job.getState()).toBe("failed");
    const again = await enqueueSearch(queue, searchId);
    expect(await again.getState()).toBe("waiting");
    expect((await queueDepth(queue)).failed).toBe(0);
    await removeQueuedSearch(queue, searchId);
  });
});
