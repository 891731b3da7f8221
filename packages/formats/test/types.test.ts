// The complete types are valid documents of their formats: each is assignable to the schema's own type.
import { describe, expectTypeOf, it } from "vitest";
import type {
  AttentionInput,
  AttentionSpec,
  DatasetInput,
  DatasetSpec,
  NasSearch,
  NasSearchInput,
  VitArch,
  VitArchInput,
  VitSpace,
  VitSpaceInput,
} from "../src";

describe("complete types", () => {
  it("are assignable to the schema types", () => {
    expectTypeOf<VitArch>().toExtend<VitArchInput>();
    expectTypeOf<VitSpace>().toExtend<VitSpaceInput>();
    expectTypeOf<NasSearch>().toExtend<NasSearchInput>();
    expectTypeOf<AttentionSpec>().toExtend<AttentionInput>();
    expectTypeOf<DatasetSpec>().toExtend<DatasetInput>();
  });
});
