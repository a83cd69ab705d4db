/**
 * Options of `kitt runtime`: Kthena's runtime flags with their short forms (volcano-sh/kthena,
 * `python/kthena/runtime/app.py`, `parse_arguments`), whose defaults the environment variables
 * Kthena's controller sets (`RUNTIME_PORT`, `RUNTIME_URL`, `RUNTIME_METRICS_PATH`) replace. The
 * host is loopback unless given: Kthena binds 0.0.0.0, kitt only with a token.
 */
import * as parse from "./parsers.js";
import { defineOptions } from "./table.js";

export const RUNTIME_OPTIONS = defineOptions({
  engine: { flags: "-E, --engine <name>", description: "the engine beside this runtime: vllm, sglang, tgi or llama_cpp" },
  host: { flags: "-H, --host <address>", description: "address to listen on (beyond loopback needs KITT_RUNTIME_TOKEN or --token-file)", default: "127.0.0.1" },
  port: { flags: "-P, --port <n>", description: "port to listen on (default: RUNTIME_PORT, else 9000; 0: any free port)", parse: parse.nonNegativeInt },
  engineBaseUrl: { flags: "-B, --engine-base-url <url>", description: "the engine's base URL (default: RUNTIME_URL, else http://localhost:8000)", parse: parse.httpUrl },
  engineMetricsPath: { flags: "-M, --engine-metrics-path <path>", description: "the engine's metrics path (default: RUNTIME_METRICS_PATH, else /metrics)" },
  pod: { flags: "-I, --pod <id>", description: "pod identifier, the `pod` label of the standardized series" },
  model: { flags: "-N, --model <name>", description: "model name, the `model` label of the standardized series" },
  modelsDir: { flags: "--models-dir <dir>", description: "where POST /v1/models/download may write (default: KITT_MODEL_DIR, else ~/.kitt/models)" },
  loraCacheDir: { flags: "--lora-cache-dir <dir>", description: "where adapters are downloaded; the engine must see the same path (default: ~/.cache/kitt/lora-adapters)" },
  tokenFile: { flags: "--token-file <file>", description: "file holding the token /v1/* routes need (default: KITT_RUNTIME_TOKEN)" },
  engineTimeout: { flags: "--engine-timeout <seconds>", description: "longest wait for the engine's metrics or health answer", parse: parse.seconds, default: 5 },
});

export const RUNTIME_IMAGE_OPTIONS = defineOptions({
  tag: { flags: "--tag <image>", description: "the image's name", default: "kitt/runtime" },
  force: { flags: "--force", description: "build even when an image of this build exists" },
});
