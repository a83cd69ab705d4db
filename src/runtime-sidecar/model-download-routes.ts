/**
 * The sidecar's model downloads:
 *
 * - `POST /v1/models/download {uri, dest, include?, exclude?, revision?}` starts a download into
 *   `dest`, a folder under the sidecar's models root, and answers 202 `{id, status, events}` at
 *   once (409 with the running one's id when that folder is being downloaded already);
 * - `GET /v1/models/download/{id}` is its state: `running`, `done` (with the result) or
 *   `failed` (with the error's code and message);
 * - `GET /v1/models/download/{id}/events` streams it as Server-Sent Events: `progress` events
 *   (the latest progress, at most every `progressEveryMs`: a slow reader skips to the newest,
 *   it never holds the download up), then one `done` or `error` event, and the stream ends.
 *   A download runs on when its viewers leave.
 */
import { randomUUID } from "node:crypto";
import { relative } from "node:path";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import { describeError, isKittError, KittError } from "../errors.js";
import { confinedPath } from "../downloads/confined-path.js";
import type { DownloadProgress, DownloadResult } from "../downloads/download-tree.js";
import { downloadModel } from "../downloads/model-download.js";
import { parseModelUri } from "../downloads/model-uri.js";
import { documentedRoute, errorAnswers, jsonAnswer, jsonBody, RuntimeErrorSchema } from "./openapi.js";

export interface ModelDownloadDeps {
  /** Every download lands in a folder under this one; a request's `dest` is relative to it. */
  modelsRoot: string;
  /** Where sources read endpoints and credentials (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Aborted when the sidecar stops: running downloads stop (and resume on the next request). */
  signal?: AbortSignal;
  /** Finished downloads kept for their state and events (default 100; the oldest go first). */
  keepFinished?: number;
  /** Passed to the downloader; its defaults otherwise. */
  concurrency?: number;
  partSize?: number;
  progressEveryMs?: number;
}

const requestSchema = z.strictObject({
  uri: z.string().min(1).max(4096),
  dest: z.string().min(1).max(4096),
  include: z.array(z.string().min(1).max(1024)).max(100).optional(),
  exclude: z.array(z.string().min(1).max(1024)).max(100).optional(),
  revision: z.string().min(1).max(256).optional(),
});

type Status = "running" | "done" | "failed";

const DownloadId = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, description: "the id `POST /v1/models/download` answered" }) });
const Progress = z.object({
  bytesDone: z.number(),
  bytesTotal: z.number(),
  filesDone: z.number(),
  filesTotal: z.number(),
  waitingForPid: z.number().optional().openapi({ description: "set while another process downloads into the same folder and this one waits" }),
});
const DownloadState = z.object({
  id: z.string(),
  uri: z.string(),
  dest: z.string(),
  status: z.enum(["running", "done", "failed"]),
  progress: Progress,
  result: z
    .object({ dest: z.string(), source: z.string(), files: z.number(), bytes: z.number(), bytesFetched: z.number(), alreadyComplete: z.boolean() })
    .optional()
    .openapi({ description: "when done: what was downloaded" }),
  error: z.object({ code: z.string(), message: z.string() }).optional().openapi({ description: "when failed" }),
});
const noSuchDownload = errorAnswers({ 404: "no such download (or it finished long ago and was forgotten)" });

const startRoute = createRoute({
  method: "post",
  path: "/v1/models/download",
  summary: "start downloading a model into a folder under the runtime's models root; answers at once",
  request: jsonBody(requestSchema),
  responses: {
    202: jsonAnswer(z.object({ id: z.string(), status: z.literal("running"), events: z.string().openapi({ description: "the path of its event stream" }) }), "the download started"),
    ...errorAnswers({ 400: "the body is not JSON or not of this shape, or the URI or dest is refused", 413: "the body is over 64 KiB", 500: "an internal error" }),
    409: jsonAnswer(RuntimeErrorSchema.extend({ id: z.string().openapi({ description: "the running download's id" }) }), "that folder is being downloaded already"),
  },
});

const stateRoute = createRoute({
  method: "get",
  path: "/v1/models/download/{id}",
  summary: "a download's state: running (with its progress), done (with the result) or failed (with the error)",
  request: { params: DownloadId },
  responses: { 200: jsonAnswer(DownloadState, "its state"), ...noSuchDownload },
});

const eventsRoute = createRoute({
  method: "get",
  path: "/v1/models/download/{id}/events",
  summary: "a download as Server-Sent Events: progress events, then one done or error event, and the stream ends",
  request: { params: DownloadId },
  responses: {
    200: {
      content: { "text/event-stream": { schema: z.string().openapi({ description: "SSE: `progress` events (data: the progress as JSON), then `done` (data: the result) or `error` (data: {code, message})" }) } },
      description: "the event stream",
    },
    ...noSuchDownload,
  },
});

