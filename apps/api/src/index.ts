// Public API of the API package: the app factory, its service interfaces and their Redis implementation.
export { type AppOptions, buildApp, DEFAULT_DASHBOARD_DIR } from "./app";
export { ApiError } from "./errors";
export { DEFAULT_JOB_LIMITS, type JobLimits } from "./job-limits";
export { keyRevocationsChannel, revokeApiKey } from "./key-revocations";
export { openApiDocument } from "./openapi-document";
export * from "./services";
export { type ApiSettings, apiSettingsFromEnv } from "./settings";
