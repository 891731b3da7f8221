// A small ONNX graph builder over onnx-proto's generated protobufjs messages: nodes with unique output names,
// float and int64 initializers (int64 ones shared by value, as shapes and axes repeat), and the final ModelProto.
// The protobuf encoding itself is onnx-proto's (protobufjs); nothing here writes wire bytes by hand.
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type AttributeProto = InstanceType<typeof onnx.AttributeProto>;

/** ONNX's operator set: 17 has LayerNormalization and is the newest that onnx 1.12's checker (IR version 8) knows. */
export const OPSET = 17;
export const IR_VERSION = 8;

/** An attribute value: an int, a float, or a list of ints. */
export type Attr = { i: number } | { f: number } | { ints: number[] };
export const int = (i: number): Attr => ({ i });
export const float = (f: number): Attr => ({ f });
export const ints = (values: number[]): Attr => ({ ints: values });

/** A dimension of a graph input or output: a number, or a name for a size chosen at run time. */
export type Dim = number | string;

export interface GraphValue {
  name: string;
  dims: Dim[];
}

export interface ModelInfo {
  graphName: string;
  docString: string;
  producerVersion: string;
  metadata: Record<string, string>;
}

export class Graph {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly names = new Map<string, number>();
  private readonly int64Constants = new Map<string, string>();
  private readonly floatScalars = new Map<number, string>();
  /** Operator types used, for the documentation and the tests. */
  readonly opTypes = new Set<string>();

  /** A fresh value name starting with `hint`. */
  name(hint: string): string {
    const n = this.names.get(hint) ?? 0;
    this.names.set(hint, n + 1);
    return n === 0 ? hint : `${hint}_${n}`;
  }

  /** One node with one output; returns the output's name. */
  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = type.toLowerCase()): string {
    return this.opN(type, inputs, 1, attrs, hint)[0]!;
  }

  /** One node with `outputs` outputs. */
  opN(type: string, inputs: string[], outputs: number, attrs: Record<string, Attr> = {}, hint = type.toLowerCase()) {
    const names = Array.from({ length: outputs }, () => this.name(hint));
    const attribute: AttributeProto[] = Object.entries(attrs).map(([name, value]) => {
      if ("ints" in value)
        return onnx.AttributeProto.create({ name, ints: value.ints, type: onnx.AttributeProto.AttributeType.INTS });
      if ("f" in value)
        return onnx.AttributeProto.create({ name, f: value.f, type: onnx.AttributeProto.AttributeType.FLOAT });
      return onnx.AttributeProto.create({ name, i: value.i, type: onnx.AttributeProto.AttributeType.INT });
    });
    this.nodes.push(onnx.NodeProto.create({ opType: type, input: inputs, output: names, name: names[0], attribute }));
    this.opTypes.add(type);
    return names;
  }

  /** A float32 initializer (weights, fixed matrices). */
  floats(hint: string, values: Float32Array, dims: number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== values.length) throw new Error(`initializer ${hint}: [${dims}] holds ${size}, not ${values.length}`);
    const name = this.name(hint);
    this.initializers.push(
      onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: littleEndian(values) }),
    );
    return name;
  }

  /** A float32 scalar constant, shared by value (scales, epsilons). */
  scalar(value: number): string {
    const key = Math.fround(value);
    const hit = this.floatScalars.get(key);
    if (hit) return hit;
    const name = this.floats("c", new Float32Array([value]), []);
    this.floatScalars.set(key, name);
    return name;
  }

  /** An int64 initializer (shapes, axes, pads, indices), shared by value; `dims` [] makes a scalar. */
  int64(values: number[], dims: number[] = [values.length]): string {
    const key = `${dims.join("x")}:${values.join(",")}`;
    const hit = this.int64Constants.get(key);
    if (hit) return hit;
    const name = this.name("i64");
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push(
      onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.INT64, rawData: littleEndian(data) }),
    );
    this.int64Constants.set(key, name);
    return name;
  }

  /** Encodes the model: one graph, float32 input and output with their dimensions, metadata as key/value pairs. */
  encode(input: GraphValue, output: GraphValue, info: ModelInfo): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: info.graphName,
      node: this.nodes,
      initializer: this.initializers,
      input: [valueInfo(input)],
      output: [valueInfo(output)],
    });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: "", version: OPSET })],
      producerName: "vitnas",
      producerVersion: info.producerVersion,
      modelVersion: 1,
      docString: info.docString,
      graph,
      metadataProps: Object.entries(info.metadata).map(([key, value]) =>
        onnx.StringStringEntryProto.create({ key, value }),
      ),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo({ name, dims }: GraphValue) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) =>
            typeof d === "number"
              ? onnx.TensorShapeProto.Dimension.create({ dimValue: d })
              : onnx.TensorShapeProto.Dimension.create({ dimParam: d }),
          ),
        }),
      }),
    }),
  });
}

// ONNX raw_data is little-endian; typed arrays use the machine's order, so a big-endian machine swaps bytes.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndian(values: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(values.byteLength);
  bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  if (!LITTLE_ENDIAN) {
    const width = values.BYTES_PER_ELEMENT;
    for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
  }
  return bytes;
}
