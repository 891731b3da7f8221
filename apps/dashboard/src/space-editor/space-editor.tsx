// The search space, edited two ways at once: controls for its choices next to its vit-space/v1 JSON text. The text
// is the one state; a control rewrites it (formatted), typing in it moves the controls, and while it does not parse
// the controls wait for it. The API's messages appear at the control their path falls to and, all of them, under
// the text.
import { useMemo, useRef } from "react";
import type { FieldIssue } from "../api/client";
import { FieldIssues } from "../components/field-issues";
import { fieldForIssue } from "../issue-paths";
import { CheckGroup, Control, type IssuesAt } from "./control";
import { NumberInput } from "./draft-inputs";
import {
  ATTENTION_OPTIONS,
  addStage,
  attentionEntry,
  getIn,
  type JsonObject,
  POSITIONS,
  parseSpace,
  positionsOf,
  removeStage,
  setIn,
  spaceText,
  stagesOf,
  toggle,
} from "./space-edits";
import { StageControls } from "./stage-controls";

const SCALARS = [
  { path: ["input", "imageSize"], label: "Image size" },
  { path: ["input", "channels"], label: "Channels" },
  { path: ["input", "classes"], label: "Classes" },
  { path: ["stem", "patch", "kernel"], label: "Patch kernel" },
  { path: ["stem", "patch", "stride"], label: "Patch stride" },
  { path: ["stem", "patch", "padding"], label: "Patch padding" },
] as const;

const STAGE_KEYS = ["widths", "depth", "heads", "mlpHidden", "headDim", "attention", "reduction"];

/** Every control's path under the job, so each issue goes to the deepest control that holds it. */
function controlPaths(space: JsonObject): string[] {
  const paths = ["space.position", "space.classToken", "space.stages"];
  for (const s of SCALARS) paths.push(`space.${s.path.join(".")}`);
  stagesOf(space).forEach((stage, i) => {
    paths.push(`space.stages.${i}`);
    for (const key of STAGE_KEYS) paths.push(`space.stages.${i}.${key}`);
    const attention = getIn(stage, ["attention"]);
    (Array.isArray(attention) ? attention : []).forEach((entry, j) => {
      paths.push(`space.stages.${i}.attention.${j}`);
      for (const option of ATTENTION_OPTIONS[attentionEntry(entry).type] ?? []) {
        paths.push(`space.stages.${i}.attention.${j}.${option.key}`);
      }
    });
  });
  return paths;
}

export function SpaceEditor({
  text,
  onText,
  issues,
}: {
  text: string;
  onText(text: string): void;
  /** The job's issues under `space` (paths from the job's root). */
  issues: FieldIssue[];
}) {
  const parsed = useMemo(() => parseSpace(text), [text]);
  const readable = "space" in parsed ? parsed.space : undefined;
  // While the text does not read, the controls stay as they were, disabled, rather than vanish.
  const lastReadable = useRef<JsonObject | undefined>(readable);
  if (readable) lastReadable.current = readable;
  const space = readable ?? lastReadable.current;

  const issuesAt: IssuesAt = useMemo(() => {
    const paths = space ? controlPaths(space) : [];
    const byControl = new Map<string, FieldIssue[]>();
    for (const issue of issues) {
      const control = fieldForIssue(issue.path, paths);
      if (control) byControl.set(control, [...(byControl.get(control) ?? []), issue]);
    }
    return (path) => byControl.get(path) ?? [];
  }, [issues, space]);

  const edit = (change: (space: JsonObject) => JsonObject) => {
    if (readable) onText(spaceText(change(readable)));
  };
  const stages = space ? stagesOf(space) : [];

  return (
    <div className="space-editor">
      <div className="space-controls">
        <h2 id="space-controls-title">Search space</h2>
        {"error" in parsed && (
          <p className="notice" role="status">
            The controls follow the JSON text again once it reads as a space: {parsed.error}.
          </p>
        )}
        <fieldset className="bare" disabled={!readable} aria-labelledby="space-controls-title">
          <div className="control-grid">
            {SCALARS.map((s) => (
              <Control key={s.path.join(".")} path={`space.${s.path.join(".")}`} label={s.label} issuesAt={issuesAt}>
                {(b) => (
                  <NumberInput
                    id={b.id}
                    invalid={b.invalid}
                    describedBy={b.describedBy}
                    placeholder={s.path[2] === "padding" || s.path[1] === "channels" ? "default" : undefined}
                    value={space ? getIn(space, s.path) : undefined}
                    onChange={(v) => edit((sp) => setIn(sp, s.path, v))}
                  />
                )}
              </Control>
            ))}
          </div>
          <div className="control-row">
            <CheckGroup
              path="space.position"
              legend="Positions"
              options={POSITIONS}
              checked={space ? positionsOf(space) : []}
              onToggle={(option, on) => edit((sp) => ({ ...sp, position: toggle(positionsOf(sp), option, on) }))}
              issuesAt={issuesAt}
            />
            <label className="check">
              <input
                type="checkbox"
                checked={space ? space.classToken !== false : false}
                onChange={(event) => edit((sp) => ({ ...sp, classToken: event.target.checked }))}
              />
              Class token
            </label>
          </div>
          {stages.map((stage, i) => (
            <StageControls
              // biome-ignore lint/suspicious/noArrayIndexKey: stages are identified by their place.
              key={i}
              index={i}
              stage={typeof stage === "object" && stage !== null ? (stage as JsonObject) : {}}
              canRemove={stages.length > 1}
              onChange={(next) => edit((sp) => setIn(sp, ["stages", i], next))}
              onRemove={() => edit((sp) => removeStage(sp, i))}
              issuesAt={issuesAt}
            />
          ))}
          <FieldIssues id="control-space-stages-error" field="space.stages" issues={issuesAt("space.stages")} />
          <button type="button" onClick={() => edit(addStage)}>
            Add stage
          </button>
        </fieldset>
      </div>
      <div className="space-json field">
        <label htmlFor="field-space">Search space (vit-space/v1 JSON)</label>
        <textarea
          id="field-space"
          name="space"
          rows={30}
          spellCheck={false}
          value={text}
          onChange={(event) => onText(event.target.value)}
          aria-invalid={issues.length ? true : undefined}
          aria-describedby={issues.length ? "field-space-error" : undefined}
        />
        <FieldIssues id="field-space-error" field="space" issues={issues} />
      </div>
    </div>
  );
}
