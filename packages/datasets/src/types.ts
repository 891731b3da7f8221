// In-memory image-classification data as every loader returns it and the supernet consumes it.

/** One split of a dataset: images NHWC float32, already normalised (about zero mean, unit variance per channel). */
export interface ImageSplit {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  imageSize: number;
  channels: number;
  classes: number;
}

export interface LoadedDataset {
  /** What the supernet trains on. */
  train: ImageSplit;
  /** Held out of supernet training: the search's fitness split. */
  val: ImageSplit;
  /**
   * Never used by training or search, only by `nas eval --split test`: cifar10's test_batch.bin (else images held
   * out of the training batches), idx's t10k files, a folder's testPath (else a held-out fraction), synthetic's own
   * generated split. Normalised with the training statistics like the others.
   */
  test: ImageSplit;
  classNames: string[];
  /** Normalisation applied to raw [0,1] pixels, per channel, so an exported model can preprocess new images. */
  normalization: { mean: number[]; std: number[] };
  /** Stable identifier of the data and split (kind, path/seed, sizes), used as an evaluation-cache key. */
  fingerprint: string;
}
