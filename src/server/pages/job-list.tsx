/** A page of jobs as the Jobs page and an agent's page list them: the jobs API's listing, keyset paged, with its pager. */
import { isKittError } from "../../errors.js";
import { JobPageQuerySchema, listJobPage, type JobPage, type JobPageQuery } from "../api/job-page.js";
import { queryString } from "./format.js";
import { JobsTable } from "./job-summary.js";
import type { PageContext, PageOptions } from "./page-env.js";
import { parseQuery } from "./query.js";

/** One page of jobs with its pager; `base` is the page it pages (the Jobs page, an agent's page). */
export function JobsFragment({ page, query, base }: { page: JobPage; query: JobPageQuery; base: string }) {
  const next = page.next_cursor === null ? undefined : queryString({ status: query.status, limit: query.limit, cursor: page.next_cursor });
  return (
    <>
      {page.jobs.length === 0 ? <p class="muted">No jobs yet: start one from Quick Test.</p> : <JobsTable jobs={page.jobs} />}
      <div class="pager">
        {query.cursor !== undefined ? (
          <a href={`${base}${queryString({ status: query.status, limit: query.limit })}`} rel="first">
            First page
          </a>
        ) : null}
        {next !== undefined ? (
          <a href={`${base}${next}`} rel="next">
            Next page
          </a>
        ) : null}
      </div>
    </>
  );
}

export type ListedJobs = { ok: true; page: JobPage; query: JobPageQuery } | { ok: false; error: string };

/** The page of jobs the request's query asks for (one agent's with `assignedTo`), or what is wrong with the query. */
export async function listedJobs(c: PageContext, options: PageOptions, assignedTo?: string): Promise<ListedJobs> {
  const parsed = parseQuery(c, JobPageQuerySchema);
  if (!parsed.ok) return parsed;
  try {
    return { ok: true, page: await listJobPage(options.store, parsed.value, assignedTo), query: parsed.value };
  } catch (failure) {
    if (!isKittError(failure) || failure.code !== "USAGE") throw failure;
    return { ok: false, error: failure.message };
  }
}
