/** Options of `kitt models`. */
import { JSON_OPTION } from "./common.js";
import { collect, httpUrl, positiveInt } from "./parsers.js";
import { defineOptions } from "./table.js";

export const MODELS_LIST_OPTIONS = defineOptions({
  dir: { flags: "--dir <path>", description: "model directory (default KITT_MODEL_DIR, then ~/.kitt/models)" },
  ollama: { flags: "--ollama <url>", description: "also list the models this Ollama server holds (GET /api/tags)", parse: httpUrl },
  ...JSON_OPTION,
});

export const MODELS_DOWNLOAD_OPTIONS = defineOptions({
  output: { flags: "-o, --output <dir>", description: "the folder to fill (created; it appears only once every file verified)", mandatory: true },
  include: { flags: "--include <glob>", description: "download only matching files (repeatable; `*.safetensors` matches in any folder, `onnx/**` from the top)", parse: collect, default: [] },
  exclude: { flags: "--exclude <glob>", description: "skip matching files (repeatable)", parse: collect, default: [] },
  revision: { flags: "--revision <rev>", description: "branch, tag or commit of a Hugging Face repository (default HF_REVISION, then main)" },
  concurrency: { flags: "--concurrency <n>", description: "byte ranges fetched at once, across all files", parse: positiveInt, default: 8 },
  partSize: { flags: "--part-size <MiB>", description: "size of each ranged read, in MiB", parse: positiveInt, default: 16 },
  ...JSON_OPTION,
});
