/**
 * A results folder as one run record: kitt's `metrics.json` (with its per-item
 * `*.items.jsonl`), or a serving folder's `serve.json` with its `requests*.jsonl` — or, when a
 * killed `kitt bench serve` never wrote `serve.json`, the result rebuilt from `requests.jsonl`
 * (`serve-rebuild.ts`). `config.json` and `hardware.json` come along when present.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { KittError } from "../errors.js";
import { isObject, parseJson } from "../json.js";
import { ITEMS_FILE_PATTERN } from "../results/items-file.js";
import { jsonDocument } from "./run-export.js";
import { metricsRecord } from "./metrics-record.js";
import type { RunRecord } from "./run-record.js";
import { rebuildServeResult, RECORDS_FILE } from "./serve-rebuild.js";
import { serveRecord } from "./serve-record.js";

/** The folder's run, or undefined when it is not a results folder. */
export async function folderRecord(dir: string): Promise<RunRecord | undefined> {
  const names = new Set((await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name));
  const read = (name: string) => readFile(join(dir, name), "utf8");
  const configText = names.has("config.json") ? await read("config.json") : undefined;
  const hardwareText = names.has("hardware.json") ? await read("hardware.json") : undefined;
  if (names.has("metrics.json")) {
    const itemFiles: Record<string, string> = {};
    for (const name of [...names].filter((n) => ITEMS_FILE_PATTERN.test(n)).sort()) itemFiles[name] = await read(name);
    return metricsRecord({ metricsText: await read("metrics.json"), configText, hardwareText, itemFiles, source: dir });
  }
  const requestFiles: Record<string, string> = {};
  for (const name of [...names].filter((n) => /^requests(-\d+)?\.jsonl$/.test(n)).sort()) requestFiles[name] = await read(name);
  if (names.has("serve.json")) {
    return serveRecord({ resultText: await read("serve.json"), name: "serve.json", configText, hardwareText, requestFiles, source: dir });
  }
  const config = configText === undefined ? undefined : parseJson(configText, "config.json");
  if (!isObject(config) || !isObject(config.load) || !isObject(config.mode)) return undefined;
  const records = requestFiles[RECORDS_FILE];
  if (config.mode.kind !== "single" || records === undefined) {
    throw new KittError("CONFIG_INVALID", `${dir} has no serve.json, and only a single run's ${RECORDS_FILE} can be rebuilt into one`);
  }
  const result = rebuildServeResult({ text: records, modifiedAt: (await stat(join(dir, RECORDS_FILE))).mtimeMs }, config);
  return serveRecord({ resultText: jsonDocument(result), name: "serve.json", configText, hardwareText, requestFiles, source: dir });
}
