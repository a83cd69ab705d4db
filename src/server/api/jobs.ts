/**
 * `jobs`: quick tests run on the server's host by its `JobRunner` or on an agent (`target`) —
 * create (queued), list, get, cancel, and the live events of one as Server-Sent Events
 * (`JobStreams`): the job's status, its recent events, then live ones; a slow or vanished viewer
 * never holds the job up, and the stream ends with the job's final status.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requestJobCancel } from "../../store/jobs.js";
import type { ResultsStore } from "../../store/results-store.js";
import type { AgentJobs } from "../agents/agent-jobs.js";
import type { JobEventHub } from "../jobs/job-event-hub.js";
import { isJobRequestError, JobRequestSchema } from "../jobs/job-request.js";
import type { JobRunner } from "../jobs/job-runner.js";
import { JobStreams, seenUpTo } from "../jobs/job-streams.js";
import { existingJob, JobPageQuerySchema, JobStatusSchema, listJobPage } from "./job-page.js";
import { errorResponses, jsonContent } from "./schemas.js";

export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: JobStatusSchema,
    request: z.unknown().openapi({ description: "the request as accepted (JobRequest)" }),
    assigned_to: z.string().nullable().openapi({ description: "null: this server's host" }),
    owner_token: z.string().nullable(),
    cancel_requested: z.boolean(),
    run_id: z.string().nullable().openapi({ description: "the run the job started, once its results folder exists" }),
    log_path: z.string().nullable(),
    exit_code: z.number().nullable(),
    error: z.string().nullable(),
    created_at: z.number().openapi({ description: "epoch ms" }),
    started_at: z.number().nullable(),
    finished_at: z.number().nullable(),
  })
  .openapi("Job");

const JobIdParams = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/)
    .openapi({ param: { name: "id", in: "path" }, description: "job id" }),
});

const notFound = { 404: jsonContent(z.object({ error: z.string() }), "no such job") };
const noRunner = { 503: jsonContent(z.object({ error: z.string() }), "this server runs no jobs") };

const JobSubmissionSchema = JobRequestSchema.safeExtend({
  target: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/)
    .optional()
    .openapi({ description: "the id of the agent to run it on (default: this server's host)" }),
}).openapi("JobSubmission");

const createJobRoute = createRoute({
  method: "post",
  path: "/jobs",
  summary: "queue a quick test: kitt run of a model in the model directory, on this server's host or on an agent",
  request: { body: { required: true, content: { "application/json": { schema: JobSubmissionSchema } } } },
  responses: { 201: jsonContent(JobSchema, "the queued job"), ...errorResponses, ...noRunner },
});

const listJobsRoute = createRoute({
  method: "get",
  path: "/jobs",
  summary: "jobs, newest first",
  request: { query: JobPageQuerySchema },
  responses: { 200: jsonContent(z.object({ jobs: z.array(JobSchema), next_cursor: z.string().nullable() }), "one page of jobs"), ...errorResponses },
});

const getJobRoute = createRoute({
  method: "get",
  path: "/jobs/{id}",
  summary: "one job",
  request: { params: JobIdParams },
  responses: { 200: jsonContent(JobSchema, "the job"), ...notFound, ...errorResponses },
});

const cancelJobRoute = createRoute({
  method: "post",
  path: "/jobs/{id}/cancel",
  summary: "cancel a job: a queued one at once, a running one as Ctrl+C stops kitt run (engine stopped, partial results kept)",
  request: { params: JobIdParams },
  responses: { 200: jsonContent(JobSchema, "the job as it is now (a running one ends cancelled shortly)"), ...notFound, ...errorResponses, ...noRunner },
});

const jobEventsRoute = createRoute({
  method: "get",
  path: "/jobs/{id}/events",
  summary: "the job's events as Server-Sent Events: status, log, progress, run, dropped; ends after the final status",
  request: { params: JobIdParams },
  responses: {
    200: { content: { "text/event-stream": { schema: z.string().openapi({ description: "SSE: each event's data is a JSON JobEvent with its seq" }) } }, description: "the event stream" },
    ...notFound,
    ...errorResponses,
  },
});

export interface JobRoutesOptions {
  store: ResultsStore;
  runner: JobRunner | undefined;
  events: JobEventHub;
  agents: AgentJobs;
}

export function jobRoutes(api: OpenAPIHono, { store, runner, events, agents }: JobRoutesOptions): void {
  const streams = new JobStreams(store, events);
  const requireRunner = (): JobRunner => {
    if (!runner) throw new HTTPException(503, { message: "this server runs no jobs" });
    return runner;
  };

  api.openapi(createJobRoute, async (c) => {
    const { target, ...request } = c.req.valid("json");
    try {
      if (target !== undefined) return c.json(await agents.submit(target, request), 201);
      return c.json(await requireRunner().submit(request), 201);
    } catch (error) {
      if (isJobRequestError(error)) throw new HTTPException(400, { message: error.message });
      throw error;
    }
  });

  api.openapi(listJobsRoute, async (c) => c.json(await listJobPage(store, c.req.valid("query")), 200));

  api.openapi(getJobRoute, async (c) => c.json(await existingJob(store, c.req.valid("param").id), 200));

  api.openapi(cancelJobRoute, async (c) => {
    const job = await existingJob(store, c.req.valid("param").id);
    if (job.assigned_to !== null) return c.json(await agents.cancel(job), 200);
    return c.json(runner ? await runner.cancel(job.id) : await requestJobCancel(store, job.id), 200);
  });

  api.openapi(jobEventsRoute, async (c) => {
    const job = await existingJob(store, c.req.valid("param").id);
    const stream = streams.open(job, seenUpTo(c.req.header("last-event-id")));
    return c.body(stream, 200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  });
}
