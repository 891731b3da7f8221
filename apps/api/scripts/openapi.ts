// Writes packages/api-client/src/generated/openapi.json and openapi.d.ts from the API's current routes
// (openapi-types.ts).
import { mkdir, writeFile } from "node:fs/promises";
import { DOCUMENT_FILE, GENERATED_DIR, generatedFiles, TYPES_FILE } from "./openapi-types";

const { document, types } = await generatedFiles();
await mkdir(GENERATED_DIR, { recursive: true });
await writeFile(DOCUMENT_FILE, document);
await writeFile(TYPES_FILE, types);
console.log(`wrote ${DOCUMENT_FILE} and ${TYPES_FILE}`);
