// The API's OpenAPI document as `/openapi.json` serves it, produced without a server: the app is built with its real
// route registration over dependencies that are never called (no route is requested), so the clients' generated
// types (@vitnas/api-client, written by scripts/openapi.ts; docs/api-contract.md) follow the routes' schemas exactly.
import { createDb } from "@vitnas/db";
import { buildApp } from "./app";

const unused = (what: string) => () => Promise.reject(new Error(`${what} is not available while describing the API`));

export async function openApiDocument(): Promise<Record<string, unknown>> {
  // A pool connects on its first query, and describing the routes makes none.
  const db = createDb("postgres://openapi@127.0.0.1:1/unused");
  const app = await buildApp({
    db,
    dispatch: { enqueue: unused("the queue"), withdraw: unused("the queue"), depth: unused("the queue") },
    artifacts: {
      open: unused("the artifact store"),
      put: unused("the artifact store"),
      stat: unused("the artifact store"),
    },
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await db.close();
  }
}
