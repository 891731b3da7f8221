// A finished search's report: report.md and its chart pareto.svg as the API serves them (written when the search
// ends, so offered only then). The chart is shown as an image: the browser draws it without running anything.
export function SearchReport({ searchId, name }: { searchId: string; name: string }) {
  const base = `/v1/searches/${encodeURIComponent(searchId)}`;
  return (
    <>
      <p className="actions">
        <a className="button" href={`${base}/report`} target="_blank" rel="noopener">
          Open the report (Markdown)
        </a>
        <a className="button secondary" href={`${base}/pareto.svg`} target="_blank" rel="noopener">
          Open the chart (SVG)
        </a>
      </p>
      <img
        className="report-chart"
        src={`${base}/pareto.svg`}
        alt={`The report's chart of ${name}: every candidate's accuracy against MACs, the front, the trained models' test accuracy and the baselines`}
        data-testid="report-chart"
      />
    </>
  );
}
