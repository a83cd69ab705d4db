/**
 * Turns "engine X with model Y on runtime Z" into a ready-to-start `ManagedEngine`, after
 * preflight: unknown engine, unsupported platform, missing model, wrong model format,
 * port in use, no Docker daemon or image — each refused with its own error before
 * anything starts.
 */
import { join } from "node:path";
import { loadEnginesConfig } from "../config/engines-config.js";
import { KittError } from "../errors.js";
import { hasNvidiaGpu, hostFacts } from "../hardware/host-facts.js";
import { readGgufHeader, trainedContextLength } from "../models/gguf.js";
import { detectModelFormat, looksLikeOllamaTag, type DetectedModel, type ModelFormat } from "../preflight/model-format.js";
import { assertPortFree } from "../preflight/port.js";
import { docker } from "../runtime/docker-cli.js";
import { DockerContainer } from "../runtime/docker.js";
import type { EngineProcess, RuntimeKind } from "../runtime/engine-process.js";
import { ExternalEndpoint } from "../runtime/endpoint.js";
import { NativeProcess, type NativeCommand } from "../runtime/native.js";
import type { BackoffOptions } from "../runtime/readiness.js";
import { canLoad } from "./format-support.js";
import { chooseImage, type ImageChoice } from "./images.js";
import { localNativeBinary } from "./local-binaries.js";
import { ManagedEngine } from "./managed-engine.js";
import { getEngineSpec } from "./registry.js";
import type { EngineSpec, LaunchContext } from "./types.js";

export interface LaunchOptions {
  engine: string;
  /** Model path (or an Ollama tag). Optional for `--url` endpoints. */
  model?: string;
  runtime?: RuntimeKind;
  url?: string;
  port?: number;
  /** Host the engine binds to. */
  host?: string;
  image?: string;
  autoPull?: boolean;
  gpus?: "auto" | "all" | "none";
  engineArgs?: readonly string[];
  env?: Record<string, string>;
  /** Native server binary to run instead of the engine's usual one. */
  binary?: string;
  backoff?: Partial<BackoffOptions>;
  /** `--url` only: give up once connections were refused this long. */
  refusedTimeoutMs?: number;
  onProbe?: (status: number) => void;
  /** Cuts preflight's docker calls short (Ctrl+C). */
  signal?: AbortSignal;
}

export interface PreparedEngine {
  engine: ManagedEngine;
  spec: EngineSpec;
  runtime: RuntimeKind;
  model?: DetectedModel;
  image?: ImageChoice;
  command?: NativeCommand;
  container?: DockerContainer;
  /** The native process, for samplers that watch it (its pid exists once started). */
  native?: NativeProcess;
}

export async function prepareEngine(options: LaunchOptions): Promise<PreparedEngine> {
  const spec = getEngineSpec(options.engine);
  const runtime: RuntimeKind = options.url ? "endpoint" : (options.runtime ?? "docker");
  if (!spec.runtimes.includes(runtime)) {
    throw new KittError("USAGE", `engine ${spec.name} cannot run with --runtime ${runtime} (it supports: ${spec.runtimes.join(", ")})`);
  }
  if (runtime === "endpoint") return prepareEndpoint(spec, options);

  const facts = await hostFacts();
  const unsupported = spec.unsupportedReason?.(facts);
  if (unsupported) throw new KittError("PLATFORM_UNSUPPORTED", unsupported);
  if (!options.model) throw new KittError("USAGE", "a model is required (-m PATH)");
  const model = await resolveModel(spec, options.model);
  const port = options.port ?? spec.defaultPort;
  await assertPortFree(port);
  const host = options.host ?? "127.0.0.1";
  const baseUrl = `http://127.0.0.1:${port}`;
  const trained = await trainedContext(model);

  let process: EngineProcess;
  let container: DockerContainer | undefined;
  let image: ImageChoice | undefined;
  let command: NativeCommand | undefined;
  let native: NativeProcess | undefined;
  if (runtime === "docker") {
    const containerDir = spec.containerModelDir ?? "/models";
    const ctx = launchContext(options, model, `${containerDir}/${model.file ?? ""}`.replace(/\/$/, ""), host, port, trained);
    image = options.image ? { image: options.image, source: "override" } : await pickImage(spec, facts, options.signal);
    process = container = new DockerContainer({
      engineName: spec.name,
      image: image.image,
      modelHostDir: model.format === "ollama-tag" ? undefined : model.dir,
      containerModelDir: containerDir,
      gpus: await useGpus(options.gpus ?? "auto", options.signal),
      env: options.env,
      dockerArgs: spec.dockerArgs?.(ctx),
      containerArgs: spec.containerArgs?.(ctx),
      autoPull: options.autoPull,
    });
  } else {
    if (!spec.nativeCommand) throw new KittError("USAGE", `engine ${spec.name} has no native command; use --runtime docker`);
    const modelPath = model.file ? `${model.dir}/${model.file}` : model.path;
    const base = spec.nativeCommand(launchContext(options, model, modelPath, host, port, trained));
    command = await withBinary(spec, { ...base, env: { ...base.env, ...options.env } }, options.binary);
    process = native = new NativeProcess({ engineName: spec.name, command });
  }
  const engine = new ManagedEngine({
    spec,
    process,
    baseUrl,
    modelName: model.name,
    backoff: options.backoff,
    onProbe: options.onProbe,
  });
  return { engine, spec, runtime, model, image, command, container, native };
}

