/**
 * The command tree. Each command's code is imported only when that command runs, so
 * `kitt --help` and `kitt engines list` start fast.
 */
import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { kittVersion } from "../package-root.js";

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError("expected a positive integer");
  return parsed;
}

function port(value: string): number {
  const parsed = positiveInt(value);
  if (parsed > 65_535) throw new InvalidArgumentError("expected a port number (1-65535)");
  return parsed;
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError("expected a positive number of seconds");
  return parsed;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function buildProgram(): Command {
  const program = new Command("kitt")
    .description("End-to-end testing for LLM inference engines: start an engine, measure speed and quality, keep the results.")
    .version(kittVersion(), "-V, --version")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`kitt: error: ${text.replace(/^error: /, "")}`) });

  program
    .command("run")
    .description("start an engine, run a benchmark suite against it, write a results folder, stop the engine")
    .requiredOption("-e, --engine <name>", "engine to run (see 'kitt engines list')")
    .option("-m, --model <path>", "model file or folder (or an Ollama tag); required unless --url")
    .addOption(new Option("--runtime <kind>", "how to run the engine").choices(["docker", "native"] as const).default("docker" as const))
    .option("--url <url>", "benchmark an engine someone else runs at this URL (no lifecycle)")
    .option("-s, --suite <name|file>", "suite name or YAML file", "quick")
    .option("-o, --output <dir>", "results folder (default ~/.kitt/results/<model>/<engine>/<time>)")
    .option("--skip-warmup", "skip warmup requests")
    .option("--runs <n>", "run the suite this many times", positiveInt)
    .option("--port <port>", "port the engine listens on (default: the engine's own)", port)
    .option("--image <image>", "container image to run instead of the chosen one")
    .option("--auto-pull", "pull the image when it is not present locally")
    .addOption(new Option("--gpus <mode>", "pass GPUs to the container").choices(["auto", "all", "none"] as const).default("auto" as const))
    .option("--engine-arg <arg>", "extra argument for the engine (repeatable)", collect, [] as string[])
    .option("--env <KEY=VALUE>", "environment variable for the engine (repeatable)", collect, [] as string[])
    .option("--binary <path>", "native engine binary to run instead of the usual one")
    .option("--readiness-timeout <seconds>", "how long to wait for the engine to become ready", seconds, 300)
    .action(async (options) => {
      const { runCommand } = await import("./commands/run.js");
      await runCommand(options);
    });

  program
    .command("demo")
    .description("build a CPU llama.cpp server and a tiny model, run the quick suite on them, show the report")
    .option("-o, --output <dir>", "results folder")
    .action(async (options) => {
      const { demoCommand } = await import("./commands/demo.js");
      await demoCommand(options);
    });

  program
    .command("fingerprint")
    .description("describe this machine's GPUs, CPU, memory, storage and environment")
    .option("--json", "print JSON")
    .option("--verbose", "print every field")
    .action(async (options) => {
      const { fingerprintCommand } = await import("./commands/fingerprint.js");
      await fingerprintCommand(options);
    });

  const enginesCommand = program.command("engines").description("list, check, set up and clean up engines");
  enginesCommand
    .command("list")
    .description("list the engines kitt knows")
    .option("--json", "print JSON")
    .action(async (options) => {
      const { enginesListCommand } = await import("./commands/engines-list.js");
      await enginesListCommand(options);
    });
  enginesCommand
    .command("check")
    .argument("<name>", "engine name")
    .description("check whether an engine can run here: image, binary, Docker, platform")
    .action(async (name) => {
      const { enginesCheckCommand } = await import("./commands/engines-check.js");
      await enginesCheckCommand(name);
    });
  enginesCommand
    .command("setup")
    .argument("<name>", "engine name")
    .description("get an engine ready: pull its image, or build it locally (--build, llama_cpp)")
    .option("--dry-run", "say what would be done, do nothing")
    .option("--build", "build from source instead of pulling (llama_cpp: CPU llama-server and a local image)")
    .option("--force-rebuild", "rebuild even when a cached build exists")
    .option("--no-image", "with --build, do not package the build as a Docker image")
    .action(async (name, options) => {
      const { enginesSetupCommand } = await import("./commands/engines-setup.js");
      await enginesSetupCommand(name, options);
    });
  enginesCommand
    .command("cleanup")
    .description("remove containers and processes kitt left behind (e.g. after kill -9)")
    .action(async () => {
      const { enginesCleanupCommand } = await import("./commands/engines-cleanup.js");
      await enginesCleanupCommand();
    });

  return program as unknown as Command;
}
