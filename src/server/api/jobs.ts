/**
 * `jobs`: quick tests run on the server's host by its `JobRunner` or on an agent (`target`) —
 * create (queued), list, get, cancel, and the live events of one as Server-Sent Events. A viewer gets the job's status, its
 * recent events, then live ones through a bounded queue of its own (oldest dropped and counted),
 * so a slow or vanished viewer never holds the job up; the stream ends with the job's final status.
 * A viewer that reconnects with `Last-Event-ID` (EventSource does) is not sent again what it had.
 */
import { randomUUID } from "node:crypto";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { FINAL_JOB_STATUSES, getJob, requestJobCancel, type JobRecord } from "../../store/jobs.js";
import type { ResultsStore } from "../../store/results-store.js";
import type { AgentJobs } from "../agents/agent-jobs.js";
import { DropOldestBuffer, type SequencedJobEvent } from "../jobs/job-events.js";
import type { JobEventHub } from "../jobs/job-event-hub.js";
import { isJobRequestError, JobRequestSchema } from "../jobs/job-request.js";
import type { JobRunner } from "../jobs/job-runner.js";
import { existingJob, JobPageQuerySchema, JobStatusSchema, listJobPage } from "./job-page.js";
import { errorResponses, jsonContent } from "./schemas.js";

/** Events one viewer may fall behind by before the oldest are dropped. */
const VIEWER_QUEUE = 1000;
/** How often a stream looks at the job in the store (a job run by another server) and keeps the connection alive. */
const STREAM_POLL_MS = 2000;
/** How long a woken stream waits for the rest of a burst of events, so that a hundred viewers make a few writes each, not hundreds. */
const COALESCE_MS = 25;

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
    const after = seenUpTo(c.req.header("last-event-id"));
    return streamSSE(c, (stream) => streamJob(stream, store, events, job, after));
  });
}

/**
 * Event ids are `EPOCH-SEQ`, EPOCH naming this server process (sequence numbers start again in
 * the next one), so a browser reconnecting with `Last-Event-ID` gets only what it has not seen.
 */
const STREAM_EPOCH = randomUUID().slice(0, 8);

function seenUpTo(lastEventId: string | undefined): number {
  const match = /^([0-9a-f]{8})-(\d{1,15})$/.exec(lastEventId ?? "");
  return match && match[1] === STREAM_EPOCH ? Number(match[2]) : 0;
}

async function streamJob(stream: SSEStreamingApi, store: ResultsStore, events: JobEventHub, job: JobRecord, after: number): Promise<void> {
  let open = true;
  let wake: (() => void) | undefined;
  stream.onAbort(() => {
    open = false;
    wake?.();
  });

  await stream.write(sseText({ type: "status", job, seq: 0 }));
  if (FINAL_JOB_STATUSES.has(job.status)) return;
  const queue = new DropOldestBuffer<SequencedJobEvent>(VIEWER_QUEUE);
  using _subscription = events.subscribe(job.id, (event) => {
    if (event.seq <= after) return;
    queue.push(event);
    wake?.();
  });
  while (open) {
    const { items, dropped } = queue.take();
    let text = dropped > 0 ? sseText({ type: "dropped", count: dropped, seq: items[0]?.seq ?? 0 }) : "";
    let ended = false;
    for (const event of items) {
      text += sseText(event);
      ended = event.type === "status" && FINAL_JOB_STATUSES.has(event.job.status);
      if (ended) break;
    }
    if (text !== "") await stream.write(text);
    if (ended) return;
    if (queue.size > 0) continue;
    const woken = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), STREAM_POLL_MS);
      wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    wake = undefined;
    if (!open) break;
    if (woken) {
      // The rest of a burst (a run prints its lines in bunches) goes out in the same write.
      await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
      continue;
    }
    // Quiet for a while: the job may have ended unseen (run by another server, or before this stream subscribed).
    const now = await getJob(store, job.id);
    if (!now || FINAL_JOB_STATUSES.has(now.status)) {
      events.ended(job.id);
      if (now) await stream.write(sseText({ type: "status", job: now, seq: 0 }));
      return;
    }
    await stream.write("event: ping\ndata: {}\n\n");
  }
}

/**
 * One event as SSE text, made once however many viewers it goes to (they all hold the same
 * event object). `type` never holds a line break and JSON text has none, so each is one line.
 */
const sseTexts = new WeakMap<SequencedJobEvent, string>();

function sseText(event: SequencedJobEvent): string {
  let text = sseTexts.get(event);
  if (text === undefined) {
    text = `event: ${event.type}\nid: ${STREAM_EPOCH}-${event.seq}\ndata: ${JSON.stringify(event)}\n\n`;
    sseTexts.set(event, text);
  }
  return text;
}
