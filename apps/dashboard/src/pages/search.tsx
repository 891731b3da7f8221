// One search: live progress, training curves, the front's history and hypervolume per generation, every candidate
// on a scatter with the MACs budget picker and across its choices in parallel coordinates, how much each choice
// explains accuracy, the front as a table to open or compare architectures, and cancel / resume. With a final phase:
// the trained models' test accuracy on the scatter and the front, their training curves, the baselines beside the
// front, and the report once the search has finished.
import { useCallback, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError, answer, api, query } from "../api/client";
import { useApi } from "../api/queries";
import type { Candidate, ParetoPoint, Progress, Search } from "../api/schema";
import { useSearchEvents } from "../api/search-events";
import { parallelView, plannedOf, progressOf, submitterOf } from "../api/views";
import { trainedHow } from "../arch/metrics";
import { CandidateParallel } from "../charts/candidate-parallel";
import { CandidateScatter } from "../charts/candidate-scatter";
import { FrontHistory } from "../charts/front-history";
import { HypervolumeHistory } from "../charts/hypervolume-history";
import { TrainingCurves } from "../charts/training-curves";
import { BaselinesTable } from "../components/baselines-table";
import { BudgetPicker } from "../components/budget-picker";
import { ChoiceImportanceTable } from "../components/choice-importance";
import { SearchAgain } from "../components/search-again";
import { SearchReport } from "../components/search-report";
import { ProgressBar, ProgressLine, StatusBadge } from "../components/status";
import { formatAccuracy, formatCount, formatDuration, formatLatency, formatMacs, formatWhen } from "../format";

const SCATTER_POINTS = 20_000;
// Lines cross the whole chart, so fewer of them than scatter dots already fill it.
const PARALLEL_POINTS = 5000;

