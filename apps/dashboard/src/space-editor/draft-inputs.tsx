// Text inputs bound to a value in the space. Each keeps what was typed while it still means the same value, so
// "32, " stays as typed instead of being rewritten to "32" under the cursor; when the value changes elsewhere (the
// JSON text, another control) the input shows the new value.
import { useState } from "react";
import { formatList, parseList, parseScalar, sameJson } from "./space-edits";

interface DraftInputProps {
  id: string;
  value: unknown;
  onChange(value: unknown): void;
  invalid?: boolean;
  describedBy?: string;
  disabled?: boolean;
  placeholder?: string;
}

function DraftInput({
  id,
  value,
  onChange,
  invalid,
  describedBy,
  disabled,
  placeholder,
  format,
  parse,
  inputMode,
}: DraftInputProps & {
  format(value: unknown): string;
  parse(text: string): unknown;
  inputMode: "numeric" | "decimal" | "text";
}) {
  const [typed, setTyped] = useState(() => format(value));
  const shown = sameJson(parse(typed), value) ? typed : format(value);
  return (
    <input
      id={id}
      type="text"
      inputMode={inputMode}
      autoComplete="off"
      spellCheck={false}
      value={shown}
      placeholder={placeholder}
      disabled={disabled}
      aria-invalid={invalid ? true : undefined}
      aria-describedby={describedBy}
      onChange={(event) => {
        setTyped(event.target.value);
        onChange(parse(event.target.value));
      }}
    />
  );
}

/** A list of numbers, typed as "32, 48, 64". */
export function ListInput(props: DraftInputProps) {
  return <DraftInput {...props} format={formatList} parse={parseList} inputMode="text" />;
}

/** One number; empty removes the field, so its default applies. */
export function NumberInput(props: DraftInputProps & { decimal?: boolean }) {
  const format = (value: unknown) =>
    value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  return (
    <DraftInput {...props} format={format} parse={parseScalar} inputMode={props.decimal ? "decimal" : "numeric"} />
  );
}
