// Public API of the database package: `createDb` and its repositories, migrations, scratch databases for tests.
export { type ApiKeyRecord, type KeyIdentity, keyRevocationsChannel } from "./api-keys";
export type { ArtifactInput, ArtifactRecord } from "./artifacts";
export type { AuditInput, AuditRecord } from "./audit";
export type { BaselineInput, BaselineRecord } from "./baselines";
export * from "./candidates";
export { createDb, type Db, type DbOptions } from "./client";
export { isConnectionError, isReadOnlyStatement } from "./connection-loss";
export type { DatasetInput, DatasetRecord } from "./datasets";
export { InvalidCursorError, isUuid } from "./cursor";
export type { FinalTrainingInput, FinalTrainingRecord } from "./final-trainings";
export type { FrontLatencyInput, FrontLatencyRecord } from "./front-latencies";
export type { FrontRecord } from "./fronts";
export { diffSchemas, MIGRATIONS_DIR, migrate, PRISMA_DIR, readMigrations, redactUrl, SCHEMA_PATH } from "./migrate";
export type { MetricInput, MetricPoint, SearchEventRecord } from "./progress";
export { adminDatabaseUrl, createScratchDatabase, type ScratchDatabase } from "./scratch-database";
export * from "./searches";
export { sha256 } from "./secrets";
export type { TeamRecord } from "./teams";
