/** Options of `kitt lora load|unload|list`: which runtime, its token, how long to wait. */
import { JSON_OPTION } from "./common.js";
import * as parse from "./parsers.js";
import { defineOptions } from "./table.js";

function runtimeOptions<const Seconds extends number, const Shown extends string>(timeout: Seconds, shown: Shown) {
  return defineOptions({
    url: { flags: "--url <url>", description: "the kitt runtime beside the engine, e.g. http://127.0.0.1:9000", parse: parse.httpUrl, mandatory: true },
    tokenFile: { flags: "--token-file <file>", description: "a file holding the runtime's token, sent as a bearer token (default: KITT_RUNTIME_TOKEN)" },
    timeout: { flags: "--timeout <duration>", description: "longest to wait for the runtime's answer: 90s, 10m", parse: parse.duration, default: timeout, defaultText: shown },
  });
}

/** A load downloads the adapter first: it may take a while. */
export const LORA_LOAD_OPTIONS = runtimeOptions(1800, "30m");
export const LORA_UNLOAD_OPTIONS = runtimeOptions(120, "2m");
export const LORA_LIST_OPTIONS = defineOptions({ ...runtimeOptions(60, "1m"), ...JSON_OPTION });
