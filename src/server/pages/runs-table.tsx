/** The table of runs the Dashboard, Results and Compare pages show; with `selectable`, a checkbox per run for Compare. */
import type { ListedRun } from "../../store/run-queries.js";
import { formatDuration, formatTime } from "./format.js";

export function RunsTable({ runs, selectable = false, selected = [] }: { runs: readonly ListedRun[]; selectable?: boolean; selected?: readonly string[] }) {
  if (runs.length === 0) return <p class="muted">No runs match.</p>;
  return (
    <div class="table-wrap">
      <table class="runs">
        <thead>
          <tr>
            {selectable ? <th>compare</th> : null}
            <th>run</th>
            <th>started</th>
            <th>model</th>
            <th>engine</th>
            <th>suite</th>
            <th>GPU</th>
            <th>status</th>
            <th>duration</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr data-run-id={run.id}>
              {selectable ? (
                <td>
                  <input type="checkbox" name="run" value={run.id} aria-label={`compare ${run.id}`} checked={selected.includes(run.id)} />
                </td>
              ) : null}
              <td>
                <a href={`/runs/${run.id}`}>{run.id.slice(0, 8)}</a>
              </td>
              <td>{formatTime(run.started_at)}</td>
              <td>{run.model}</td>
              <td>{run.runtime === null ? run.engine : `${run.engine} (${run.runtime})`}</td>
              <td>{run.suite}</td>
              <td>{run.gpu ?? "—"}</td>
              <td class={`status-${run.status}`}>{run.status === "completed" && !run.passed ? "completed, failed tests" : run.status}</td>
              <td class="num">{formatDuration(run.started_at, run.finished_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
