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
  readinessTimeout: number;
}

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
    .option("--readiness-timeout <seconds>", "how long to wait for the engine to become ready", seconds, 300);
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
    backoff: { timeoutMs: options.readinessTimeout * 1000 },
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
