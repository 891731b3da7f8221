// The space editor's model: its option names are the format's own, list and number text reads as the controls
// promise, and the edits keep a valid space valid (adding a stage, removing one, toggling options).
import {
  AttentionSchema,
  ATTENTION_TYPES as FORMAT_ATTENTION_TYPES,
  Position,
  Reduction,
  validateSpace,
} from "@vitnas/formats";
import { describe, expect, it } from "vitest";
import { PRESETS } from "../src/presets";
import {
  ATTENTION_OPTIONS,
  ATTENTION_TYPES,
  addStage,
  attentionEntry,
  attentionValue,
  formatList,
  type JsonObject,
  POSITIONS,
  parseList,
  parseScalar,
  parseSpace,
  REDUCTIONS,
  removeStage,
  setIn,
  toggle,
} from "../src/space-editor/space-edits";

const literals = (schema: { anyOf?: { const?: unknown }[] }) => (schema.anyOf ?? []).map((s) => s.const);

describe("the space editor's options", () => {
  it("are the format's attention types, positions and reductions", () => {
    expect([...ATTENTION_TYPES]).toEqual([...FORMAT_ATTENTION_TYPES]);
    expect([...POSITIONS].sort()).toEqual(literals(Position as never).sort());
    expect([...REDUCTIONS].sort()).toEqual(literals(Reduction as never).sort());
  });

  it("offer every parameter each attention type takes, and only those", () => {
    for (const variant of (
      AttentionSchema as unknown as { anyOf: { properties: Record<string, { const?: string }> }[] }
    ).anyOf) {
      const type = variant.properties.type!.const!;
      const params = Object.keys(variant.properties).filter((k) => k !== "type");
      expect((ATTENTION_OPTIONS[type] ?? []).map((o) => o.key).sort(), type).toEqual(params.sort());
    }
  });
});

describe("reading what is typed", () => {
  it("reads lists by commas or spaces, numbers as numbers and anything else as written", () => {
    expect(parseList("32, 48,64  96")).toEqual([32, 48, 64, 96]);
    expect(parseList("32, ")).toEqual([32]);
    expect(parseList("")).toEqual([]);
    expect(parseList("32, 4x")).toEqual([32, "4x"]);
    expect(parseList("0.5, 1e3")).toEqual([0.5, 1000]);
    expect(formatList([32, 48])).toBe("32, 48");
    expect(parseList(formatList([32, "4x", 0.5]))).toEqual([32, "4x", 0.5]);
  });

  it("reads one number, or nothing for an empty field (its default applies)", () => {
    expect(parseScalar(" 16 ")).toBe(16);
    expect(parseScalar("")).toBeUndefined();
    expect(parseScalar("sixteen")).toBe("sixteen");
  });

  it("reads a space from its text, or says why not", () => {
    expect(parseSpace('{"format":"vit-space/v1"}')).toEqual({ space: { format: "vit-space/v1" } });
    expect(parseSpace("[1]")).toEqual({ error: "the space must be a JSON object" });
    expect(parseSpace('{"format":')).toMatchObject({ error: expect.stringContaining("does not parse") });
  });
});

describe("edits", () => {
  const space = () => structuredClone(PRESETS[0]!.job.space) as unknown as JsonObject;
  const valid = (s: JsonObject) => {
    const r = validateSpace(s);
    return r.ok ? [] : r.errors;
  };

  it("set a value deep in the space without touching the original, and remove it with undefined", () => {
    const original = space();
    const edited = setIn(original, ["stages", 1, "widths"], [96, 128]);
    expect((edited.stages as JsonObject[])[1]!.widths).toEqual([96, 128]);
    expect((original.stages as JsonObject[])[1]!.widths).toEqual([64, 96]);
    expect((edited.stages as JsonObject[])[0]).toBe((original.stages as JsonObject[])[0]);
    const unpadded = setIn(setIn(original, ["stem", "patch", "padding"], 1), ["stem", "patch", "padding"], undefined);
    expect(unpadded.stem).toEqual(original.stem);
  });

  it("add a stage that keeps the space valid, and remove it again", () => {
    const original = space();
    const grown = addStage(original);
    expect((grown.stages as unknown[]).length).toBe(3);
    expect(valid(grown)).toEqual([]);
    expect(removeStage(grown, 2)).toEqual(original);
    // A first stage added to an empty list starts from a valid default.
    const emptied = addStage({ ...original, stages: [] });
    expect(valid(emptied)).toEqual([]);
  });

  it("toggle options in lists, reading a single value as a list", () => {
    expect(toggle(["learned"], "rope", true)).toEqual(["learned", "rope"]);
    expect(toggle(["learned", "rope"], "learned", false)).toEqual(["rope"]);
    expect(toggle("learned", "rope", true)).toEqual(["learned", "rope"]);
    expect(toggle(["none"], "none", true)).toEqual(["none"]);
  });

  it("write an attention candidate as its bare name until it has a parameter", () => {
    expect(attentionValue("linformer", {})).toBe("linformer");
    expect(attentionValue("linformer", { k: 32, shareKV: undefined })).toEqual({ type: "linformer", k: 32 });
    expect(attentionEntry({ type: "performer", features: 8 })).toEqual({ type: "performer", options: { features: 8 } });
    expect(attentionEntry("fnet")).toEqual({ type: "fnet", options: {} });
    const s = setIn(space(), ["stages", 0, "attention", 1], attentionValue("linformer", { k: 32, shareKV: "kv" }));
    expect(valid(s)).toEqual([]);
  });
});
