/** One page of jobs, newest first, as the `jobs` API and the Jobs page list them: a status filter and keyset paging. */
import { z } from "@hono/zod-openapi";
import { KittError } from "../../errors.js";
import { getJob, JOB_STATUSES, listJobs, type JobRecord } from "../../store/jobs.js";
import type { ResultsStore } from "../../store/results-store.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

const MAX_PAGE = 500;

export const JobStatusSchema = z.enum(JOB_STATUSES as [JobRecord["status"], ...JobRecord["status"][]]);

export const JobPageQuerySchema = z.object({
  status: z
    .string()
    .max(128)
    .optional()
    .openapi({ description: `only these statuses, comma-separated (${JOB_STATUSES.join(", ")})` }),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50).openapi({ description: `jobs per page (at most ${MAX_PAGE})` }),
  cursor: z.string().max(256).optional().openapi({ description: "next_cursor of the previous page" }),
});

export type JobPageQuery = z.infer<typeof JobPageQuerySchema>;

export interface JobPage {
  jobs: JobRecord[];
  next_cursor: string | null;
}

/** USAGE for an unknown status or a cursor this server did not hand out; `assignedTo`: one agent's jobs only. */
export async function listJobPage(store: ResultsStore, query: JobPageQuery, assignedTo?: string): Promise<JobPage> {
  const { status, limit, cursor } = query;
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  // One more than the page, to know whether another page follows.
  const jobs = await listJobs(store, { status: parseStatuses(status), assignedTo, limit: limit + 1, after: after && { created_at: after.started_at, id: after.id } });
  const page = jobs.slice(0, limit);
  const last = page.at(-1);
  return { jobs: page, next_cursor: jobs.length > limit && last ? encodeCursor({ started_at: last.created_at, id: last.id }) : null };
}

function parseStatuses(list: string | undefined): JobRecord["status"][] | undefined {
  if (list === undefined) return undefined;
  return list.split(",").map((status) => {
    const parsed = JobStatusSchema.safeParse(status.trim());
    if (!parsed.success) throw new KittError("USAGE", `status: '${status}' is not one of ${JOB_STATUSES.join(", ")}`);
    return parsed.data;
  });
}

/** NOT_FOUND for no such job. */
export async function existingJob(store: ResultsStore, id: string): Promise<JobRecord> {
  const job = await getJob(store, id);
  if (!job) throw new KittError("NOT_FOUND", `no job ${id}`);
  return job;
}
