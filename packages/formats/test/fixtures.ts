// Loads the JSON fixtures the tests share.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const fixturePath = (name: string) => join(import.meta.dirname, "fixtures", `${name}.json`);

/** A fresh copy of a fixture document, free to mutate. */
// biome-ignore lint/suspicious/noExplicitAny: tests edit the documents field by field, valid or not
export const fixture = (name: string): Record<string, any> => JSON.parse(readFileSync(fixturePath(name), "utf8"));
