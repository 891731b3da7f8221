// A stage's attention candidates: each a type with the parameters that type takes (performer's features,
// linformer's k and projections, nystrom's landmarks, mixer's expansion, the conv kernels); a parameter left empty
// takes the format's default, and a candidate without parameters is written as its bare type name.
import { Control, type ControlBinding, controlId, type IssuesAt } from "./control";
import { NumberInput } from "./draft-inputs";
import {
  ATTENTION_OPTIONS,
  ATTENTION_TYPES,
  type AttentionOption,
  attentionEntry,
  attentionValue,
} from "./space-edits";

export function AttentionControls({
  path,
  stageLabel,
  entries,
  onChange,
  issuesAt,
}: {
  /** The list's dotted path under the job, e.g. space.stages.0.attention. */
  path: string;
  stageLabel: string;
  entries: unknown[];
  onChange(entries: unknown[]): void;
  issuesAt: IssuesAt;
}) {
  const replace = (j: number, value: unknown) => onChange(entries.map((e, k) => (k === j ? value : e)));
  const add = () => {
    const used = new Set(entries.map((e) => attentionEntry(e).type));
    onChange([...entries, ATTENTION_TYPES.find((t) => !used.has(t)) ?? "softmax"]);
  };
  const listIssues = issuesAt(path);
  return (
    <fieldset className="attention-list" aria-describedby={listIssues.length ? `${controlId(path)}-error` : undefined}>
      <legend>Attention types</legend>
      {entries.map((entry, j) => {
        const { type, options } = attentionEntry(entry);
        const entryPath = `${path}.${j}`;
        const setOption = (key: string, value: unknown) =>
          replace(j, attentionValue(type, { ...options, [key]: value }));
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: candidates are identified by their place in the list.
          <div className="attention-entry" key={j}>
            <Control path={entryPath} label={`Attention ${j + 1}`} issuesAt={issuesAt}>
              {(b) => (
                <select
                  id={b.id}
                  value={type}
                  aria-invalid={b.invalid ? true : undefined}
                  aria-describedby={b.describedBy}
                  // Another type takes other parameters: it starts from its defaults.
                  onChange={(event) => replace(j, event.target.value)}
                >
                  {!(ATTENTION_TYPES as readonly string[]).includes(type) && (
                    <option value={type}>{type || "(none)"}</option>
                  )}
                  {ATTENTION_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              )}
            </Control>
            {(ATTENTION_OPTIONS[type] ?? []).map((option) => (
              <Control key={option.key} path={`${entryPath}.${option.key}`} label={option.label} issuesAt={issuesAt}>
                {(b) =>
                  option.choices ? (
                    <ChoiceSelect
                      binding={b}
                      option={option}
                      value={options[option.key]}
                      onChange={(v) => setOption(option.key, v)}
                    />
                  ) : (
                    <NumberInput
                      id={b.id}
                      invalid={b.invalid}
                      describedBy={b.describedBy}
                      placeholder="default"
                      decimal={option.key === "expansion"}
                      value={options[option.key]}
                      onChange={(v) => setOption(option.key, v)}
                    />
                  )
                }
              </Control>
            ))}
            <button
              type="button"
              className="quiet"
              aria-label={`Remove attention ${j + 1} of ${stageLabel}`}
              onClick={() => onChange(entries.filter((_, k) => k !== j))}
            >
              Remove
            </button>
          </div>
        );
      })}
      <button type="button" className="quiet" onClick={add} aria-label={`Add an attention type to ${stageLabel}`}>
        Add attention type
      </button>
      {listIssues.length > 0 && (
        <ul id={`${controlId(path)}-error`} className="field-error">
          {listIssues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>{issue.message}</li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}

function ChoiceSelect({
  binding,
  option,
  value,
  onChange,
}: {
  binding: ControlBinding;
  option: AttentionOption;
  value: unknown;
  onChange(value: unknown): void;
}) {
  const choices = option.choices ?? [];
  const known = value === undefined || choices.some((c) => c.value === value);
  return (
    <select
      id={binding.id}
      value={value === undefined ? "" : JSON.stringify(value)}
      aria-invalid={binding.invalid ? true : undefined}
      aria-describedby={binding.describedBy}
      onChange={(event) =>
        onChange(event.target.value === "" ? undefined : (JSON.parse(event.target.value) as unknown))
      }
    >
      <option value="">default</option>
      {!known && <option value={JSON.stringify(value)}>{String(value)}</option>}
      {choices.map((c) => (
        <option key={c.label} value={JSON.stringify(c.value)}>
          {c.label}
        </option>
      ))}
    </select>
  );
}
