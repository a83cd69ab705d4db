/**
 * The command tree. Each command's code is imported only when that command runs, so
 * `kitt --help` and `kitt engines list` start fast.
 */
import { Command } from "@commander-js/extra-typings";
import { kittVersion } from "../package-root.js";
import { AGENT_INIT_OPTIONS, AGENT_PREFLIGHT_OPTIONS, AGENT_STATUS_OPTIONS, AGENT_TEST_LIST_OPTIONS, AGENT_UPDATE_OPTIONS } from "./options/agent.js";
import { JSON_OPTION } from "./options/common.js";
import { TEST_LIST_OPTIONS, TEST_NEW_OPTIONS } from "./options/custom-tests.js";
import { DEMO_OPTIONS, ENGINES_CLEANUP_OPTIONS, ENGINES_SETUP_OPTIONS, FINGERPRINT_OPTIONS } from "./options/engines.js";
import { LORA_LIST_OPTIONS, LORA_LOAD_OPTIONS, LORA_UNLOAD_OPTIONS } from "./options/lora.js";
import { MODELS_DOWNLOAD_OPTIONS, MODELS_LIST_OPTIONS } from "./options/models.js";
import { COMPARE_OPTIONS, RECOMMEND_OPTIONS, REPORT_OPTIONS, RESULTS_ITEMS_OPTIONS, RESULTS_LIST_OPTIONS, RESULTS_QUERY_OPTIONS } from "./options/results.js";
import { RUN_OPTIONS } from "./options/run.js";
import { RUNTIME_IMAGE_OPTIONS, RUNTIME_OPTIONS } from "./options/runtime.js";
import { BENCH_SELFTEST_OPTIONS, BENCH_SERVE_OPTIONS } from "./options/serve.js";
import { DB_JSON_OPTIONS, DB_OPTION, STORAGE_DELETE_OPTIONS, STORAGE_EXPORT_OPTIONS, STORAGE_LIST_OPTIONS } from "./options/storage.js";
import { addOptions } from "./options/table.js";
import { WEB_AGENT_ENROL_OPTIONS, WEB_OPTIONS, WEB_TOKEN_LIST_OPTIONS } from "./options/web.js";

