/** How pages show a job: its status, what it runs (read from the stored request) and how long it took. */
import type { JobRecord } from "../../store/jobs.js";
import { formatDuration, formatTime } from "./format.js";

export interface JobWhat {
  model: string;
  engine: string;
  runtime: string;
  tests: string;
}

/** The stored request's fields as text; a field a (future) kind of job lacks is "—". */
export function jobWhat(job: JobRecord): JobWhat {
  const request = typeof job.request === "object" && job.request !== null && !Array.isArray(job.request) ? job.request : {};
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const tests = Array.isArray(request.tests) ? request.tests.filter((test) => typeof test === "string").join(", ") : undefined;
  return {
    model: text(request.model) ?? text(request.url) ?? "—",
    engine: text(request.engine) ?? "—",
    runtime: text(request.runtime) ?? "—",
    tests: tests ?? text(request.suite) ?? "quick",
  };
}

export function jobDuration(job: JobRecord): string {
  if (job.started_at === null) return "—";
  return job.finished_at === null ? `${formatDuration(job.started_at, Date.now())} so far` : formatDuration(job.started_at, job.finished_at);
}

function JobStatus({ job }: { job: JobRecord }) {
  return <span class={`status-${job.status}`}>{job.status}</span>;
}

export function JobsTable({ jobs }: { jobs: JobRecord[] }) {
  return (
    <div class="table-wrap">
      <table class="jobs">
        <thead>
          <tr>
            <th>job</th>
            <th>status</th>
            <th>model</th>
            <th>engine</th>
            <th>tests</th>
            <th>created</th>
            <th>duration</th>
            <th>run</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => {
            const what = jobWhat(job);
            return (
              <tr data-job-id={job.id} data-status={job.status}>
                <td>
                  <a href={`/jobs/${job.id}`}>{job.id.slice(0, 8)}</a>
                </td>
                <td>
                  <JobStatus job={job} />
                </td>
                <td>{what.model}</td>
                <td>{what.engine}</td>
                <td>{what.tests}</td>
                <td>{formatTime(job.created_at)}</td>
                <td class="num">{jobDuration(job)}</td>
                <td>{job.run_id === null ? "—" : <a href={`/runs/${job.run_id}`}>{job.run_id.slice(0, 8)}</a>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
