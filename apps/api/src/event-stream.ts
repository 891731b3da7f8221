// A search's progress as Server-Sent Events. Events are read from Postgres (so every event has a durable id and a
// reconnecting client resumes after `Last-Event-ID`); a worker's Redis publication only wakes the loop early, and
// polling covers a lost publication. The stream ends after the search finishes.
import { type Db, FINISHED_STATUSES, type SearchStatus } from "@vitnas/db";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { LiveEvents } from "./services";

export interface EventStreamOptions {
  db: Db;
  live?: LiveEvents;
  /** How often Postgres is read when no publication arrives (default 1000 ms). */
  pollMs: number;
  /** A comment line is sent after this long without events so proxies keep the connection (default 15000 ms). */
  heartbeatMs?: number;
}

const BATCH = 200;
const MAX_EVENT_ID = 2n ** 63n - 1n;

/**
 * The event id to resume after, or null. Ids are bigints: anything else (a forged or corrupted header) is treated as
 * absent, so the client gets the current snapshot. Answering 400 instead would stop an EventSource for good, since
 * it does not reconnect after an error status.
 */
function resumeId(header: string | string[] | undefined): string | null {
  if (typeof header !== "string" || !/^\d{1,19}$/.test(header)) return null;
  return BigInt(header) <= MAX_EVENT_ID ? header : null;
}

export async function streamSearchEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  searchId: string,
  initialStatus: SearchStatus,
  options: EventStreamOptions,
): Promise<void> {
  const { db } = options;
  let lastId = resumeId(request.headers["last-event-id"]);
  const replaying = lastId !== null;

  let closed = false;
  let wake: (() => void) | undefined;
  // A publication that arrives while the loop is reading is kept, not lost, and skips the next wait.
  let pending = false;
  const wakeUp = () => {
    pending = true;
    wake?.();
  };
  // Subscribed before the first read, so nothing published after that read is missed. Without Redis, polling alone.
  const unsubscribe = await options.live?.subscribe(searchId, wakeUp).catch((err: unknown) => {
    request.log.warn({ err, searchId }, "live events unavailable; polling only");
    return undefined;
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
  const send = (event: string, data: unknown, id?: string) => {
    res.write(`${id ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    lastWrite = Date.now();
  };

  request.raw.on("close", () => {
    closed = true;
    wakeUp();
  });
  const heartbeatMs = options.heartbeatMs ?? 15_000;

  try {
    res.write("retry: 2000\n\n");
    let status = initialStatus;
    send("status", { type: "status", status });
    if (!replaying) {
      // A new client gets the current snapshot, then only what happens from now on.
      const search = await db.searches.get(searchId);
      if (search?.progress) send("progress", { type: "progress", status, progress: search.progress });
      lastId = await db.progress.latestEventId(searchId);
    }
    while (!closed) {
      const events = await db.progress.eventsAfter(searchId, lastId, BATCH);
      for (const e of events) {
        send("progress", { type: "progress", status, at: e.at, progress: e.data }, e.id);
        lastId = e.id;
      }
      if (events.length === BATCH) continue;
      const search = await db.searches.get(searchId);
      const now = search?.status ?? "cancelled";
      if (now !== status) {
        status = now;
        send("status", { type: "status", status, error: search?.error ?? null });
      }
      if (FINISHED_STATUSES.includes(status)) {
        // Events written just before the status changed are still delivered.
        for (const e of await db.progress.eventsAfter(searchId, lastId, 10_000)) {
          send("progress", { type: "progress", status, at: e.at, progress: e.data }, e.id);
          lastId = e.id;
        }
        send("end", { type: "end", status });
        break;
      }
      if (!pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      pending = false;
      if (!closed && Date.now() - lastWrite >= heartbeatMs) {
        res.write(": keep-alive\n\n");
        lastWrite = Date.now();
      }
    }
  } catch (err) {
    request.log.error({ err, searchId }, "event stream failed");
    if (!closed) send("error", { type: "error", message: "the event stream failed; reconnect to resume" });
  } finally {
    unsubscribe?.();
    res.end();
  }
}
