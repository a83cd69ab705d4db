/**
 * A quick-test job's request: which model (a path inside the model directory), engine, suite or
 * tests, runtime and a few `kitt run` options. The schema validates the shape; `prepareJob`
 * checks it against the disk and the registries (the model stays inside the model directory, the
 * engine loads its format, every test exists); `runArguments` turns it into `kitt run`'s argv from
 * validated fields only — never a string passed through as a flag, never a shell.
 */
import { z } from "@hono/zod-openapi";
import { stringify } from "yaml";
import { findCustomTests } from "../../bench/custom/registry.js";
import { parseSuite } from "../../bench/suite.js";
import { builtinSuiteNames } from "../../config/suite-files.js";
import { isKittError, KittError } from "../../errors.js";
import { canLoad } from "../../engines/format-support.js";
import { engineNames, getEngineSpec } from "../../engines/registry.js";
import type { EngineName } from "../../engines/types.js";
import { resolveModelReference } from "../../models/model-paths.js";
import { detectModelFormat } from "../../preflight/model-format.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const name = (what: string) => z.string().regex(NAME, `a ${what} name: letters, digits, '_', '.', '-'`);

export const JobOptionsSchema = z
  .strictObject({
    port: z.number().int().min(1024).max(65_535).optional().openapi({ description: "port the engine listens on (default: the engine's own)" }),
    runs: z.number().int().min(1).max(100).optional().openapi({ description: "run every test this many times" }),
    limit: z.number().int().min(1).max(1_000_000).optional().openapi({ description: "quality tests: the first N documents" }),
    sample: z.number().int().min(1).max(1_000_000).optional().openapi({ description: "quality tests: N documents drawn at random" }),
    sample_seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    skip_warmup: z.boolean().optional(),
    readiness_timeout_s: z.number().int().min(1).max(3600).optional().openapi({ description: "how long the engine may take to become ready" }),
    gpus: z.enum(["auto", "all", "none"]).optional().openapi({ description: "docker runtime: GPUs passed to the container" }),
  })
  .openapi("JobOptions");

export const JobRequestSchema = z
  .strictObject({
    model: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .openapi({ description: "a model file or folder, relative to the model directory (as `models` lists it); required unless runtime is endpoint" }),
    engine: z.enum(engineNames as [EngineName, ...EngineName[]]),
    suite: name("suite").optional().openapi({ description: "a built-in suite or a custom test by name (default quick)" }),
    tests: z.array(name("test")).min(1).max(32).optional().openapi({ description: "instead of a suite: these tests, as a one-off suite" }),
    runtime: z.enum(["docker", "native", "endpoint"]).default("docker").openapi({ description: "endpoint: an engine someone else runs at `url`" }),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional()
      .openapi({ description: "runtime endpoint: the engine's base URL" }),
    options: JobOptionsSchema.default({}),
  })
  .superRefine((request, ctx) => {
    if (request.suite !== undefined && request.tests !== undefined) ctx.addIssue({ code: "custom", path: ["tests"], message: "give suite or tests, not both" });
    if (request.runtime === "endpoint" && request.url === undefined) ctx.addIssue({ code: "custom", path: ["url"], message: "runtime endpoint needs url" });
    if (request.runtime !== "endpoint" && request.url !== undefined) ctx.addIssue({ code: "custom", path: ["url"], message: "url goes with runtime endpoint only" });
    if (request.runtime !== "endpoint" && request.model === undefined) ctx.addIssue({ code: "custom", path: ["model"], message: "required unless runtime is endpoint" });
  })
  .openapi("JobRequest");

export type JobRequest = z.output<typeof JobRequestSchema>;

/** A request checked against the disk: the model's real path and the suite file's text, if it needs one. */
export interface PreparedJob {
  request: JobRequest;
  modelPath?: string;
  /** For `tests`: a suite file listing them, written beside the job's log. */
  suiteYaml?: string;
}

export interface PrepareOptions {
  modelDir: string;
  env?: NodeJS.ProcessEnv;
}

/** USAGE for anything the request names that does not exist or does not fit together. */
export async function prepareJob(request: JobRequest, options: PrepareOptions): Promise<PreparedJob> {
  const spec = getEngineSpec(request.engine);
  let modelPath: string | undefined;
  if (request.model !== undefined) {
    modelPath = (await resolveModelReference(options.modelDir, request.model).catch(asUsage)).path;
    const format = (await detectModelFormat(modelPath).catch(asUsage)).format;
    if (!canLoad(spec, format)) throw new KittError("USAGE", `${request.engine} cannot load ${request.model}: it is ${format}, ${request.engine} loads ${spec.formats.join(", ")}`);
  }
  const custom = await findCustomTests({ env: options.env });
  if (request.tests !== undefined) {
    const unknown = request.tests.filter((test) => !custom.registry.has(test));
    if (unknown.length > 0) throw new KittError("USAGE", `unknown test ${unknown.join(", ")}; known tests: ${[...custom.registry.keys()].join(", ")}`);
    const suiteYaml = stringify({ suite_name: "quick-test", version: "1", tests: request.tests });
    parseSuite(suiteYaml, "quick-test", custom.registry);
    return { request, modelPath, suiteYaml };
  }
  const suite = request.suite ?? "quick";
  if (!builtinSuiteNames().includes(suite) && !custom.tests.some((test) => test.name === suite)) {
    throw new KittError("USAGE", `unknown suite ${suite}; built-in suites: ${builtinSuiteNames().join(", ")} (or a custom test's name)`);
  }
  return { request, modelPath };
}

/** Whatever a request names that is not there or does not fit (model, engine, tests): the client's mistake, not the server's. */
export function isJobRequestError(error: unknown): error is KittError {
  return isKittError(error) && error.code !== "STORAGE_FAILED" && error.code !== "INTERNAL";
}

/** `kitt run`'s arguments for a prepared job; `suiteFile` is where `suiteYaml` was written. */
export function runArguments(job: PreparedJob, suiteFile?: string): string[] {
  const { request } = job;
  const { options } = request;
  const args = ["run", "--engine", request.engine];
  if (job.modelPath !== undefined) args.push("--model", job.modelPath);
  if (request.runtime === "endpoint") args.push("--url", request.url ?? "");
  else args.push("--runtime", request.runtime);
  if (job.suiteYaml !== undefined) {
    if (suiteFile === undefined) throw new KittError("INTERNAL", "a job with tests needs its suite file");
    args.push("--suite", suiteFile);
  } else {
    args.push("--suite", request.suite ?? "quick");
  }
  if (options.port !== undefined) args.push("--port", String(options.port));
  if (options.runs !== undefined) args.push("--runs", String(options.runs));
  if (options.limit !== undefined) args.push("--limit", String(options.limit));
  if (options.sample !== undefined) args.push("--sample", String(options.sample));
  if (options.sample_seed !== undefined) args.push("--sample-seed", String(options.sample_seed));
  if (options.skip_warmup) args.push("--skip-warmup");
  if (options.readiness_timeout_s !== undefined) args.push("--readiness-timeout", String(options.readiness_timeout_s));
  if (options.gpus !== undefined && request.runtime === "docker") args.push("--gpus", options.gpus);
  return args;
}

/** What the model directory refused (not found, outside it, not a model) is the request's fault. */
function asUsage(error: unknown): never {
  if (error instanceof KittError) throw new KittError("USAGE", error.message, { cause: error });
  throw error;
}