interface DownloadJob {
  id: string;
  uri: string;
  dest: string;
  path: string;
  status: Status;
  progress: DownloadProgress;
  result?: DownloadResult & { source: string };
  error?: { code: string; message: string };
  /** Called on every change (progress or end). */
  listeners: Set<() => void>;
}

const STATUS_FOR: Partial<Record<string, 400 | 404>> = { USAGE: 400, UNSAFE_PATH: 400, NOT_FOUND: 404 };

export function modelDownloadRoutes(deps: ModelDownloadDeps): OpenAPIHono {
  const jobs = new Map<string, DownloadJob>();
  const keepFinished = deps.keepFinished ?? 100;
  const progressEveryMs = deps.progressEveryMs ?? 250;
  const app = new OpenAPIHono();

  const view = (job: DownloadJob) => ({
    id: job.id,
    uri: job.uri,
    dest: job.dest,
    status: job.status,
    progress: job.progress,
    ...(job.result === undefined ? {} : { result: { ...job.result, dest: job.dest } }),
    ...(job.error === undefined ? {} : { error: job.error }),
  });
  const failure = (c: Context, error: unknown) => {
    const code = isKittError(error) ? error.code : "INTERNAL";
    return c.json({ error: describeError(error), code }, STATUS_FOR[code] ?? 500);
  };
  const forgetOldFinished = (): void => {
    const finished = [...jobs.values()].filter((job) => job.status !== "running");
    for (const job of finished.slice(0, Math.max(0, finished.length - keepFinished))) jobs.delete(job.id);
  };

  documentedRoute(
    app,
    startRoute,
    bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.json({ error: "request body over 64 KiB", code: "USAGE" }, 413) }),
    async (c) => {
      const parsed = requestSchema.safeParse(await c.req.json().catch(() => undefined));
      if (!parsed.success) return c.json({ error: `expected {uri, dest, include?, exclude?, revision?}: ${z.prettifyError(parsed.error).replace(/\n/gu, " ")}`, code: "USAGE" }, 400);
      const request = parsed.data;
      let path: string;
      try {
        parseModelUri(request.uri);
        path = await confinedPath(deps.modelsRoot, request.dest);
      } catch (error) {
        return failure(c, error);
      }
      const running = [...jobs.values()].find((job) => job.path === path && job.status === "running");
      if (running) return c.json({ error: `${request.dest} is being downloaded already`, code: "USAGE", id: running.id }, 409);
      const job: DownloadJob = {
        id: randomUUID(),
        uri: request.uri,
        dest: relative(deps.modelsRoot, path) || request.dest,
        path,
        status: "running",
        progress: { bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 0 },
        listeners: new Set(),
      };
      jobs.set(job.id, job);
      const changed = (): void => job.listeners.forEach((listener) => listener());
      void downloadModel(request.uri, path, {
        env: deps.env ?? process.env,
        ...(request.revision === undefined ? {} : { revision: request.revision }),
        ...(request.include === undefined ? {} : { include: request.include }),
        ...(request.exclude === undefined ? {} : { exclude: request.exclude }),
        ...(deps.concurrency === undefined ? {} : { concurrency: deps.concurrency }),
        ...(deps.partSize === undefined ? {} : { partSize: deps.partSize }),
        ...(deps.signal === undefined ? {} : { signal: deps.signal }),
        onProgress: (progress) => {
          job.progress = progress;
          changed();
        },
      }).then(
        (result) => {
          job.status = "done";
          job.result = result;
        },
        (error: unknown) => {
          job.status = "failed";
          job.error = { code: isKittError(error) ? error.code : "INTERNAL", message: describeError(error) };
        },
      ).finally(() => {
        changed();
        forgetOldFinished();
      });
      return c.json({ id: job.id, status: job.status, events: `/v1/models/download/${job.id}/events` }, 202);
    },
  );

  documentedRoute(app, stateRoute, (c) => {
    const job = jobs.get(c.req.param("id") ?? "");
    return job ? c.json(view(job)) : failure(c, new KittError("NOT_FOUND", "no such download"));
  });

  documentedRoute(app, eventsRoute, (c) => {
    const job = jobs.get(c.req.param("id") ?? "");
    if (!job) return failure(c, new KittError("NOT_FOUND", "no such download"));
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | undefined;
      const listener = (): void => wake?.();
      job.listeners.add(listener);
      stream.onAbort(listener);
      try {
        for (;;) {
          await stream.writeSSE({ event: "progress", data: JSON.stringify(job.progress) });
          if (job.status !== "running" || stream.aborted) break;
          // Wait for a change (or a keep-alive), then let changes gather for a moment.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 15_000);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          if (stream.aborted) break;
          await stream.sleep(progressEveryMs);
        }
        if (job.status === "done") await stream.writeSSE({ event: "done", data: JSON.stringify(view(job).result) });
        if (job.status === "failed") await stream.writeSSE({ event: "error", data: JSON.stringify(job.error) });
      } finally {
        job.listeners.delete(listener);
      }
    });
  });

  return app;
}
