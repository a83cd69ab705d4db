/** `kitt lora list --url RUNTIME`: the adapters the runtime's engine has, and whether each is applied. */
import { textTable } from "../../report/text-table.js";
import { listAdapters } from "../../runtime-sidecar/runtime-lora-api.js";
import type { LORA_LIST_OPTIONS } from "../options/lora.js";
import type { OptionsOf } from "../options/table.js";
import { runtimeConnection } from "../runtime-connection.js";

export async function loraListCommand(options: OptionsOf<typeof LORA_LIST_OPTIONS>): Promise<void> {
  const list = await listAdapters(await runtimeConnection(options));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  if (list.adapters.length === 0) {
    process.stdout.write(`no adapters in ${list.engine}\n`);
    return;
  }
  const table = textTable({ head: ["name", "loaded", "path", "base model / scale"] });
  for (const adapter of list.adapters) {
    table.push([adapter.name ?? `(#${adapter.id ?? "?"})`, adapter.loaded ? "yes" : "no", adapter.path ?? "", adapter.parent ?? (adapter.scale === undefined ? "" : String(adapter.scale))]);
  }
  process.stdout.write(`${table.toString()}\n`);
}
