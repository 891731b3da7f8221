// Two architectures of a search side by side: a table of their differences, then metrics and diagrams.
import { Link, useParams, useSearchParams } from "react-router";
import { type Loaded, useArchitecture } from "../api/queries";
import { type Architecture, vitArch } from "../api/schema";
import { ArchitectureDiagram } from "../arch/diagram";
import { ArchitectureMetrics } from "../arch/metrics";
import { summarise } from "../arch/summary";

const short = (archId: string) => archId.slice(0, 12);

export function ComparePage() {
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const a = params.get("a") ?? "";
  const b = params.get("b") ?? "";
  const left = useArchitecture(id, a);
  const right = useArchitecture(id, b);

  return (
    <section>
      <p className="crumbs">
        <Link to={`/searches/${id}`}>← Back to the search</Link>
      </p>
      <h1>Compare architectures</h1>
      {!a || !b ? (
        <p className="field-error">Choose two architectures on the search's front table to compare them.</p>
      ) : (
        <>
          {left.data && right.data && <Differences left={left.data} right={right.data} />}
          <div className="compare">
            <CompareColumn searchId={id} archId={a} detail={left} />
            <CompareColumn searchId={id} archId={b} detail={right} />
          </div>
        </>
      )}
    </section>
  );
}

function Differences({ left, right }: { left: Architecture; right: Architecture }) {
  const l = summarise(left);
  const r = summarise(right);
  return (
    <table className="differences">
      <caption className="muted">Rows that differ are marked.</caption>
      <thead>
        <tr>
          <th scope="col">Property</th>
          <th scope="col">{short(left.id)}</th>
          <th scope="col">{short(right.id)}</th>
        </tr>
      </thead>
      <tbody>
        {l.map((row, i) => {
          const other = r[i]?.value ?? "";
          const differs = row.value !== other;
          return (
            <tr key={row.label} className={differs ? "differs" : undefined}>
              <th scope="row">
                {row.label}
                {differs && <span className="visually-hidden"> (differs)</span>}
              </th>
              <td>{row.value}</td>
              <td>{other}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function CompareColumn({
  searchId,
  archId,
  detail,
}: {
  searchId: string;
  archId: string;
  detail: Loaded<Architecture>;
}) {
  return (
    <article className="panel" aria-label={`Architecture ${short(archId)}`}>
      <h2>
        <Link to={`/searches/${searchId}/architectures/${archId}`}>
          <code>{short(archId)}</code>
        </Link>
      </h2>
      {detail.error && <p className="field-error">{detail.error.message}</p>}
      {detail.data && (
        <>
          <ArchitectureMetrics metrics={detail.data.metrics} />
          <ArchitectureDiagram arch={vitArch(detail.data)} />
        </>
      )}
    </article>
  );
}
