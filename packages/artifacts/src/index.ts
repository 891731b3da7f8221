// The artifact store the API and the workers share (docs/deployment.md): a directory on a shared disk or an
// S3-compatible bucket, chosen by ARTIFACTS_URL; uploaded datasets' blobs in it, and a worker's cache of them unpacked.
export * from "./artifact-settings";
export * from "./artifact-store";
export { type DatasetBlobs, datasetKey, storeDatasetBlobs } from "./dataset-blobs";
export { cachedUpload, DEFAULT_DATASET_CACHE } from "./dataset-cache";
export * from "./s3-artifact-store";
