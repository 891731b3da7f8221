// Opaque keyset-pagination cursors: the sort value and the tie-breaking id of the last row of a page.
export class InvalidCursorError extends Error {
  constructor() {
    super("cursor is not one this API returned");
    this.name = "InvalidCursorError";
  }
}

export function encodeCursor(value: string | number, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString("base64url");
}

export function decodeCursor<V extends "string" | "number">(
  cursor: string,
  kind: V,
): [V extends "string" ? string : number, string] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== kind || typeof parsed[1] !== "string") {
    throw new InvalidCursorError();
  }
  if (kind === "number" && !Number.isFinite(parsed[0])) throw new InvalidCursorError();
  return parsed as [V extends "string" ? string : number, string];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are UUIDs; anything else can name no row (and must not reach a uuid column). */
export const isUuid = (id: string): boolean => UUID.test(id);
