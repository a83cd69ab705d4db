/**
 * The command tree. Each command's code is imported only when that command runs, so
 * `kitt --help` and `kitt engines list` start fast.
 */
import { Command, Option } from "@commander-js/extra-typings";
import { kittVersion } from "../package-root.js";
import { addEngineOptions } from "./engine-options.js";
import * as parse from "./parse-options.js";

const dbOption = () => new Option("--db <url>", "results database: a SQLite path or postgres://… (default KITT_DB_URL, then ~/.kitt/kitt.db)");

export function buildProgram(): Command {
  const program = new Command("kitt")
    .description("End-to-end testing for LLM inference engines: start an engine, measure speed and quality, keep the results.")
    .version(kittVersion(), "-V, --version")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`kitt: error: ${text.replace(/^error: /, "")}`) });

  addEngineOptions(
    program.command("run").description("start an engine, run a benchmark suite against it, write a results folder, stop the engine"),
  )
    .option("-s, --suite <name|file>", "suite name or YAML file", "quick")
    .option("-o, --output <dir>", "results folder (default ~/.kitt/results/<model>/<engine>/<time>)")
    .option("--skip-warmup", "skip warmup requests")
    .option("--runs <n>", "run every test this many times (overrides the suite's runs)", parse.positiveInt)
    .option("--limit <n>", "quality tests: evaluate the first N documents (MMLU: per subject), as lm-evaluation-harness's --limit", parse.positiveInt)
    .option("--sample <n>", "quality tests: evaluate N documents drawn at random with --sample-seed (MMLU: per subject)", parse.positiveInt)
    .option("--sample-seed <n>", "seed of the --sample draw (default 1234)", parse.nonNegativeInt)
    .option("--subjects <names>", "MMLU: only these subjects, comma-separated (e.g. astronomy,virology)", parse.commaList)
    .option("--resume", "quality tests: continue from the checkpoint a stopped run with the same settings left")
    .addOption(dbOption())
    .option("--no-store", "keep results only in the results folder, not in the database")
    .action(async (options) => {
      const { runCommand } = await import("./commands/run.js");
      await runCommand(options);
    });

  const bench = program.command("bench").description("serving benchmarks and the client's own self-test");
  addEngineOptions(bench.command("serve").description("measure serving performance exactly like vLLM's bench serve (TTFT, TPOT, ITL, E2EL, goodput)"))
    .addOption(new Option("--protocol <name>", "API to use (default: the engine's first)").choices(["openai-completions", "openai-chat", "ollama-generate", "tgi-generate", "llamacpp-completion"] as const))
    .addOption(new Option("--dataset <kind>", "where prompts come from").choices(["random", "sharegpt", "jsonl", "prompts"] as const).default("random" as const))
    .option("--dataset-path <file>", "ShareGPT JSON or JSONL prompts file")
    .option("--prompt <text>", "a prompt for --dataset prompts (repeatable)", parse.collect, [] as string[])
    .option("--random-input-len <n>", "prompt length in tokens (random data set)", parse.positiveInt, 512)
    .option("--random-output-len <n>", "output length in tokens (random, jsonl, prompts)", parse.positiveInt, 128)
    .option("--random-range-ratio <f>", "lengths uniform within ±this fraction of the targets", parse.fraction, 0)
    .option("--random-prefix-len <n>", "a shared prefix of this many tokens on every prompt", parse.nonNegativeInt, 0)
    .option("--sharegpt-output-len <n>", "one output length for every ShareGPT request", parse.positiveInt)
    .option("--tokenizer <path>", "tokenizer.json (or its folder) when the engine has no tokenize endpoint")
    .option("--num-prompts <n>", "requests to send", parse.positiveInt, 1000)
    .option("--duration <seconds>", "stop sending after this long", parse.seconds)
    .option("--request-rate <rps|inf>", "requests per second (inf: all at once)", parse.rate, Number.POSITIVE_INFINITY)
    .option("--burstiness <f>", "gamma shape of the arrival gaps (1 = Poisson)", parse.positiveNumber, 1)
    .addOption(new Option("--arrival <kind>", "arrival process (default: poisson, or gamma when burstiness ≠ 1)").choices(["constant", "poisson", "gamma"] as const))
    .addOption(new Option("--ramp-up-strategy <kind>", "raise the rate during the run").choices(["linear", "exponential"] as const))
    .option("--ramp-up-start-rps <rps>", "rate at the start of a ramp-up", parse.positiveNumber)
    .option("--ramp-up-end-rps <rps>", "rate at the end of a ramp-up", parse.positiveNumber)
    .option("--max-concurrency <n>", "cap on requests in flight", parse.positiveInt)
    .option("--warmup-requests <n>", "requests sent before the measured window", parse.nonNegativeInt, 5)
    .option("--max-errors <n>", "stop after this many failed requests", parse.positiveInt)
    .option("--max-error-rate <f>", "stop once this fraction of requests failed", parse.fraction, 1)
    .option("--slo <ttft:MS,tpot:MS,e2el:MS>", "service-level objectives for goodput", parse.slo)
    .option("--sweep <n>", "synchronous run, max-throughput run, then N rates in between", parse.positiveInt)
    .option("--slo-search", "find the highest request rate that still meets --slo")
    .option("--slo-attainment <f>", "share of requests that must meet the SLO in --slo-search", parse.fraction, 0.99)
    .option("--slo-search-steps <n>", "bisection steps of --slo-search", parse.positiveInt, 5)
    .option("--percentiles <list>", "percentiles to report", parse.percentiles, [90, 95, 99])
    .option("--workers <auto|n>", "worker threads sending requests", parse.workers, "auto" as "auto" | number)
    .option("--seed <n>", "seed for data and arrivals", parse.nonNegativeInt, 0)
    .option("--no-ignore-eos", "let the engine stop at end-of-sequence (outputs may be shorter than asked)")
    .option("--temperature <t>", "sampling temperature", Number, 0)
    .option("--no-engine-metrics", "do not scrape the engine's /metrics")
    .option("--no-save-generated-texts", "leave the generated texts out of serve.json (vLLM's generated_texts) and requests.jsonl")
    .option("-o, --output <dir>", "results folder (default ~/.kitt/results/<model>/<engine>/<time>_serve)")
    .option("--json", "print the result JSON instead of the table")
    .addOption(dbOption())
    .option("--no-store", "keep results only in the results folder, not in the database")
    .action(async (options) => {
      const { benchServeCommand } = await import("./commands/bench-serve.js");
      await benchServeCommand(options);
    });
  bench
    .command("selftest")
    .description("measure the client's own ceiling against a built-in zero-latency streaming server")
    .option("--requests <n>", "requests to send", parse.positiveInt)
    .option("--concurrency <n>", "requests in flight", parse.positiveInt)
    .option("--json", "print JSON")
    .action(async (options) => {
      const { benchSelftestCommand } = await import("./commands/bench-selftest.js");
      await benchSelftestCommand(options);
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

  const storage = program.command("storage").description("the results database (SQLite ~/.kitt/kitt.db, or PostgreSQL with --db / KITT_DB_URL)");
  storage
    .command("init")
    .description("create the database and its tables")
    .addOption(dbOption())
    .action(async (options) => (await import("./commands/storage-admin.js")).storageInitCommand(options));
  storage
    .command("migrate")
    .description("bring the database's tables up to this kitt's schema")
    .addOption(dbOption())
    .action(async (options) => (await import("./commands/storage-admin.js")).storageMigrateCommand(options));
  storage
    .command("list")
    .description("list stored runs, newest first")
    .addOption(dbOption())
    .option("--model <name>", "only this model")
    .option("--engine <name>", "only this engine")
    .option("--suite <name>", "only this suite")
    .option("--status <status>", "only runs that completed, failed, were interrupted or are running")
    .option("--since <date|Nd>", "only runs started since a date (2026-01-31) or N days ago (7d)")
    .option("--limit <n>", "at most this many", parse.positiveInt, 50)
    .option("--json", "print JSON")
    .action(async (options) => (await import("./commands/storage-list.js")).storageListCommand(options));
  storage
    .command("show")
    .argument("<id>", "run id (or a unique prefix)")
    .description("one run: its tests and metrics")
    .addOption(dbOption())
    .option("--json", "print JSON")
    .action(async (id, options) => (await import("./commands/storage-list.js")).storageShowCommand(id, options));
  storage
    .command("stats")
    .description("what the database holds")
    .addOption(dbOption())
    .option("--json", "print JSON")
    .action(async (options) => (await import("./commands/storage-admin.js")).storageStatsCommand(options));
  storage
    .command("export")
    .argument("<id>", "run id (or a unique prefix)")
    .description("write a run's files (metrics.json, serve.json, config.json, …) exactly as they were stored")
    .addOption(dbOption())
    .option("-o, --output <dir>", "folder to write (default: ./kitt-run-<id>)")
    .action(async (id, options) => (await import("./commands/storage-transfer.js")).storageExportCommand(id, options));
  storage
    .command("import")
    .argument("<path>", "a results folder, a metrics.json, or a vLLM result JSON")
    .description("store existing results: kitt folders, the original KITT's metrics.json, vLLM bench results")
    .addOption(dbOption())
    .action(async (path, options) => (await import("./commands/storage-transfer.js")).storageImportCommand(path, options));
  storage
    .command("delete")
    .argument("<id>", "run id (or a unique prefix)")
    .description("delete a run and everything stored with it")
    .addOption(dbOption())
    .option("-y, --yes", "do not ask")
    .action(async (id, options) => (await import("./commands/storage-delete.js")).storageDeleteCommand(id, options));

  program
    .command("report")
    .argument("<run>", "run id (or unique prefix) or a results folder")
    .description("a run as a self-contained HTML report (charts), Markdown, JSON or CSV")
    .addOption(new Option("--format <format>", "report format").choices(["html", "md", "json", "csv"] as const).default("html" as const))
    .option("-o, --output <file>", "file to write (default: stdout)")
    .addOption(dbOption())
    .action(async (run, options) => (await import("./commands/report.js")).reportCommand(run, options));

  program
    .command("compare")
    .argument("<runs...>", "two or more run ids (or prefixes); the first is the baseline")
    .description("shared metrics side by side with deltas; flags regressions (10% warning, 25% critical)")
    .addOption(new Option("--format <format>", "output").choices(["table", "json"] as const).default("table" as const))
    .addOption(dbOption())
    .action(async (runs, options) => (await import("./commands/compare.js")).compareCommand(runs, options));

  const results = program.command("results").description("query stored results");
  results
    .command("list")
    .description("stored runs, newest first, with their GPU")
    .option("--model <name>", "only this model")
    .option("--engine <name>", "only this engine")
    .option("--suite <name>", "only this suite")
    .option("--since <date|Nd>", "a date (2026-01-31) or an age (7d, 12h)")
    .option("--hardware <gpu>", "GPU model substring, any case (h100, 4090)")
    .option("--limit <n>", "at most this many", parse.positiveInt, 50)
    .option("--json", "print JSON")
    .addOption(dbOption())
    .action(async (options) => (await import("./commands/results.js")).resultsListCommand(options));
  results
    .command("items")
    .argument("<run>", "run id (or unique prefix) or a results folder")
    .description("per-item outputs of a run's quality tests: each document's scores and the engine's answer")
    .option("--test <name>", "only this test")
    .option("--run <n>", "only this run of the test", parse.positiveInt)
    .option("--wrong", "only items that scored 0 on every metric")
    .option("--limit <n>", "show at most this many (default: 50 in the table, every item with --json)", parse.positiveInt)
    .option("--json", "one JSON object per item, every field")
    .addOption(dbOption())
    .action(async (run, options) => (await import("./commands/results-items.js")).resultsItemsCommand(run, options));
  results
    .command("query")
    .description("one metric aggregated per engine, model or suite")
    .addOption(new Option("--group-by <column>", "what to group by").choices(["engine", "model", "suite"] as const).makeOptionMandatory())
    .requiredOption("--metric <name>", "stored metric name, e.g. median_ttft_ms or ttft_ms.p99")
    .addOption(new Option("--agg <fn>", "aggregation").choices(["mean", "max", "min"] as const).default("mean" as const))
    .option("--test <name>", "only this test's metric (serve, throughput, …)")
    .option("--model <name>", "only this model")
    .option("--engine <name>", "only this engine")
    .option("--suite <name>", "only this suite")
    .option("--since <date|Nd>", "a date (2026-01-31) or an age (7d, 12h)")
    .option("--hardware <gpu>", "GPU model substring, any case")
    .option("--json", "print JSON")
    .addOption(dbOption())
    .action(async (options) => (await import("./commands/results.js")).resultsQueryCommand(options));

  program
    .command("recommend")
    .description("stored runs within limits of GPU memory, throughput, accuracy and latency, with the Pareto front marked")
    .option("--max-vram <gb>", "peak GPU memory at most this (runs that did not measure it are left out)", parse.positiveNumber)
    .option("--min-throughput <tok/s>", "output tokens per second at least this", parse.positiveNumber)
    .option("--min-accuracy <fraction>", "mean quality accuracy at least this (0-1)", parse.fraction)
    .option("--max-latency <ms>", "median TTFT at most this", parse.positiveNumber)
    .option("--model <name>", "only this model")
    .option("--engine <name>", "only this engine")
    .option("--limit <n>", "consider this many most recent completed runs", parse.positiveInt, 500)
    .option("--json", "print JSON")
    .addOption(dbOption())
    .action(async (options) =>
      (await import("./commands/recommend.js")).recommendCommand({
        ...options,
        maxVramGb: options.maxVram,
        maxLatencyMs: options.maxLatency,
      }),
    );

  const web = program
    .command("web")
    .description("serve the REST API over the results database (token required beyond loopback)")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "port to listen on (0: any free port)", parse.nonNegativeInt, 8080)
    .addOption(dbOption())
    .option("--tls", "serve HTTPS with a self-signed certificate made once under ~/.kitt/tls/")
    .option("--tls-cert <file>", "serve HTTPS with this PEM certificate (with --tls-key)")
    .option("--tls-key <file>", "the PEM private key of --tls-cert")
    .option("--auth-token <token>", "token every request but health and version needs (default KITT_AUTH_TOKEN)")
    .option("--insecure", "allow listening beyond loopback with no token (warns on every start)")
    .action(async (options) => (await import("./commands/web.js")).webCommand(options));
  const webToken = web.command("token").description("API tokens, stored as SHA-256 hashes in the results database");
  webToken
    .command("create")
    .argument("<name>", "a name to tell the token apart")
    .description("make a token and print it once")
    .addOption(dbOption())
    .action(async (name, options) => (await import("./commands/web-token.js")).webTokenCreateCommand(name, options));
  webToken
    .command("list")
    .description("stored tokens: name, first characters, creation time")
    .addOption(dbOption())
    .option("--json", "print JSON")
    .action(async (options) => (await import("./commands/web-token.js")).webTokenListCommand(options));
  webToken
    .command("revoke")
    .argument("<name>", "token name")
    .description("delete a token; requests with it are refused at once")
    .addOption(dbOption())
    .action(async (name, options) => (await import("./commands/web-token.js")).webTokenRevokeCommand(name, options));

  const testCommand = program.command("test").description("custom tests: YAML prompts with expected answers, scored under kitt run");
  testCommand
    .command("new")
    .argument("<name>", "test name, snake_case")
    .description("write a commented custom test to ~/.kitt/tests/NAME.yaml")
    .addOption(
      new Option("--scoring <type>", "how outputs are scored")
        .choices(["exact", "regex", "contains", "numeric", "json_schema", "choice"] as const)
        .default("exact" as const),
    )
    .option("--dir <dir>", "write it here instead of ~/.kitt/tests")
    .option("--force", "overwrite an existing file")
    .action(async (name, options) => (await import("./commands/test-new.js")).testNewCommand(name, options));
  testCommand
    .command("list")
    .description("list built-in tests and custom ones, with any custom file that does not load")
    .option("--dir <dir>", "look for custom tests here instead of ~/.kitt/tests")
    .option("--json", "print JSON")
    .action(async (options) => (await import("./commands/test-list.js")).testListCommand(options));

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
    .description("remove containers and processes a killed kitt left behind (never those of a kitt still running)")
    .option("--all", "remove every kitt container and engine process, including those of runs still going")
    .action(async (options) => {
      const { enginesCleanupCommand } = await import("./commands/engines-cleanup.js");
      await enginesCleanupCommand(options);
    });

  return program as unknown as Command;
}
