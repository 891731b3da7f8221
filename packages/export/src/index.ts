// The exporter: vit-arch/v1 models with their weights to ONNX and safetensors.
export {};
