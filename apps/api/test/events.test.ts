import { publishSearchEvent } from "@vitnas/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

let h: Harness;
let team: Awaited<ReturnType<Harness["team"]>>;
let baseUrl: string;

beforeAll(async () => {
  // Slow polling: a prompt delivery below proves the Redis publication woke the stream.
  h = await startHarness({ eventPollMs: 30_000 });
  team = await h.team("events");
  baseUrl = await h.app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await h?.close();
});

interface SseEvent {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

function parseEvents(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .map((block) => block.split("\n"))
    .filter((lines) => lines.some((l) => l.startsWith("event: ")))
    .map((lines) => {
      const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
      const id = field("id");
      return { event: field("event")!, ...(id ? { id } : {}), data: JSON.parse(field("data") ?? "null") };
    });
}

/** Reads the stream until `until` holds for the events so far. */
async function readUntil(response: Response, until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (until(parseEvents(text))) break;
  }
  await reader.cancel().catch(() => undefined);
  return parseEvents(text);
}

const submit = async () =>
  (await h.app.inject({ method: "POST", url: "/v1/searches", headers: team.auth, payload: tinyJob() })).json()
    .id as string;

describe("server-sent events", () => {
  it("streams new progress live and ends when the search is cancelled", async () => {
    const id = await submit();
    await h.db.progress.report(id, { phase: "dataset", percent: 1 });
    const response = await fetch(`${baseUrl}/v1/searches/${id}/events`, { headers: team.auth });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reading = readUntil(response, (events) => events.some((e) => e.event === "end"));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await h.db.progress.report(id, { phase: "supernet", percent: 12, epoch: 1 });
    await publishSearchEvent(h.redis, h.prefix, {
      type: "progress",
      searchId: id,
      at: new Date().toISOString(),
      progress: { kind: "supernet-step", phase: "supernet", percent: 12, epoch: 1, epochs: 2, step: 3, steps: 6 },
    });
    await new Promise((r) => setTimeout(r, 300));
    await h.app.inject({ method: "POST", url: `/v1/searches/${id}/cancel`, headers: team.auth });
    const events = await reading;
    expect(Date.now() - started).toBeLessThan(20_000);
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe("status");
    // The snapshot first, then only the new event.
    const progress = events
      .filter((e) => e.event === "progress")
      .map((e) => (e.data.progress as { percent: number }).percent);
    expect(progress).toEqual([1, 12]);
    expect(events.find((e) => e.event === "status" && e.data.status === "cancelled")).toBeDefined();
    expect(kinds.at(-1)).toBe("end");
  });

  it("replays after Last-Event-ID and closes at once for a finished search", async () => {
    const id = await submit();
    for (let percent = 10; percent <= 50; percent += 10) await h.db.progress.report(id, { phase: "search", percent });
    await h.db.searches.markRunning(id, "cpu");
    await h.db.searches.markSucceeded(id);
    const all = parseEvents(
      (await h.app.inject({ url: `/v1/searches/${id}/events`, headers: { ...team.auth, "last-event-id": "0" } })).body,
    );
    const ids = all.filter((e) => e.event === "progress").map((e) => e.id!);
    expect(ids).toHaveLength(5);
    const rest = parseEvents(
      (await h.app.inject({ url: `/v1/searches/${id}/events`, headers: { ...team.auth, "last-event-id": ids[2]! } }))
        .body,
    );
    expect(
      rest.filter((e) => e.event === "progress").map((e) => (e.data.progress as { percent: number }).percent),
    ).toEqual([40, 50]);
    expect(rest.at(-1)).toMatchObject({ event: "end", data: { status: "succeeded" } });
  });

  it("treats a Last-Event-ID beyond the bigint range as absent", async () => {
    const id = await submit();
    await h.db.progress.report(id, { phase: "search", percent: 70 });
    await h.db.searches.markRunning(id, "cpu");
    await h.db.searches.markSucceeded(id);
    for (const lastEventId of ["9223372036854775808", "9999999999999999999"]) {
      const res = await h.app.inject({
        url: `/v1/searches/${id}/events`,
        headers: { ...team.auth, "last-event-id": lastEventId },
      });
      expect(res.statusCode).toBe(200);
      const events = parseEvents(res.body);
      // As for a new client: the snapshot, then the end; no error event.
      expect(events.map((e) => e.event)).toEqual(["status", "progress", "end"]);
    }
  });

  it("is scoped to the team", async () => {
    const id = await submit();
    const other = await h.team();
    expect((await h.app.inject({ url: `/v1/searches/${id}/events`, headers: other.auth })).statusCode).toBe(404);
  });
});
