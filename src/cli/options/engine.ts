/**
 * The options that choose and start an engine, shared by every command that runs one
 * (`kitt run`, `kitt bench serve`), and how they become the engine's launch options.
 */
import type { LaunchOptions } from "../../engines/launch.js";
import { KittError } from "../../errors.js";
import { collect, port, seconds } from "./parsers.js";
import { defineOptions, type OptionsOf } from "./table.js";

const DEFAULT_READINESS_TIMEOUT_S = 300;
/** An endpoint someone else runs is either there or not: a port that refuses this long holds no engine that is starting. */
const ENDPOINT_REFUSED_TIMEOUT_S = 10;

export const ENGINE_OPTIONS = defineOptions({
  engine: { flags: "-e, --engine <name>", description: "engine to run (see 'kitt engines list')", mandatory: true },
  model: { flags: "-m, --model <path>", description: "model file or folder (or an Ollama tag); required unless --url" },
  runtime: { flags: "--runtime <kind>", description: "how to run the engine", choices: ["docker", "native"], default: "docker" },
  url: { flags: "--url <url>", description: "use an engine someone else runs at this URL (no lifecycle)" },
  port: { flags: "--port <port>", description: "port the engine listens on (default: the engine's own)", parse: port },
  image: { flags: "--image <image>", description: "container image to run instead of the chosen one" },
  autoPull: { flags: "--auto-pull", description: "pull the image when it is not present locally" },
  gpus: { flags: "--gpus <mode>", description: "pass GPUs to the container", choices: ["auto", "all", "none"], default: "auto" },
  engineArg: { flags: "--engine-arg <arg>", description: "extra argument for the engine (repeatable)", parse: collect, default: [] },
  env: { flags: "--env <KEY=VALUE>", description: "environment variable for the engine (repeatable)", parse: collect, default: [] },
  binary: { flags: "--binary <path>", description: "native engine binary to run instead of the usual one" },
  // Undefined when not given: 300 s, or for `--url` until connections were refused for 10 s.
  readinessTimeout: {
    flags: "--readiness-timeout <seconds>",
    description: `how long to wait for the engine to become ready (default ${DEFAULT_READINESS_TIMEOUT_S}; with --url, give up sooner if connections are refused for ${ENDPOINT_REFUSED_TIMEOUT_S} s)`,
    parse: seconds,
  },
});

export type EngineCliOptions = OptionsOf<typeof ENGINE_OPTIONS>;

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
