// @vitnas/api-client: the API's contract as the dashboard and the CLI read it (docs/api-contract.md).
export { type ApiClient, type ApiClientOptions, createApiClient } from "./client";
export type { components, paths } from "./generated/openapi";
export * from "./schema";
