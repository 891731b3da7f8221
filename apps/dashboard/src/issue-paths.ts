// Matching the API's validation issues to the form fields they concern. The API may write a path as a JSON pointer
// (`/space/stages/1/widths/0`) or in dotted form (`space.stages[1].widths[0]`), possibly under `body`.

export function pathTokens(path: string): string[] {
  const tokens = path
    .replace(/\[(\w+)\]/g, ".$1")
    .split(/[./]/)
    .filter((t) => t !== "" && t !== "$");
  return tokens[0] === "body" ? tokens.slice(1) : tokens;
}

/** The field whose path is the longest prefix of the issue's path, or undefined when none is. */
export function fieldForIssue(issuePath: string, fieldPaths: readonly string[]): string | undefined {
  const issue = pathTokens(issuePath);
  let best: { field: string; length: number } | undefined;
  for (const field of fieldPaths) {
    const tokens = pathTokens(field);
    if (tokens.length > issue.length || !tokens.every((t, i) => t === issue[i])) continue;
    if (!best || tokens.length > best.length) best = { field, length: tokens.length };
  }
  return best?.field;
}

/** The part of an issue's path below its field, in dotted form (`stages[1].widths[0]`), or "" at the field itself. */
export function pathBelow(issuePath: string, field: string): string {
  const rest = pathTokens(issuePath).slice(pathTokens(field).length);
  return rest.map((t, i) => (/^\d+$/.test(t) ? `[${t}]` : i === 0 ? t : `.${t}`)).join("");
}

export function getAt(value: unknown, path: string): unknown {
  let current = value;
  for (const token of pathTokens(path)) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}

/** Sets (or with `undefined`, removes) the value at a dotted path, creating objects on the way. */
export function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const tokens = pathTokens(path);
  let current = target;
  for (const token of tokens.slice(0, -1)) {
    const next = current[token];
    if (typeof next !== "object" || next === null || Array.isArray(next)) current[token] = {};
    current = current[token] as Record<string, unknown>;
  }
  const last = tokens[tokens.length - 1]!;
  if (value === undefined) delete current[last];
  else current[last] = value;
}