export function SearchPage() {
  const { id = "" } = useParams();
  const path = { id };
  const search = useApi(
    ["search", id],
    (signal) => answer(api.GET("/v1/searches/{id}", { params: { path }, signal })),
    {
      intervalMs: 10_000,
    },
  );
  const [liveProgress, setLiveProgress] = useState<Progress>();
  const status = search.data?.status;
  const live = status === "queued" || status === "running";
  // While the search runs, its results grow: reload them every few seconds, and once more when it ends (the status
  // is part of each result's key).
  const resultOptions = { intervalMs: live ? 4000 : undefined };
  const key = (...parts: unknown[]) => (status ? ["search", id, status, ...parts] : null);

  const reloadSearch = search.reload;
  useSearchEvents(id, live, {
    onProgress: setLiveProgress,
    onStatus: () => reloadSearch(),
  });

  const metrics = useApi(
    key("metrics"),
    async (signal) =>
      (await answer(api.GET("/v1/searches/{id}/metrics", { params: { path, query: { maxPoints: 1000 } }, signal })))
        .items,
    resultOptions,
  );
  const scatter = useApi(
    key("scatter"),
    (signal) =>
      answer(api.GET("/v1/searches/{id}/scatter", { params: { path, query: { maxPoints: SCATTER_POINTS } }, signal })),
    resultOptions,
  );
  const fronts = useApi(
    key("fronts"),
    async (signal) => (await answer(api.GET("/v1/searches/{id}/fronts", { params: { path }, signal }))).items,
    resultOptions,
  );
  const pareto = useApi(
    key("pareto"),
    (signal) => answer(api.GET("/v1/searches/{id}/pareto", { params: { path }, signal })),
    resultOptions,
  );
  const baselines = useApi(
    key("baselines"),
    async (signal) => (await answer(api.GET("/v1/searches/{id}/baselines", { params: { path }, signal }))).items,
    resultOptions,
  );
  const planned = search.data ? plannedOf(search.data) : undefined;
  const finalTop = planned?.finalTop ?? 0;
  // The final phase trains its models one after the other; their loss is kept apart from the super-network's.
  const finalMetrics = useApi(
    finalTop > 0 ? key("metrics", "final") : null,
    async (signal) =>
      (
        await answer(
          api.GET("/v1/searches/{id}/metrics", {
            params: { path, query: { phase: "final", maxPoints: 1000 } },
            signal,
          }),
        )
      ).items,
    resultOptions,
  );
  // The heavier analyses follow a running search less often.
  const analysisOptions = { intervalMs: live ? 15_000 : undefined };
  const parallelAnswer = useApi(
    key("parallel"),
    (signal) =>
      answer(
        api.GET("/v1/searches/{id}/parallel", { params: { path, query: { maxPoints: PARALLEL_POINTS } }, signal }),
      ),
    analysisOptions,
  );
  const parallel = useMemo(() => parallelAnswer.data && parallelView(parallelAnswer.data), [parallelAnswer.data]);
  const importance = useApi(
    key("importance"),
    (signal) => answer(api.GET("/v1/searches/{id}/importance", { params: { path }, signal })),
    analysisOptions,
  );
  const hypervolumes = useMemo(
    () =>
      (fronts.data ?? []).flatMap((f) =>
        f.hypervolume == null ? [] : [{ generation: f.generation, hypervolume: f.hypervolume }],
      ),
    [fronts.data],
  );

  const [budgetPick, setBudgetPick] = useState<{ budget: number; best: Candidate | undefined }>();
  const onBudget = useCallback((budget: number, best: Candidate | undefined) => setBudgetPick({ budget, best }), []);

  const macsRange = useMemo(() => {
    const all = [...(scatter.data?.front ?? []), ...(scatter.data?.others ?? [])].map((p) => p.macs);
    return all.length ? { min: Math.min(...all), max: Math.max(...all) } : undefined;
  }, [scatter.data]);

  const navigate = useNavigate();
  if (search.error && !search.data) {
    return (
      <section>
        <h1>Search</h1>
        <p className="field-error" role="alert">
          {search.error.status === 404 ? "No such search in your team." : search.error.message}
        </p>
        <Link to="/searches">Back to the searches</Link>
      </section>
    );
  }
  if (!search.data) return <p className="page-status">Loading…</p>;

  const s = search.data;
  const progress = live && liveProgress ? { ...progressOf(s), ...liveProgress } : { ...progressOf(s) };
  if (s.status === "succeeded" && planned) {
    // A "done" event carries its epochs and generations; searches recorded before it did only said "done", and a
    // finished search ran every epoch and generation it planned.
    progress.epoch ??= planned.epochs;
    progress.epochs ??= planned.epochs;
    progress.generation ??= planned.generations;
    progress.generations ??= planned.generations;
    progress.candidatesEvaluated ??= scatter.data?.total;
  }
  const scatterData = scatter.data;

  return (
    <section>
      <div className="page-head">
        <h1>
          {s.name} <StatusBadge status={s.status} />
        </h1>
        <SearchActions search={s} onDone={search.reload} />
      </div>

      <section aria-labelledby="progress-title" className="panel">
        <h2 id="progress-title">Progress</h2>
        <ProgressBar progress={progress} status={s.status} label="Search progress" />
        <dl className="facts">
          <Fact term="Phase" value={progress.phase || "—"} testId="phase" />
          <Fact
            term="Epoch"
            value={
              progress.epoch === undefined ? "—" : `${progress.epoch}${progress.epochs ? ` / ${progress.epochs}` : ""}`
            }
          />
          <Fact
            term="Step"
            value={
              progress.step === undefined ? "—" : `${progress.step}${progress.steps ? ` / ${progress.steps}` : ""}`
            }
            testId="step"
          />
          <Fact
            term="Generation"
            value={
              progress.generation === undefined
                ? "—"
                : `${progress.generation}${progress.generations ? ` / ${progress.generations}` : ""}`
            }
          />
          <Fact
            term="Candidates"
            value={progress.candidatesEvaluated === undefined ? "—" : String(progress.candidatesEvaluated)}
          />
          <Fact
            term="ETA"
            value={live && progress.etaSeconds !== undefined ? formatDuration(progress.etaSeconds) : "—"}
          />
          <Fact term="Backend" value={s.backend ?? "—"} />
          <Fact term="Submitted by" value={submitterOf(s) ?? "—"} />
          <Fact term="Submitted" value={formatWhen(s.createdAt)} />
          <Fact term="Started" value={formatWhen(s.startedAt)} />
          <Fact term="Finished" value={formatWhen(s.finishedAt)} />
        </dl>
        <ProgressLine progress={progress} status={s.status} />
        {live && progress.message && (
          <p className="progress-message" data-testid="progress-message">
            {progress.message}
          </p>
        )}
        {s.error && (
          <p className="field-error" role="alert">
            {s.error}
          </p>
        )}
      </section>

      <section aria-labelledby="candidates-title" className="panel">
        <h2 id="candidates-title">Candidates: accuracy against MACs</h2>
        {scatterData && scatterData.total > 0 ? (
          <>
            <p className="muted">
              {scatterData.total} evaluated, {scatterData.front.length} on the front
              {scatterData.others.length + scatterData.front.length < scatterData.total &&
                ` (showing a sample of ${scatterData.others.length} of the others)`}
              . Scroll to zoom, drag to pan, click a front point to open it.
            </p>
            <CandidateScatter
              scatter={scatterData}
              budget={budgetPick?.budget}
              best={budgetPick?.best}
              trained={pareto.data}
              baselines={baselines.data}
              onPick={(archId) => navigate(`/searches/${id}/architectures/${archId}`)}
            />
            {macsRange && (
              <BudgetPicker
                searchId={id}
                minMacs={macsRange.min}
                maxMacs={macsRange.max}
                version={scatterData.total}
                onChange={onBudget}
              />
            )}
            {s.status === "succeeded" && <SearchAgain searchId={id} name={s.name} budget={budgetPick?.budget} />}
          </>
        ) : (
          <p className="empty">No candidates evaluated yet.</p>
        )}
      </section>

      <section aria-labelledby="parallel-title" className="panel">
        <h2 id="parallel-title">Candidates across their choices</h2>
        {parallel && parallel.lines.length > 0 ? (
          <>
            <p className="muted">
              One line per candidate through each stage's choices (S1 is the first stage; heads and MLP are means over
              the stage's blocks, attention the type most of its blocks use) to its MACs and accuracy
              {parallel.lines.length < parallel.total &&
                `; ${parallel.lines.length} lines stand for the ${parallel.total} candidates, every front member among them`}
              .
            </p>
            <CandidateParallel
              searchId={id}
              data={parallel}
              onPick={(archId) => navigate(`/searches/${id}/architectures/${archId}`)}
            />
          </>
        ) : (
          <p className="empty">No candidates evaluated yet.</p>
        )}
      </section>

      <section aria-labelledby="importance-title" className="panel">
        <h2 id="importance-title">Which choices matter</h2>
        {importance.error && !importance.data && (
          <p className="field-error" role="alert">
            {importance.error.message}
          </p>
        )}
        {importance.data && importance.data.choices.length > 0 ? (
          <ChoiceImportanceTable importance={importance.data} />
        ) : (
          importance.data && <p className="empty">Too few candidates with different choices yet.</p>
        )}
      </section>

      <div className="two-up">
        <section aria-labelledby="history-title" className="panel">
          <h2 id="history-title">Front per generation</h2>
          {fronts.data && fronts.data.length > 0 ? (
            <FrontHistory steps={fronts.data} />
          ) : (
            <p className="empty">No generation finished yet.</p>
          )}
        </section>
        <section aria-labelledby="hypervolume-title" className="panel">
          <h2 id="hypervolume-title">Hypervolume per generation</h2>
          {hypervolumes.length > 0 ? (
            <>
              <p className="muted">
                The share of the (MACs, accuracy) plane the front dominates, up to the search's MACs limit (or its
                space's largest architecture): it rises while generations improve the front.
              </p>
              <HypervolumeHistory series={[{ name: s.name, points: hypervolumes }]} />
            </>
          ) : (
            <p className="empty">No generation finished yet.</p>
          )}
        </section>
      </div>

      <section aria-labelledby="training-title" className="panel">
        <h2 id="training-title">Super-network training</h2>
        {metrics.data && metrics.data.length > 0 ? (
          <TrainingCurves samples={metrics.data} />
        ) : (
          <p className="empty">No training steps yet.</p>
        )}
      </section>

      {finalTop > 0 && (
        <section aria-labelledby="final-training-title" className="panel">
          <h2 id="final-training-title">Final phase: front architectures trained alone</h2>
          {finalMetrics.data && finalMetrics.data.length > 0 ? (
            <TrainingCurves
              samples={finalMetrics.data}
              testId="final-training-curves"
              overTime
              label="The final phase's training loss and images per second, its models one after the other"
            />
          ) : (
            <p className="empty">No final training steps yet.</p>
          )}
        </section>
      )}

      <section aria-labelledby="front-title" className="panel">
        <h2 id="front-title">The front</h2>
        {pareto.data && pareto.data.length > 0 ? (
          <FrontTable searchId={id} points={pareto.data} />
        ) : (
          <p className="empty">No front yet.</p>
        )}
      </section>

      {((baselines.data?.length ?? 0) > 0 || (planned?.baselines ?? 0) > 0) && (
        <section aria-labelledby="baselines-title" className="panel">
          <h2 id="baselines-title">Baselines</h2>
          {baselines.data && baselines.data.length > 0 ? (
            <>
              <p className="muted">
                Reference architectures trained alone with the final phase's recipe and measured on the test split, like
                the front's trained models; squares on the scatter.
              </p>
              <BaselinesTable baselines={baselines.data} />
            </>
          ) : (
            <p className="empty">The baselines are trained after the search, and listed when it has finished.</p>
          )}
        </section>
      )}

      {s.status === "succeeded" && (
        <section aria-labelledby="report-title" className="panel">
          <h2 id="report-title">Report</h2>
          <SearchReport searchId={id} name={s.name} />
        </section>
      )}
    </section>
  );
}

