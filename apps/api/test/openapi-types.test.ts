// The clients' API types (@vitnas/api-client, which the dashboard and the CLI use) are generated from the API's own
// OpenAPI document: a route whose schema changed without `npm run openapi` leaves the committed files stale, and this
// test says so (docs/api-contract.md).
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { DOCUMENT_FILE, generatedFiles, TYPES_FILE } from "../scripts/openapi-types";

const REGENERATE = "stale: run `npm run openapi` and commit packages/api-client/src/generated/";

describe("the generated API types of @vitnas/api-client", () => {
  it("are those of the API's current OpenAPI document", async () => {
    const { document, types } = await generatedFiles();
    expect(await readFile(DOCUMENT_FILE, "utf8"), `openapi.json is ${REGENERATE}`).toBe(document);
    expect(await readFile(TYPES_FILE, "utf8"), `openapi.d.ts is ${REGENERATE}`).toBe(types);
  });

  it("describe every JSON answer the dashboard and the CLI read, each with its fields", async () => {
    const doc = JSON.parse((await generatedFiles()).document) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const read = [
      "/v1/session",
      "/v1/searches/",
      "/v1/searches/{id}",
      "/v1/searches/{id}/scatter",
      "/v1/searches/{id}/pareto",
      "/v1/searches/{id}/fronts",
      "/v1/searches/{id}/metrics",
      "/v1/searches/{id}/parallel",
      "/v1/searches/{id}/importance",
      "/v1/searches/{id}/baselines",
      "/v1/searches/{id}/architectures/{archId}",
      "/v1/searches/compare",
      "/v1/datasets/",
    ];
    for (const path of read) {
      const json = doc.paths[path]?.get?.responses["200"]?.content?.["application/json"];
      expect(json, `${path} declares its 200 answer`).toBeDefined();
    }
    // `nas datasets push` reads the uploaded dataset from either answer (201 new, 200 already uploaded).
    for (const status of ["200", "201"]) {
      const json = doc.paths["/v1/datasets/"]?.post?.responses[status]?.content?.["application/json"];
      expect(json, `POST /v1/datasets/ declares its ${status} answer`).toBeDefined();
    }
    // The uploaded datasets' list refers to their own schema, not to the job's `dataset` section (once both had the
    // $id "Dataset", and the list was documented as holding job sections).
    const list = doc.paths["/v1/datasets/"]!.get!.responses["200"]!.content!["application/json"] as {
      schema: { properties: { datasets: { items: { $ref: string } } } };
    };
    const name = list.schema.properties.datasets.items.$ref.split("/").at(-1)!;
    expect(Object.keys(doc.components.schemas[name]?.properties ?? {})).toContain("previewUrl");
  });
});
