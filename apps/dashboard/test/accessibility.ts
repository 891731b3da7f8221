// Accessibility checks with axe-core inside the page: labels, names, roles, contrast (WCAG 2 A and AA rules).
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** The serious and critical WCAG A/AA violations on the page as it is now. */
export async function accessibilityViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate("typeof window.axe !== 'undefined'"))) await page.addScriptTag({ path: AXE });
  // A string: the test runner's TypeScript loader would add helpers to a function's source that the page lacks.
  const violations = (await page.evaluate(`
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } }).then((result) =>
      result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => String(n.target)),
      })),
    )
  `)) as Violation[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
