/**
 * The options that choose and start an engine, shared by every command that runs one
 * (`kitt run`, `kitt bench serve`), so their flags never drift apart.
 */
import { Option, type Command, type OptionValues } from "@commander-js/extra-typings";
import type { LaunchOptions } from "../engines/launch.js";
import { KittError } from "../errors.js";
import { collect, port, seconds } from "./parse-options.js";

export interface EngineCliOptions {
  engine: string;
  model?: string;
  runtime: "docker" | "native";
  url?: string;
  port?: number;
  image?: string;
  autoPull?: boolean;
  gpus: "auto" | "all" | "none";
  engineArg: string[];
  env: string[];
  binary?: string;
  /** Seconds; undefined when not given (300, or for `--url` until connections were refused for 10 s). */
  readinessTimeout?: number;
}

const DEFAULT_READINESS_TIMEOUT_S = 300;
/** An endpoint someone else runs is either there or not: a port that refuses this long holds no engine that is starting. */
const ENDPOINT_REFUSED_TIMEOUT_S = 10;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any command, whatever its arguments and options so far
export function addEngineOptions<Args extends any[], Opts extends OptionValues>(command: Command<Args, Opts>) {
  return command
    .requiredOption("-e, --engine <name>", "engine to run (see 'kitt engines list')")
    .option("-m, --model <path>", "model file or folder (or an Ollama tag); required unless --url")
    .addOption(new Option("--runtime <kind>", "how to run the engine").choices(["docker", "native"] as const).default("docker" as const))
    .option("--url <url>", "use an engine someone else runs at this URL (no lifecycle)")
    .option("--port <port>", "port the engine listens on (default: the engine's own)", port)
    .option("--image <image>", "container image to run instead of the chosen one")
    .option("--auto-pull", "pull the image when it is not present locally")
    .addOption(new Option("--gpus <mode>", "pass GPUs to the container").choices(["auto", "all", "none"] as const).default("auto" as const))
    .option("--engine-arg <arg>", "extra argument for the engine (repeatable)", collect, [] as string[])
    .option("--env <KEY=VALUE>", "environment variable for the engine (repeatable)", collect, [] as string[])
    .option("--binary <path>", "native engine binary to run instead of the usual one")
    .option(
      "--readiness-timeout <seconds>",
      `how long to wait for the engine to become ready (default ${DEFAULT_READINESS_TIMEOUT_S}; with --url, give up sooner if connections are refused for ${ENDPOINT_REFUSED_TIMEOUT_S} s)`,
      seconds,
    );
}

export function engineLaunchOptions(options: EngineCliOptions): LaunchOptions {
  return {
    engine: options.engine,
    model: options.model,
    runtime: options.runtime,
    url: options.url,
    port: options.port,
    image: options.image,
    autoPull: options.autoPull,
    gpus: options.gpus,
    engineArgs: options.engineArg,
    env: parseEnv(options.env),
    binary: options.binary,
    backoff: { timeoutMs: (options.readinessTimeout ?? DEFAULT_READINESS_TIMEOUT_S) * 1000 },
    // An explicit --readiness-timeout wins: the user says the endpoint may take that long to appear.
    refusedTimeoutMs: options.url && options.readinessTimeout === undefined ? ENDPOINT_REFUSED_TIMEOUT_S * 1000 : undefined,
  };
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new KittError("USAGE", `--env expects KEY=VALUE, got '${pair}'`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
