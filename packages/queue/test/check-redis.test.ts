import { describe, expect, it } from "vitest";
import { checkRedis } from "../src/check-redis";

describe("checkRedis", () => {
  it("passes against the running server", async () => {
    await expect(checkRedis(process.env.REDIS_URL || "redis://127.0.0.1:6379")).resolves.toBeUndefined();
  });

  it("names the unreachable server, where, and the variable to set", async () => {
    await expect(checkRedis("redis://127.0.0.1:1")).rejects.toThrow(
      /Redis is unreachable at redis:\/\/127.0.0.1:1 \(ECONNREFUSED\).*REDIS_URL/,
    );
  });
});