export function buildProgram(): Command {
  const program = new Command("kitt")
    .description("End-to-end testing for LLM inference engines: start an engine, measure speed and quality, keep the results.")
    .version(kittVersion(), "-V, --version")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`kitt: error: ${text.replace(/^error: /, "")}`) });

  addOptions(
    program.command("run").description("start an engine, run a benchmark suite against it, write a results folder, stop the engine"),
    RUN_OPTIONS,
  )
    .action(async (options) => {
      const { runCommand } = await import("./commands/run.js");
      await runCommand(options);
    });

  const bench = program.command("bench").description("serving benchmarks and the client's own self-test");
  addOptions(bench.command("serve").description("measure serving performance exactly like vLLM's bench serve (TTFT, TPOT, ITL, E2EL, goodput)"), BENCH_SERVE_OPTIONS)
    .action(async (options) => {
      const { benchServeCommand } = await import("./commands/bench-serve.js");
      await benchServeCommand(options);
    });
  addOptions(bench.command("selftest").description("measure the client's own ceiling against a built-in zero-latency streaming server"), BENCH_SELFTEST_OPTIONS)
    .action(async (options) => {
      const { benchSelftestCommand } = await import("./commands/bench-selftest.js");
      await benchSelftestCommand(options);
    });

  addOptions(program.command("demo").description("build a CPU llama.cpp server and a tiny model, run the quick suite on them, show the report"), DEMO_OPTIONS)
    .action(async (options) => {
      const { demoCommand } = await import("./commands/demo.js");
      await demoCommand(options);
    });

  addOptions(program.command("fingerprint").description("describe this machine's GPUs, CPU, memory, storage and environment"), FINGERPRINT_OPTIONS)
    .action(async (options) => {
      const { fingerprintCommand } = await import("./commands/fingerprint.js");
      await fingerprintCommand(options);
    });

  const storage = program.command("storage").description("the results database (SQLite ~/.kitt/kitt.db, or PostgreSQL with --db / KITT_DB_URL)");
  addOptions(storage.command("init").description("create the database and its tables"), DB_OPTION)
    .action(async (options) => (await import("./commands/storage-admin.js")).storageInitCommand(options));
  addOptions(storage.command("migrate").description("bring the database's tables up to this kitt's schema"), DB_OPTION)
    .action(async (options) => (await import("./commands/storage-admin.js")).storageMigrateCommand(options));
  addOptions(storage.command("list").description("list stored runs, newest first"), STORAGE_LIST_OPTIONS)
    .action(async (options) => (await import("./commands/storage-list.js")).storageListCommand(options));
  addOptions(storage.command("show").argument("<id>", "run id (or a unique prefix)").description("one run: its tests and metrics"), DB_JSON_OPTIONS)
    .action(async (id, options) => (await import("./commands/storage-list.js")).storageShowCommand(id, options));
  addOptions(storage.command("stats").description("what the database holds"), DB_JSON_OPTIONS)
    .action(async (options) => (await import("./commands/storage-admin.js")).storageStatsCommand(options));
  addOptions(
    storage
      .command("export")
      .argument("<id>", "run id (or a unique prefix)")
      .description("write a run's files (metrics.json, serve.json, config.json, …) exactly as they were stored"),
    STORAGE_EXPORT_OPTIONS,
  ).action(async (id, options) => (await import("./commands/storage-transfer.js")).storageExportCommand(id, options));
  addOptions(
    storage
      .command("import")
      .argument("<path>", "a results folder, a metrics.json, or a vLLM result JSON")
      .description("store existing results: kitt folders, the original KITT's metrics.json, vLLM bench results"),
    DB_OPTION,
  ).action(async (path, options) => (await import("./commands/storage-transfer.js")).storageImportCommand(path, options));
  addOptions(storage.command("delete").argument("<id>", "run id (or a unique prefix)").description("delete a run and everything stored with it"), STORAGE_DELETE_OPTIONS)
    .action(async (id, options) => (await import("./commands/storage-delete.js")).storageDeleteCommand(id, options));

  addOptions(
    program
      .command("report")
      .argument("<run>", "run id (or unique prefix) or a results folder")
      .description("a run as a self-contained HTML report (charts), Markdown, JSON or CSV"),
    REPORT_OPTIONS,
  ).action(async (run, options) => (await import("./commands/report.js")).reportCommand(run, options));

  addOptions(
    program
      .command("compare")
      .argument("<runs...>", "two or more run ids (or prefixes); the first is the baseline")
      .description("shared metrics side by side with deltas; flags regressions (10% warning, 25% critical)"),
    COMPARE_OPTIONS,
  ).action(async (runs, options) => (await import("./commands/compare.js")).compareCommand(runs, options));

  const results = program.command("results").description("query stored results");
  addOptions(results.command("list").description("stored runs, newest first, with their GPU"), RESULTS_LIST_OPTIONS)
    .action(async (options) => (await import("./commands/results.js")).resultsListCommand(options));
  addOptions(
    results
      .command("items")
      .argument("<run>", "run id (or unique prefix) or a results folder")
      .description("per-item outputs of a run's quality tests: each document's scores and the engine's answer"),
    RESULTS_ITEMS_OPTIONS,
  ).action(async (run, options) => (await import("./commands/results-items.js")).resultsItemsCommand(run, options));
  addOptions(results.command("query").description("one metric aggregated per engine, model or suite"), RESULTS_QUERY_OPTIONS)
    .action(async (options) => (await import("./commands/results.js")).resultsQueryCommand(options));

  addOptions(
    program.command("recommend").description("stored runs within limits of GPU memory, throughput, accuracy and latency, with the Pareto front marked"),
    RECOMMEND_OPTIONS,
  ).action(async (options) => (await import("./commands/recommend.js")).recommendCommand(options));

  const modelsCommand = program.command("models").description("the local model browser (models in KITT_MODEL_DIR, ~/.kitt/models, and the engines that load each) and model downloads");
  addOptions(modelsCommand.command("list").description("GGUF files and model folders with their size, architecture, quantization, context and compatible engines"), MODELS_LIST_OPTIONS)
    .action(async (options) => (await import("./commands/models-list.js")).modelsListCommand(options));
  addOptions(
    modelsCommand
      .command("download")
      .argument("<uri>", "s3://bucket/prefix, obs://bucket/prefix, pvc://path, hf://org/repo or org/repo, or a local path")
      .description("download a model folder with parallel ranged reads, resume, checksum verification and atomic placement"),
    MODELS_DOWNLOAD_OPTIONS,
  ).action(async (uri, options) => (await import("./commands/models-download.js")).modelsDownloadCommand(uri, options));

  const lora = program.command("lora").description("LoRA adapters of an engine through the kitt runtime beside it");
  addOptions(
    lora
      .command("load")
      .argument("<name>", "the adapter's name (letters, digits, '.', '_', '-')")
      .argument("<uri>", "where the adapter is: s3://, obs://, hf://, pvc:// or a path the runtime can read")
      .description("download an adapter into the runtime's cache and load it into the engine"),
    LORA_LOAD_OPTIONS,
  ).action(async (name, uri, options) => (await import("./commands/lora-load.js")).loraLoadCommand(name, uri, options));
  addOptions(lora.command("unload").argument("<name>", "the adapter's name").description("stop the engine applying an adapter"), LORA_UNLOAD_OPTIONS)
    .action(async (name, options) => (await import("./commands/lora-unload.js")).loraUnloadCommand(name, options));
  addOptions(lora.command("list").description("the engine's adapters and whether each is applied"), LORA_LIST_OPTIONS)
    .action(async (options) => (await import("./commands/lora-list.js")).loraListCommand(options));

  const runtime = addOptions(
    program.command("runtime").description("the sidecar beside an engine: its metrics under unified names (kthena:*, kitt:*), health by its readiness, /v1 routes behind a token"),
    RUNTIME_OPTIONS,
  ).action(async (options) => (await import("./commands/runtime.js")).runtimeCommand(options));
  addOptions(
    runtime.command("image").description("build the container image that runs kitt (the runtime, or `models download` as an init container) from this install, locally"),
    RUNTIME_IMAGE_OPTIONS,
  ).action(async (options) => (await import("./commands/runtime-image.js")).runtimeImageCommand(options));

  const web = addOptions(program.command("web").description("serve the REST API over the results database (token required beyond loopback)"), WEB_OPTIONS)
    .action(async (options) => (await import("./commands/web.js")).webCommand(options));
  const webToken = web.command("token").description("API tokens, stored as SHA-256 hashes in the results database");
  addOptions(webToken.command("create").argument("<name>", "a name to tell the token apart").description("make a token and print it once"), DB_OPTION)
    .action(async (name, options) => (await import("./commands/web-token.js")).webTokenCreateCommand(name, options));
  addOptions(webToken.command("list").description("stored tokens: name, first characters, creation time"), WEB_TOKEN_LIST_OPTIONS)
    .action(async (options) => (await import("./commands/web-token.js")).webTokenListCommand(options));
  addOptions(webToken.command("revoke").argument("<name>", "token name").description("delete a token; requests with it are refused at once"), DB_OPTION)
    .action(async (name, options) => (await import("./commands/web-token.js")).webTokenRevokeCommand(name, options));
  const webAgent = web.command("agent").description("remote agents: GPU servers that run tests for this server");
  addOptions(webAgent.command("enrol").description("make a single-use enrolment code and print it with the install line"), WEB_AGENT_ENROL_OPTIONS)
    .action(async (options) => (await import("./commands/web-agent.js")).webAgentEnrolCommand(options));

  const agent = program.command("agent").description("a remote agent: this machine runs the tests a kitt web server sends it");
  addOptions(agent.command("init").description("enrol this machine with a kitt web server (writes ~/.kitt/agent.yaml, 0600)"), AGENT_INIT_OPTIONS)
    .action(async (options) => (await import("./commands/agent-init.js")).agentInitCommand(options));
  agent
    .command("start")
    .description("run the agent in the foreground: heartbeat, run the tests the server sends (Ctrl+C stops it)")
    .action(async () => (await import("./commands/agent-daemon.js")).agentStartCommand());
  addOptions(agent.command("status").description("this agent: server, daemon, running job, last heartbeat, undelivered items"), AGENT_STATUS_OPTIONS)
    .action(async (options) => (await import("./commands/agent-daemon.js")).agentStatusCommand(options));
  agent
    .command("stop")
    .description("stop the running agent (its running test is stopped like Ctrl+C stops kitt run)")
    .action(async () => (await import("./commands/agent-daemon.js")).agentStopCommand());
  addOptions(agent.command("preflight").description("can this machine serve as an agent: Docker, GPUs, model-directory space, Node, the server"), AGENT_PREFLIGHT_OPTIONS)
    .action(async (options) => (await import("./commands/agent-host.js")).agentPreflightCommand(options));
  addOptions(agent.command("update").description("install the kitt version the server runs (its package, checked against its SHA-256)"), AGENT_UPDATE_OPTIONS)
    .action(async (options) => (await import("./commands/agent-host.js")).agentUpdateCommand(options));
  const agentService = agent.command("service").description("the agent as a systemd service (a user service unless run as root), restarted on failure");
  agentService
    .command("install")
    .description("write the unit, enable and start it")
    .action(async () => (await import("./commands/agent-host.js")).agentServiceInstallCommand());
  agentService
    .command("uninstall")
    .description("stop and disable the service, remove its unit")
    .action(async () => (await import("./commands/agent-host.js")).agentServiceUninstallCommand());
  agentService
    .command("status")
    .description("whether the unit is installed, active and enabled")
    .action(async () => (await import("./commands/agent-host.js")).agentServiceStatusCommand());
  agent
    .command("token")
    .description("this agent's token")
    .command("set")
    .description("replace the token after the server rotated it: read from stdin (a pipe, or typed without echo), never an argument")
    .action(async () => (await import("./commands/agent-token.js")).agentTokenSetCommand());
  const agentTest = agent.command("test").description("the tests this agent ran");
  addOptions(agentTest.command("list").description("jobs this agent ran, newest first"), AGENT_TEST_LIST_OPTIONS)
    .action(async (options) => (await import("./commands/agent-test.js")).agentTestListCommand(options));
  agentTest
    .command("stop")
    .argument("<id>", "job id")
    .description("stop the running job like the server's stop: engine removed, results kept, the job cancelled")
    .action(async (id) => (await import("./commands/agent-test.js")).agentTestStopCommand(id));

  const testCommand = program.command("test").description("custom tests: YAML prompts with expected answers, scored under kitt run");
  addOptions(
    testCommand.command("new").argument("<name>", "test name, snake_case").description("write a commented custom test to ~/.kitt/tests/NAME.yaml"),
    TEST_NEW_OPTIONS,
  ).action(async (name, options) => (await import("./commands/test-new.js")).testNewCommand(name, options));
  addOptions(testCommand.command("list").description("list built-in tests and custom ones, with any custom file that does not load"), TEST_LIST_OPTIONS)
    .action(async (options) => (await import("./commands/test-list.js")).testListCommand(options));

  const enginesCommand = program.command("engines").description("list, check, set up and clean up engines");
  addOptions(enginesCommand.command("list").description("list the engines kitt knows"), JSON_OPTION)
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
  addOptions(
    enginesCommand.command("setup").argument("<name>", "engine name").description("get an engine ready: pull its image, or build it locally (--build, llama_cpp)"),
    ENGINES_SETUP_OPTIONS,
  ).action(async (name, options) => {
    const { enginesSetupCommand } = await import("./commands/engines-setup.js");
    await enginesSetupCommand(name, options);
  });
  addOptions(
    enginesCommand.command("cleanup").description("remove containers and processes a killed kitt left behind (never those of a kitt still running)"),
    ENGINES_CLEANUP_OPTIONS,
  ).action(async (options) => {
    const { enginesCleanupCommand } = await import("./commands/engines-cleanup.js");
    await enginesCleanupCommand(options);
  });

  return program as unknown as Command;
}
