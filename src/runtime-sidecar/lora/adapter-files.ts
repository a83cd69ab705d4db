/** The file or folder an engine reads from a downloaded adapter, and whether two adapter files hold the same bytes. */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { KittError } from "../../errors.js";

/** vLLM and SGLang read a PEFT folder (`adapter_config.json` and the weights): the download itself, or the folder of a downloaded file. */
export async function peftFolder(localPath: string): Promise<string> {
  return (await stat(localPath)).isDirectory() ? localPath : dirname(localPath);
}

/** llama.cpp reads one GGUF file: the download itself, or the one `.gguf` in a downloaded folder. */
export async function ggufFile(localPath: string): Promise<string> {
  if (!(await stat(localPath)).isDirectory()) return localPath;
  const ggufs = (await readdir(localPath, { withFileTypes: true })).filter((entry) => entry.isFile() && entry.name.endsWith(".gguf"));
  if (ggufs.length !== 1) {
    const found = ggufs.length === 0 ? "none" : ggufs.map((entry) => entry.name).join(", ");
    throw new KittError("LORA_REFUSED", `llama.cpp needs one LoRA GGUF file; the downloaded folder ${localPath} holds ${found}`);
  }
  return join(localPath, ggufs[0]!.name);
}

/** Whether two files hold the same bytes (sizes first, then SHA-256); false when either cannot be read. */
export async function sameContent(a: string, b: string): Promise<boolean> {
  try {
    const [first, second] = await Promise.all([stat(a), stat(b)]);
    if (!first.isFile() || !second.isFile() || first.size !== second.size) return false;
    const [hashA, hashB] = await Promise.all([sha256(a), sha256(b)]);
    return hashA === hashB;
  } catch {
    return false;
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
