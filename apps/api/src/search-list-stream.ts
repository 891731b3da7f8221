// The team's searches as Server-Sent Events, so a list of them moves on its own: a `snapshot` of the newest ones,
// then a `search` event whenever one of them changes (status, progress, timings) or a new one appears, and `idle`
// when none of them is queued or running any more, after which the stream ends (nothing would change but a new
// submission; the dashboard reconnects later). Postgres is read every `pollMs` and only differences are sent, so a
// watching tab costs one indexed read per interval instead of a request with authentication every few seconds.
import { ACTIVE_STATUSES, type Db } from "@vitnas/db";
import type { FastifyReply, FastifyRequest } from "fastify";
import { summaryView } from "./search-views";

export interface SearchListStreamOptions {
  db: Db;
  pollMs: number;
  /** How many of the newest searches are watched (default 100, the most a list page shows). */
  limit?: number;
  /** A comment line is sent after this long without events so proxies keep the connection (default 15000 ms). */
  heartbeatMs?: number;
}

export async function streamSearchList(
  request: FastifyRequest,
  reply: FastifyReply,
  team: { id: string; name: string },
  options: SearchListStreamOptions,
): Promise<void> {
  const { db, pollMs } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let closed = false;
  let wake: (() => void) | undefined;
  request.raw.on("close", () => {
    closed = true;
    wake?.();
  });

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-request-id": request.id,
  });
  let lastWrite = Date.now();
  const send = (event: string, data: unknown) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    lastWrite = Date.now();
  };

  try {
    res.write("retry: 2000\n\n");
    const sent = new Map<string, string>();
    for (let first = true; !closed; first = false) {
      const page = await db.searches.list({ teamId: team.id, limit: options.limit ?? 100 });
      const views = page.items.map((s) => summaryView(s, team.name));
      if (first) send("snapshot", { type: "snapshot", items: views });
      for (const view of views) {
        const text = JSON.stringify(view);
        if (!first && sent.get(view.id) !== text) send("search", { type: "search", search: view });
        sent.set(view.id, text);
      }
      if (!views.some((v) => ACTIVE_STATUSES.includes(v.status))) {
        send("idle", { type: "idle" });
        break;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      if (!closed && Date.now() - lastWrite >= heartbeatMs) {
        res.write(": keep-alive\n\n");
        lastWrite = Date.now();
      }
    }
  } catch (err) {
    request.log.error({ err, teamId: team.id }, "search list stream failed");
    if (!closed) send("error", { type: "error", message: "the event stream failed; reconnect to resume" });
  } finally {
    res.end();
  }
}
