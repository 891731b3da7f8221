// The exported JSON Schemas work as an API's shared schemas: added by `$id` to a strict Ajv, referenced by `$ref`.
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { PUBLIC_SCHEMAS, publicJsonSchemas } from "../src";
import { fixture } from "./fixtures";

describe("public JSON Schemas", () => {
  it("have distinct $ids and plain-JSON bodies", () => {
    const ids = PUBLIC_SCHEMAS.map((s) => s.$id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(publicJsonSchemas().map((s) => s.$id)).toEqual(ids);
    expect(Object.getOwnPropertySymbols(publicJsonSchemas()[0]!)).toEqual([]);
  });

  it("compile in a strict Ajv by reference, as Fastify's addSchema uses them", () => {
    const ajv = new Ajv({ strict: true });
    for (const schema of publicJsonSchemas()) ajv.addSchema(schema);
    const job = ajv.compile({ $ref: "NasSearch#" });
    const arch = ajv.compile({ $ref: "VitArch#" });
    expect(job(fixture("tiny-job"))).toBe(true);
    expect(arch(fixture("vit-res-tiny"))).toBe(true);
    expect(arch(fixture("tiny-job"))).toBe(false);
  });
});
