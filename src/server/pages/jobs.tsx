/**
 * `/jobs`: the job history (the jobs API's listing, keyset paged), and `/jobs/:id`: one job's
 * page — status, progress bar and log updated live by `/assets/job-live.js` from the job's SSE
 * route, a Cancel button (`JobRunner.cancel`, as the API's cancel), and the stored run's link.
 * A finished job's page shows the end of its log file, written by the server itself.
 */
import { open } from "node:fs/promises";
import { Hono } from "hono";
import { KittError } from "../../errors.js";
import { FINAL_JOB_STATUSES, JOB_STATUSES, requestJobCancel, type JobRecord } from "../../store/jobs.js";
import { existingJob } from "../api/job-page.js";
import { assetUrl } from "./assets.js";
import { formatTime } from "./format.js";
import { JobsFragment, listedJobs } from "./job-list.js";
import { jobDuration, jobWhat } from "./job-summary.js";
import { Layout } from "./layout.js";
import { chrome, type PageContext, type PageEnv, type PageOptions } from "./page-env.js";

const JOB_ID = /^[A-Za-z0-9-]{1,64}$/;
/** The end of a finished job's log the page shows. */
const LOG_TAIL_BYTES = 64 * 1024;

async function logTail(path: string | null): Promise<string[]> {
  if (path === null) return [];
  try {
    await using file = await open(path, "r");
    const { size } = await file.stat();
    const start = Math.max(0, size - LOG_TAIL_BYTES);
    const { buffer, bytesRead } = await file.read(Buffer.alloc(size - start), 0, size - start, start);
    const lines = buffer.subarray(0, bytesRead).toString("utf8").split("\n");
    return (start > 0 ? lines.slice(1) : lines).filter((line) => line !== "");
  } catch {
    return [];
  }
}

async function jobFor(c: PageContext, options: PageOptions): Promise<JobRecord> {
  const id = c.req.param("id") ?? "";
  if (!JOB_ID.test(id)) throw new KittError("NOT_FOUND", "no such job");
  return existingJob(options.store, id);
}

function JobPage({ job, log }: { job: JobRecord; log: string[] }) {
  const what = jobWhat(job);
  const final = FINAL_JOB_STATUSES.has(job.status);
  return (
    <section data-job-id={job.id} data-status={job.status}>
      <h1>Job {job.id}</h1>
      <p>
        status <strong data-job-status class={`status-${job.status}`}>{job.status}</strong> · {what.model} on {what.engine} ({what.runtime}) · {what.tests}
      </p>
      <p class="meta">
        created {formatTime(job.created_at)} · started {formatTime(job.started_at)} · finished {formatTime(job.finished_at)} · duration {jobDuration(job)}
      </p>
      <p class="alert" data-job-error hidden={job.error === null}>
        {job.error ?? ""}
      </p>
      <progress max="1" value={job.status === "completed" ? "1" : "0"}></progress>
      <p class="muted" data-progress-label>
        {final ? "" : "waiting for progress…"}
      </p>
      <p hidden={job.run_id === null}>
        Results: <a data-run-link href={job.run_id === null ? "#" : `/runs/${job.run_id}`}>{job.run_id === null ? "" : `Run ${job.run_id}`}</a>
      </p>
      {final ? null : (
        <form method="post" action={`/jobs/${job.id}/cancel`} data-cancel class="actions">
          <button type="submit" class="danger">
            Cancel
          </button>
        </form>
      )}
      <h2>Log</h2>
      <div class="job-log" data-job-log role="log" aria-live="polite">
        {log.map((line) => (
          <div class="line">{line}</div>
        ))}
      </div>
    </section>
  );
}

export function jobsPages(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/jobs", async (c) => {
    const listed = await listedJobs(c, options);
    return c.html(
      <Layout title="Jobs" active="jobs" {...chrome(c)}>
        <h1>Jobs</h1>
        <form class="filters panel" action="/jobs" method="get">
          <label>
            status
            <select name="status">
              <option value="">any</option>
              {JOB_STATUSES.map((status) => (
                <option value={status} selected={listed.ok && listed.query.status === status}>
                  {status}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Filter</button>
          <a class="button plain" href="/quick-test">
            New quick test
          </a>
        </form>
        {listed.ok ? (
          <JobsFragment page={listed.page} query={listed.query} base="/jobs" />
        ) : (
          <p class="alert" role="alert">
            {listed.error}
          </p>
        )}
      </Layout>,
      listed.ok ? 200 : 400,
    );
  });

  app.get("/jobs/:id", async (c) => {
    const job = await jobFor(c, options);
    const log = FINAL_JOB_STATUSES.has(job.status) ? await logTail(job.log_path) : [];
    return c.html(
      <Layout title={`Job ${job.id.slice(0, 8)}`} active="jobs" {...chrome(c)} scripts={[assetUrl("/assets/job-live.js")]}>
        <JobPage job={job} log={log} />
      </Layout>,
    );
  });

  app.post("/jobs/:id/cancel", async (c) => {
    const job = await jobFor(c, options);
    if (job.assigned_to !== null) await options.agentJobs.cancel(job);
    else await (options.jobs ? options.jobs.cancel(job.id) : requestJobCancel(options.store, job.id));
    return c.redirect(`/jobs/${job.id}`, 303);
  });
  return app;
}
