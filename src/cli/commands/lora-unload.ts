/** `kitt lora unload NAME --url RUNTIME`: the runtime's engine stops applying the adapter (its download stays cached). */
import { unloadAdapter } from "../../runtime-sidecar/runtime-lora-api.js";
import type { LORA_UNLOAD_OPTIONS } from "../options/lora.js";
import type { OptionsOf } from "../options/table.js";
import { runtimeConnection } from "../runtime-connection.js";

export async function loraUnloadCommand(name: string, options: OptionsOf<typeof LORA_UNLOAD_OPTIONS>): Promise<void> {
  await unloadAdapter(await runtimeConnection(options), name);
  process.stdout.write(`unloaded adapter ${name}\n`);
}
