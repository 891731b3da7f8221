export { CIFAR10_CLASSES } from "./cifar10";
export { FASHION_MNIST_CLASSES, readIdx } from "./idx";
export { IMAGE_EXTENSIONS, readImage } from "./image";
export { type DatasetExpectation, loadDataset } from "./load";
export { channelStatistics, type Normalization, normalizePixels } from "./normalization";
export { resizeBilinear } from "./resize";
export { generateSynthetic, MAX_SYNTHETIC_CLASSES, syntheticClassNames } from "./synthetic";
export type * from "./types";
