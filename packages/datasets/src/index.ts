export { CIFAR10_CLASSES } from "./cifar10";
export { IMAGE_EXTENSIONS, readImage } from "./image";
export { type DatasetExpectation, loadDataset } from "./load";
export { channelStatistics, type Normalization, normalizePixels } from "./normalization";
export { generateSynthetic, MAX_SYNTHETIC_CLASSES, syntheticClassNames } from "./synthetic";
export type * from "./types";
