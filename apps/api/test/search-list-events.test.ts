// GET /v1/searches/events over real HTTP: a snapshot of the team's searches, a `search` event for each change of
// one of them (and for a new one), `idle` and the end once none is queued or running; never another team's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tinyJob } from "./harness";

let h: Harness;
let baseUrl: string;

beforeAll(async () => {
  h = await startHarness({ eventPollMs: 100 });
  baseUrl = await h.app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await h?.close();
});

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** The events of a stream, as they arrive. */
async function* eventsOf(response: Response): AsyncGenerator<SseEvent> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += decoder.decode(value, { stream: true });
      let end = text.indexOf("\n\n");
      while (end >= 0) {
        const lines = text.slice(0, end).split("\n");
        text = text.slice(end + 2);
        end = text.indexOf("\n\n");
        const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
        const data = lines.find((l) => l.startsWith("data: "))?.slice(6);
        if (event) yield { event, data: JSON.parse(data ?? "null") };
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

async function next(events: AsyncGenerator<SseEvent>): Promise<SseEvent | undefined> {
  return (await events.next()).value ?? undefined;
}

const open = (auth: Record<string, string>) => fetch(`${baseUrl}/v1/searches/events`, { headers: auth });

async function submit(auth: Record<string, string>, name: string): Promise<string> {
  const res = await h.app.inject({ method: "POST", url: "/v1/searches", headers: auth, payload: tinyJob(name) });
  return res.json().id as string;
}

describe("GET /v1/searches/events", () => {
  it("sends the team's searches, then each change and each new search, and ends when none is live", async () => {
    const team = await h.team();
    const other = await h.team();
    const first = await submit(team.auth, "first");
    const response = await open(team.auth);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = eventsOf(response);

    const snapshot = await next(events);
    expect(snapshot?.event).toBe("snapshot");
    expect(
      (snapshot!.data.items as { id: string; status: string; name: string }[]).map((s) => [s.id, s.status]),
    ).toEqual([[first, "queued"]]);

    await h.db.searches.markRunning(first, "cpu");
    expect(await next(events)).toMatchObject({
      event: "search",
      data: { search: { id: first, status: "running", backend: "cpu" } },
    });
    await h.db.searches.setProgress(first, { phase: "supernet", percent: 40, epoch: 2, epochs: 5 });
    expect(await next(events)).toMatchObject({
      event: "search",
      data: { search: { id: first, progress: { phase: "supernet", percent: 40 } } },
    });
    // Another team's submission is not this team's business; this team's is.
    await submit(other.auth, "theirs");
    const second = await submit(team.auth, "second");
    expect(await next(events)).toMatchObject({
      event: "search",
      data: { search: { id: second, name: "second", status: "queued" } },
    });

    await h.db.searches.cancel(second);
    expect(await next(events)).toMatchObject({
      event: "search",
      data: { search: { id: second, status: "cancelled" } },
    });
    await h.db.searches.markSucceeded(first);
    expect(await next(events)).toMatchObject({ event: "search", data: { search: { id: first, status: "succeeded" } } });
    expect(await next(events)).toMatchObject({ event: "idle" });
    expect(await next(events)).toBeUndefined();
  });

  it("answers a team with nothing live with its snapshot and idle at once", async () => {
    const team = await h.team();
    const events = eventsOf(await open(team.auth));
    expect(await next(events)).toMatchObject({ event: "snapshot", data: { items: [] } });
    expect(await next(events)).toMatchObject({ event: "idle" });
    expect(await next(events)).toBeUndefined();
  });

  it("needs a key", async () => {
    const response = await open({});
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: "unauthorized" });
  });

  it("is described in the OpenAPI document", async () => {
    const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, { get?: object }> };
    expect(doc.paths["/v1/searches/events"]?.get).toMatchObject({
      summary: "The team's searches, live, as Server-Sent Events",
    });
  });
});
