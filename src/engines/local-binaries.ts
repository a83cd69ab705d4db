/**
 * Engine server binaries kitt built itself (`kitt engines setup NAME --build`), which the
 * native runtime prefers over whatever is on PATH.
 */
import { llamaServerInfo } from "../setup/llama-cpp-build.js";
import type { EngineName } from "./types.js";

export interface LocalBinary {
  command: string;
  env: Record<string, string>;
}

export async function localNativeBinary(engine: EngineName): Promise<LocalBinary | undefined> {
  if (engine !== "llama_cpp") return undefined;
  const info = await llamaServerInfo();
  if (!info) return undefined;
  // The build's RPATH points at its old build folder; its libraries sit beside the binary.
  const libraryPath = [info.libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  return { command: info.binary, env: { LD_LIBRARY_PATH: libraryPath } };
}
