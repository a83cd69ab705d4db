/** The runtime `kitt lora` talks to: its URL, its token (`--token-file`, else `KITT_RUNTIME_TOKEN`), and how long to wait. */
import type { RuntimeConnection } from "../runtime-sidecar/runtime-lora-api.js";
import { readRuntimeToken } from "../runtime-sidecar/runtime-settings.js";

export async function runtimeConnection(options: { url: string; tokenFile?: string; timeout: number }, env: NodeJS.ProcessEnv = process.env): Promise<RuntimeConnection> {
  return { url: options.url, token: await readRuntimeToken(options.tokenFile, env), timeoutMs: options.timeout * 1000 };
}
