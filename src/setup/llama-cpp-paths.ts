/**
 * Where kitt keeps llama.cpp under `cacheDir()/llama.cpp/`:
 *   <tag>/src/             git clone of the release's source (and its `build/` folder)
 *   <tag>/source.json      which npm package the clone came from, and its commit
 *   <tag>-<commit7>/bin/   installed `llama-server`, its shared libraries and `build.json`
 *   vocab/                 tokenizer-only GGUF files copied out of the source tree
 *   build.lock             held while a build runs, so two processes never build at once
 */
import { join } from "node:path";
import { cacheDir } from "../config/paths.js";

/** The npm package whose tarball carries the llama.cpp source kitt builds. */
export const NODE_LLAMA_CPP_PACKAGE = "node-llama-cpp@3.22.1";

/** The 32,000-token SentencePiece vocabulary the tiny test model uses. */
export const LLAMA_SPM_VOCAB = "ggml-vocab-llama-spm.gguf";

export function llamaCppCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), "llama.cpp");
}

export function releaseDir(tag: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(llamaCppCacheDir(env), tag);
}

export function sourceDir(tag: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(releaseDir(tag, env), "src");
}

export function installDir(tag: string, commit: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(llamaCppCacheDir(env), `${tag}-${commit.slice(0, 7)}`);
}

export function vocabDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(llamaCppCacheDir(env), "vocab");
}

export function buildLockPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(llamaCppCacheDir(env), "build.lock");
}