function Fact({ term, value, testId }: { term: string; value: string; testId?: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

function SearchActions({ search, onDone }: { search: Search; onDone(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = async (action: "cancel" | "resume") => {
    setBusy(true);
    setError(null);
    try {
      const path = { id: search.id };
      await answer(
        action === "cancel"
          ? api.POST("/v1/searches/{id}/cancel", { params: { path } })
          : api.POST("/v1/searches/{id}/resume", { params: { path } }),
      );
      onDone();
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : String(cause));
    } finally {
      setBusy(false);
    }
  };
  const canCancel = search.status === "queued" || search.status === "running";
  const canResume = search.status === "failed" || search.status === "cancelled";
  return (
    <div className="actions">
      {canCancel && (
        <button type="button" className="danger" disabled={busy} onClick={() => void act("cancel")}>
          Cancel search
        </button>
      )}
      {canResume && (
        <button type="button" disabled={busy} onClick={() => void act("resume")}>
          Resume search
        </button>
      )}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

function FrontTable({ searchId, points }: { searchId: string; points: ParetoPoint[] }) {
  const [chosen, setChosen] = useState<string[]>([]);
  const sorted = useMemo(() => [...points].sort((a, b) => a.macs - b.macs), [points]);
  // The column appears once the final phase has trained any of them.
  const trained = points.some((p) => p.testAccuracy != null);
  // Beside MACs once the search measured any (its job's search.latency).
  const measured = points.some((p) => p.latencyMs != null);
  const toggle = (archId: string) =>
    setChosen((c) => (c.includes(archId) ? c.filter((x) => x !== archId) : [...c.slice(-1), archId]));
  return (
    <>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Compare</th>
              <th scope="col">Architecture</th>
              <th scope="col">{trained ? "Accuracy, inherited weights" : "Accuracy"}</th>
              {trained && <th scope="col">Test accuracy, trained alone</th>}
              <th scope="col">MACs</th>
              {measured && <th scope="col">Latency, ONNX Runtime (CPU, batch 1)</th>}
              <th scope="col">Parameters</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((p) => (
              <tr key={p.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare ${p.id.slice(0, 10)}`}
                    checked={chosen.includes(p.id)}
                    onChange={() => toggle(p.id)}
                  />
                </td>
                <td>
                  <Link to={`/searches/${searchId}/architectures/${p.id}`}>
                    <code>{p.id.slice(0, 10)}</code>
                  </Link>
                </td>
                <td>{formatAccuracy(p.accuracy)}</td>
                {trained && (
                  <td data-testid="front-test-accuracy">
                    {p.testAccuracy == null ? (
                      "—"
                    ) : (
                      <>
                        {formatAccuracy(p.testAccuracy)}{" "}
                        <span className="muted">({trainedHow(p.finalMode, p.finalEpochs)})</span>
                      </>
                    )}
                  </td>
                )}
                <td>{formatMacs(p.macs)}</td>
                {measured && (
                  <td data-testid="front-latency">
                    {p.latencyMs == null ? "—" : formatLatency(p.latencyMs, p.latencyP90Ms, p.latencyThreads)}
                  </td>
                )}
                <td>{p.params === undefined ? "—" : formatCount(p.params)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        {chosen.length === 2 ? (
          <Link className="button" to={`/searches/${searchId}/compare${query({ a: chosen[0], b: chosen[1] })}`}>
            Compare the two chosen
          </Link>
        ) : (
          <span className="muted">Choose two architectures to compare them side by side.</span>
        )}
      </p>
    </>
  );
}
