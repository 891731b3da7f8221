// Validation issues reach the form field they concern whichever path spelling the API uses.
import { describe, expect, it } from "vitest";
import { fieldForIssue, getAt, pathBelow, pathTokens, setAt } from "../src/issue-paths";

const FIELDS = ["name", "supernet.epochs", "search.constraints.macs.max", "space", "dataset"];

describe("issue paths", () => {
  it("reads JSON pointers, dotted paths with indices and a leading body", () => {
    expect(pathTokens("/space/stages/1/widths/0")).toEqual(["space", "stages", "1", "widths", "0"]);
    expect(pathTokens("space.stages[1].widths[0]")).toEqual(["space", "stages", "1", "widths", "0"]);
    expect(pathTokens("body.supernet.epochs")).toEqual(["supernet", "epochs"]);
  });

  it("picks the longest field that is a prefix of the issue", () => {
    expect(fieldForIssue("/supernet/epochs", FIELDS)).toBe("supernet.epochs");
    expect(fieldForIssue("space.stages[1].widths[0]", FIELDS)).toBe("space");
    expect(fieldForIssue("/search/constraints/macs/max", FIELDS)).toBe("search.constraints.macs.max");
    expect(fieldForIssue("/search/population", FIELDS)).toBeUndefined();
    expect(fieldForIssue("/spaces", FIELDS)).toBeUndefined();
  });

  it("names the part below the field in dotted form", () => {
    expect(pathBelow("/space/stages/1/widths/0", "space")).toBe("stages[1].widths[0]");
    expect(pathBelow("/name", "name")).toBe("");
  });

  it("sets, creates and removes nested values", () => {
    const job: Record<string, unknown> = { search: { population: 4 } };
    setAt(job, "search.constraints.macs.max", 1000);
    expect(getAt(job, "search.constraints.macs.max")).toBe(1000);
    setAt(job, "search.population", undefined);
    expect(job).toEqual({ search: { constraints: { macs: { max: 1000 } } } });
  });
});
