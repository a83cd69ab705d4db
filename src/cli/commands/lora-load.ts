/** `kitt lora load NAME URI --url RUNTIME`: the runtime downloads the adapter into its cache, then loads it into its engine. */
import { loadAdapter } from "../../runtime-sidecar/runtime-lora-api.js";
import type { LORA_LOAD_OPTIONS } from "../options/lora.js";
import type { OptionsOf } from "../options/table.js";
import { runtimeConnection } from "../runtime-connection.js";

export async function loraLoadCommand(name: string, uri: string, options: OptionsOf<typeof LORA_LOAD_OPTIONS>): Promise<void> {
  const { path } = await loadAdapter(await runtimeConnection(options), name, uri);
  process.stdout.write(`loaded adapter ${name} (${path})\n`);
}
