// Start-up check of Redis for `npm start`, every worker and evaluation worker, failing with a message that says
// where and how to fix it instead of a driver's stack trace minutes later.
import { CHECK_TIMEOUT_MS, connectionFailureReason, redactUrl } from "@vitnas/db";
import { Redis } from "ioredis";

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

export async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed."; the socket's own error says why.
  let socketError: unknown;
  redis.on("error", (err) => {
    socketError ??= err;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(
      `Redis is unreachable at ${redactUrl(url)} (${connectionFailureReason(socketError ?? err)}): start it, or point REDIS_URL at a running one`,
    );
  } finally {
    redis.disconnect();
  }
}
