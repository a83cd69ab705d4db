/** The runtime `kitt lora` talks to: its URL, its token (`--token-file`, else `KITT_RUNTIME_TOKEN`), and how long to wait. */
import { readFile } from "node:fs/promises";
import { describeError, KittError } from "../errors.js";
import type { RuntimeConnection } from "../runtime-sidecar/runtime-lora-api.js";

const MAX_TOKEN_BYTES = 4096;
/** The variable `kitt runtime` reads its own token from. */
const TOKEN_ENV = "KITT_RUNTIME_TOKEN";

export async function runtimeConnection(options: { url: string; tokenFile?: string; timeout: number }, env: NodeJS.ProcessEnv = process.env): Promise<RuntimeConnection> {
  const token = options.tokenFile === undefined ? env[TOKEN_ENV]?.trim() || undefined : await readToken(options.tokenFile);
  return { url: options.url, token, timeoutMs: options.timeout * 1000 };
}

async function readToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new KittError("USAGE", `cannot read the token file ${path}: ${describeError(error)}`, { cause: error });
  }
  const token = text.trim();
  if (token === "" || token.length > MAX_TOKEN_BYTES || /\s/.test(token)) throw new KittError("USAGE", `the token file ${path} must hold one token on one line`);
  return token;
}
