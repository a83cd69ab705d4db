/** Options of `kitt models`. */
import { JSON_OPTION } from "./common.js";
import { httpUrl } from "./parsers.js";
import { defineOptions } from "./table.js";

export const MODELS_LIST_OPTIONS = defineOptions({
  dir: { flags: "--dir <path>", description: "model directory (default KITT_MODEL_DIR, then ~/.kitt/models)" },
  ollama: { flags: "--ollama <url>", description: "also list the models this Ollama server holds (GET /api/tags)", parse: httpUrl },
  ...JSON_OPTION,
});
