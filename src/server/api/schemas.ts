/** The API's shared zod schemas: they validate requests and describe responses in the OpenAPI document. */
import { z } from "@hono/zod-openapi";

export const ErrorSchema = z.object({ error: z.string() }).openapi("Error");

export const RunIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/)
    .openapi({ param: { name: "id", in: "path" }, description: "run id, or a unique prefix of one (GET only)" }),
});

// eslint's no-control-regex is about control characters written by mistake; these are the point.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Text a user typed: no control characters (PostgreSQL refuses a NUL in a string outright). */
export const text = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .refine((value) => !CONTROL_CHARACTER.test(value), "no control characters");

/** The filters of `kitt results list` (and of `kitt results query`). */
export const RunFilterQuery = {
  model: text(512).optional().openapi({ description: "only this model" }),
  engine: text(128).optional().openapi({ description: "only this engine" }),
  suite: text(256).optional().openapi({ description: "only this suite" }),
  since: text(64).optional().openapi({ description: "a date (2026-01-31) or an age (7d, 12h)" }),
  hardware: text(256).optional().openapi({ description: "GPU model substring, any case (h100, 4090)" }),
};

/** A query flag: `true`/`1` or `false`/`0`. */
export const QueryFlag = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

export const RunSummarySchema = z
  .object({
    id: z.string(),
    kind: z.enum(["run", "serve"]),
    model: z.string(),
    engine: z.string(),
    suite: z.string(),
    runtime: z.string().nullable(),
    status: z.enum(["running", "completed", "failed", "interrupted"]),
    passed: z.boolean(),
    started_at: z.number().openapi({ description: "epoch ms" }),
    finished_at: z.number().nullable(),
    gpu: z.string().nullable().openapi({ description: "GPU 0's model" }),
  })
  .openapi("RunSummary");

const BenchmarkSchema = z.object({
  id: z.string(),
  test_name: z.string(),
  test_version: z.string(),
  category: z.string(),
  run_number: z.number(),
  passed: z.boolean(),
  partial: z.boolean(),
  errors: z.array(z.string()),
  warmup_times: z.array(z.number()),
  started_at: z.number().nullable(),
  duration_seconds: z.number(),
  metrics: z.record(z.string(), z.unknown()),
  metric_values: z.record(z.string(), z.number()),
});

export const StoredRunSchema = RunSummarySchema.omit({ gpu: true })
  .extend({
    engine_version: z.string().nullable(),
    image_digest: z.string().nullable(),
    suite_version: z.string().nullable(),
    kitt_version: z.string().nullable(),
    stop_reason: z.string().nullable(),
    config: z.unknown(),
    hardware: z.unknown(),
    source: z.string().nullable(),
    results_dir: z.string().nullable(),
    content_hash: z.string().nullable(),
    owner_host: z.string().nullable(),
    owner_pid: z.number().nullable(),
    owner_token: z.string().nullable(),
    benchmarks: z.array(BenchmarkSchema),
    document_names: z.array(z.string()),
  })
  .openapi("StoredRun");

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });

export const errorResponses = {
  400: jsonContent(ErrorSchema, "invalid request"),
  401: jsonContent(ErrorSchema, "no valid token or session"),
  403: jsonContent(ErrorSchema, "cross-origin request refused"),
  429: jsonContent(ErrorSchema, "too many failed attempts"),
} as const;
