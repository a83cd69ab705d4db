/**
 * What `kitt runtime` runs with: its flags, else the environment variables Kthena's controller
 * sets, else Kthena's defaults; the engine checked to have Prometheus metrics; the token read;
 * and the refusal to listen beyond loopback without one.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { modelsDir } from "../config/paths.js";
import { KittError } from "../errors.js";
import { engines, getEngineSpec } from "../engines/registry.js";
import type { EngineSpec } from "../engines/types.js";
import { isLoopback } from "../server/bind-policy.js";
import { defaultAdapterCacheDir } from "./lora/adapter-cache.js";

/**
 * `engine`, `pod` and `model` are required, but checked here rather than by the option parser,
 * which would also demand them of `kitt runtime image`.
 */
export interface RuntimeFlags {
  engine?: string;
  host: string;
  port?: number;
  engineBaseUrl?: string;
  engineMetricsPath?: string;
  pod?: string;
  model?: string;
  modelsDir?: string;
  loraCacheDir?: string;
  tokenFile?: string;
  /** Seconds. */
  engineTimeout: number;
}

export interface RuntimeSettings {
  spec: EngineSpec;
  host: string;
  port: number;
  engineBaseUrl: string;
  engineMetricsPath: string;
  pod: string;
  model: string;
  token?: string;
  engineTimeoutMs: number;
  /** Where model downloads asked of the runtime land. */
  modelsDir: string;
  /** Where adapters are downloaded before the engine loads them. */
  loraCacheDir: string;
}

export const TOKEN_ENV = "KITT_RUNTIME_TOKEN";

/** Engines with a Prometheus endpoint, the ones a runtime can serve. */
export function enginesWithMetrics(): string[] {
  return Object.values(engines)
    .filter((spec) => spec.capabilities.metricsPath !== undefined)
    .map((spec) => spec.name);
}

function engineWithMetrics(name: string): EngineSpec {
  const spec = getEngineSpec(name);
  if (spec.capabilities.metricsPath === undefined) {
    throw new KittError("USAGE", `${spec.displayName} has no Prometheus metrics endpoint, so kitt runtime cannot serve it; engines it serves: ${enginesWithMetrics().join(", ")}`);
  }
  return spec;
}

/** Worded as the option parser words a missing mandatory option. */
function required(value: string | undefined, flags: string): string {
  if (value === undefined) throw new KittError("USAGE", `required option '${flags}' not specified`);
  return value;
}

function portFromEnv(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new KittError("USAGE", `RUNTIME_PORT=${value}: expected a port number (0-65535)`);
  return port;
}

function urlFromEnv(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url?.protocol !== "http:" && url?.protocol !== "https:") throw new KittError("USAGE", `RUNTIME_URL=${value}: expected an http(s) URL`);
  return value;
}

const MAX_TOKEN_BYTES = 4096;

/** The runtime's token: the file's one line when a file is named, else `KITT_RUNTIME_TOKEN`, else none. */
export async function readRuntimeToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (tokenFile === undefined) return env[TOKEN_ENV]?.trim() || undefined;
  let text: string;
  try {
    text = await readFile(tokenFile, "utf8");
  } catch (error) {
    throw new KittError("USAGE", `--token-file ${tokenFile}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const token = text.trim();
  if (token === "") throw new KittError("USAGE", `--token-file ${tokenFile} is empty`);
  if (token.length > MAX_TOKEN_BYTES || /\s/.test(token)) throw new KittError("USAGE", `--token-file ${tokenFile} must hold one token on one line`);
  return token;
}

export async function runtimeSettings(flags: RuntimeFlags, env: NodeJS.ProcessEnv): Promise<RuntimeSettings> {
  const spec = engineWithMetrics(required(flags.engine, "-E, --engine <name>"));
  const pod = required(flags.pod, "-I, --pod <id>");
  const model = required(flags.model, "-N, --model <name>");
  const engineMetricsPath = flags.engineMetricsPath ?? (env.RUNTIME_METRICS_PATH || "/metrics");
  if (!engineMetricsPath.startsWith("/")) throw new KittError("USAGE", `engine metrics path '${engineMetricsPath}': expected a path starting with /`);
  const port = flags.port ?? (env.RUNTIME_PORT ? portFromEnv(env.RUNTIME_PORT) : 9000);
  const engineBaseUrl = flags.engineBaseUrl ?? (env.RUNTIME_URL ? urlFromEnv(env.RUNTIME_URL) : "http://localhost:8000");
  const token = await readRuntimeToken(flags.tokenFile, env);
  if (token === undefined && !isLoopback(flags.host)) {
    throw new KittError("UNSAFE_BIND", `refusing to serve on ${flags.host} without a token: /v1/* routes load adapters and download models; set ${TOKEN_ENV} or pass --token-file`);
  }
  const settings: RuntimeSettings = {
    spec,
    host: flags.host,
    port,
    engineBaseUrl,
    engineMetricsPath,
    pod,
    model,
    engineTimeoutMs: Math.round(flags.engineTimeout * 1000),
    modelsDir: resolve(flags.modelsDir ?? modelsDir(env)),
    loraCacheDir: resolve(flags.loraCacheDir ?? defaultAdapterCacheDir(env)),
  };
  if (token !== undefined) settings.token = token;
  return settings;
}
