// One stage of the space: the lists of widths, depths, heads and MLP sizes a sub-network picks from, the head
// dimension, the attention candidates and (after the first stage) the reductions into it.
import { AttentionControls } from "./attention-controls";
import { CheckGroup, Control, type IssuesAt } from "./control";
import { ListInput, NumberInput } from "./draft-inputs";
import { type JsonObject, REDUCTIONS, toggle } from "./space-edits";

const LISTS = [
  { key: "widths", label: "Widths" },
  { key: "depth", label: "Depths" },
  { key: "heads", label: "Heads" },
  { key: "mlpHidden", label: "MLP sizes" },
] as const;

export function StageControls({
  index,
  stage,
  onChange,
  onRemove,
  canRemove,
  issuesAt,
}: {
  index: number;
  stage: JsonObject;
  onChange(stage: JsonObject): void;
  onRemove(): void;
  canRemove: boolean;
  issuesAt: IssuesAt;
}) {
  const path = `space.stages.${index}`;
  const label = `stage ${index + 1}`;
  const set = (key: string, value: unknown) => {
    const next = { ...stage, [key]: value };
    if (value === undefined) delete next[key];
    onChange(next);
  };
  const stageIssues = issuesAt(path);
  return (
    <fieldset className="stage-controls" data-testid={`stage-${index}`}>
      <legend>Stage {index + 1}</legend>
      <div className="control-grid">
        {LISTS.map(({ key, label: name }) => (
          <Control key={key} path={`${path}.${key}`} label={name} hint="comma-separated" issuesAt={issuesAt}>
            {(b) => (
              <ListInput
                id={b.id}
                invalid={b.invalid}
                describedBy={b.describedBy}
                value={stage[key]}
                onChange={(v) => set(key, v)}
              />
            )}
          </Control>
        ))}
        <Control path={`${path}.headDim`} label="Head dimension" issuesAt={issuesAt}>
          {(b) => (
            <NumberInput
              id={b.id}
              invalid={b.invalid}
              describedBy={b.describedBy}
              value={stage.headDim}
              onChange={(v) => set("headDim", v)}
            />
          )}
        </Control>
      </div>
      <AttentionControls
        path={`${path}.attention`}
        stageLabel={label}
        entries={Array.isArray(stage.attention) ? stage.attention : []}
        onChange={(entries) => set("attention", entries)}
        issuesAt={issuesAt}
      />
      {index > 0 && (
        <CheckGroup
          path={`${path}.reduction`}
          legend="Reductions into this stage"
          options={REDUCTIONS}
          checked={Array.isArray(stage.reduction) ? stage.reduction : ["none"]}
          onToggle={(option, on) =>
            set("reduction", toggle(Array.isArray(stage.reduction) ? stage.reduction : ["none"], option, on))
          }
          issuesAt={issuesAt}
        />
      )}
      {stageIssues.length > 0 && (
        <ul className="field-error">
          {stageIssues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>{issue.message}</li>
          ))}
        </ul>
      )}
      <button type="button" className="quiet" disabled={!canRemove} onClick={onRemove}>
        Remove {label}
      </button>
    </fieldset>
  );
}