function prepareEndpoint(spec: EngineSpec, options: LaunchOptions): PreparedEngine {
  const url = options.url ?? "";
  try {
    new URL(url);
  } catch {
    throw new KittError("USAGE", `--url must be an http(s) URL, got '${url}'`);
  }
  const baseUrl = url.replace(/\/+$/, "");
  const engine = new ManagedEngine({
    spec,
    process: new ExternalEndpoint(baseUrl),
    baseUrl,
    modelName: options.model ?? "default",
    backoff: options.backoff,
    refusedTimeoutMs: options.refusedTimeoutMs,
    onProbe: options.onProbe,
  });
  return { engine, spec, runtime: "endpoint" };
}

async function resolveModel(spec: EngineSpec, model: string): Promise<DetectedModel> {
  if (canLoad(spec, "ollama-tag") && looksLikeOllamaTag(model)) {
    const onDisk = await detectModelFormat(model).catch(() => undefined);
    if (!onDisk) return { format: "ollama-tag", path: model, dir: model, name: model };
  }
  const detected = await detectModelFormat(model);
  if (!canLoad(spec, detected.format)) {
    throw new KittError(
      "UNSUPPORTED_FORMAT",
      `${spec.name} cannot load ${detected.format} models (${model}); it takes: ${formatList(spec.formats)}`,
    );
  }
  return detected;
}

function formatList(formats: readonly ModelFormat[]): string {
  return formats.map((format) => (format === "ollama-tag" ? "an Ollama model tag" : format)).join(", ");
}

function launchContext(
  options: LaunchOptions,
  model: DetectedModel,
  modelPath: string,
  host: string,
  port: number,
  trainedContext: number | undefined,
): LaunchContext {
  return { modelPath, modelName: model.name, host, port, extraArgs: options.engineArgs ?? [], extraEnv: options.env ?? {}, trainedContext };
}

/**
 * The context a GGUF model was trained with, from its header; undefined for other formats, or for a
 * header kitt cannot read (the engine then says what is wrong with the file).
 */
async function trainedContext(model: DetectedModel): Promise<number | undefined> {
  if (model.format !== "gguf" || model.file === undefined) return undefined;
  try {
    return trainedContextLength((await readGgufHeader(join(model.dir, model.file))).metadata);
  } catch {
    return undefined;
  }
}

async function pickImage(spec: EngineSpec, facts: Awaited<ReturnType<typeof hostFacts>>, signal?: AbortSignal): Promise<ImageChoice> {
  const config = await loadEnginesConfig();
  const local = spec.localBuildImage
    ? (await docker(["image", "inspect", "--format", "{{.Id}}", spec.localBuildImage], { signal })).exitCode === 0
    : false;
  return chooseImage(spec, facts, config, local);
}

async function useGpus(mode: "auto" | "all" | "none", signal?: AbortSignal): Promise<boolean> {
  if (mode !== "auto") return mode === "all";
  if (!(await hasNvidiaGpu())) return false;
  const runtimes = await docker(["info", "--format", "{{json .Runtimes}}"], { signal });
  return runtimes.exitCode === 0 && runtimes.stdout.includes("nvidia");
}

async function withBinary(spec: EngineSpec, base: NativeCommand, binary: string | undefined): Promise<NativeCommand> {
  if (binary) return { ...base, command: binary };
  const local = await localNativeBinary(spec.name);
  if (!local) return base;
  return { ...base, command: local.command, env: { ...base.env, ...local.env } };
}
