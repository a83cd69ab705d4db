/**
 * The llama.cpp source kitt builds comes from the npm package node-llama-cpp, which ships the
 * complete source of the release it binds as a git bundle. `npm pack` fetches the tarball
 * without installing the package (or its prebuilt binaries); `git clone` of the bundle gives
 * a full source tree. The clone is cached per release tag; see `llama-cpp-paths.ts`.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { KittError } from "../errors.js";
import { copyFileAtomically, writeFileAtomically } from "../fs/atomic-file.js";
import { assertBuildTools } from "./build-tools.js";
import {
  LLAMA_SPM_VOCAB,
  NODE_LLAMA_CPP_PACKAGE,
  llamaCppCacheDir,
  releaseDir,
  sourceDir,
  vocabDir,
} from "./llama-cpp-paths.js";
import type { ProgressListener } from "./progress.js";
import { runTool } from "./run-tool.js";

export interface LlamaCppSource {
  /** The npm package the source came from, e.g. `node-llama-cpp@3.22.1`. */
  package: string;
  /** Release tag from the package's `llama/llama.cpp.info.json`. */
  tag: string;
  /** Full llama.cpp commit hash of the clone. */
  commit: string;
  /** The source tree. */
  dir: string;
}

export interface SourceOptions {
  env?: NodeJS.ProcessEnv;
  onProgress?: ProgressListener;
}

const SOURCE_MANIFEST = "source.json";
const BUNDLE_PATH = "package/llama/gitRelease.bundle";
const INFO_PATH = "package/llama/llama.cpp.info.json";

/** The cached clone for the pinned package, if one exists. */
export async function cachedLlamaCppSource(env: NodeJS.ProcessEnv = process.env): Promise<LlamaCppSource | undefined> {
  const root = llamaCppCacheDir(env);
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const manifest = await readFile(join(root, entry.name, SOURCE_MANIFEST), "utf8").then(
      (text) => JSON.parse(text) as Partial<LlamaCppSource>,
      () => undefined,
    );
    if (manifest?.package !== NODE_LLAMA_CPP_PACKAGE || !manifest.tag || !manifest.commit) continue;
    const dir = sourceDir(manifest.tag, env);
    if (existsSync(join(dir, ".git"))) return { package: NODE_LLAMA_CPP_PACKAGE, tag: manifest.tag, commit: manifest.commit, dir };
  }
  return undefined;
}

/** Returns the cached source, fetching and cloning it first when absent. */
export async function ensureLlamaCppSource(options: SourceOptions = {}): Promise<LlamaCppSource> {
  const env = options.env ?? process.env;
  const source = (await cachedLlamaCppSource(env)) ?? (await fetchLlamaCppSource(env, options.onProgress));
  await copyVocabFile(source, LLAMA_SPM_VOCAB, env);
  return source;
}

/**
 * Path of a tokenizer-only GGUF (e.g. `ggml-vocab-llama-spm.gguf`) in the cache; copies it out
 * of the source tree first, fetching the source when needed.
 */
export async function ensureVocabFile(name: string = LLAMA_SPM_VOCAB, options: SourceOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const path = join(vocabDir(env), name);
  if (existsSync(path)) return path;
  return copyVocabFile(await ensureLlamaCppSource(options), name, env);
}

async function copyVocabFile(source: LlamaCppSource, name: string, env: NodeJS.ProcessEnv): Promise<string> {
  const target = join(vocabDir(env), name);
  if (existsSync(target)) return target;
  const from = join(source.dir, "models", name);
  if (!existsSync(from)) throw new KittError("NOT_FOUND", `llama.cpp ${source.tag} has no vocabulary file models/${name}`);
  await mkdir(vocabDir(env), { recursive: true });
  await copyFileAtomically(from, target);
  return target;
}

async function fetchLlamaCppSource(env: NodeJS.ProcessEnv, onProgress?: ProgressListener): Promise<LlamaCppSource> {
  await assertBuildTools(["npm", "tar", "git"], "fetching the llama.cpp source", env);
  const root = llamaCppCacheDir(env);
  await mkdir(root, { recursive: true });
  // Work inside the cache (same filesystem), so the finished clone can be renamed into place.
  const work = await mkdtemp(join(root, ".fetch-"));
  try {
    onProgress?.({ phase: "fetch", message: `downloading ${NODE_LLAMA_CPP_PACKAGE} (npm pack)` });
    await runTool("npm", ["pack", NODE_LLAMA_CPP_PACKAGE, "--pack-destination", work, "--ignore-scripts"], {
      cwd: work,
      env,
      what: `npm pack ${NODE_LLAMA_CPP_PACKAGE}`,
    });
    const tarball = (await readdir(work)).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new KittError("BUILD_FAILED", `npm pack ${NODE_LLAMA_CPP_PACKAGE} produced no tarball`);
    await runTool("tar", ["-xzf", tarball, BUNDLE_PATH, INFO_PATH], {
      cwd: work,
      env,
      what: `extracting the llama.cpp bundle from ${tarball}`,
    });
    const tag = await readReleaseTag(join(work, INFO_PATH));

    onProgress?.({ phase: "clone", message: `cloning llama.cpp ${tag} from the bundle` });
    const clone = join(work, "src");
    await runTool("git", ["clone", "--quiet", join(work, BUNDLE_PATH), clone], { env, what: "cloning the llama.cpp bundle" });
    await mkdir(releaseDir(tag, env), { recursive: true });
    await rename(clone, sourceDir(tag, env)).catch((error: NodeJS.ErrnoException) => {
      // Another process finished first: its clone is the same release, so use it.
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });

    const dir = sourceDir(tag, env);
    const commit = await runTool("git", ["-C", dir, "rev-parse", "HEAD"], { env, what: "reading the llama.cpp commit" });
    const source: LlamaCppSource = { package: NODE_LLAMA_CPP_PACKAGE, tag, commit, dir };
    const manifest = { package: source.package, tag, commit };
    await writeFileAtomically(join(releaseDir(tag, env), SOURCE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return source;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readReleaseTag(infoPath: string): Promise<string> {
  const info = JSON.parse(await readFile(infoPath, "utf8")) as { tag?: unknown };
  // The tag becomes a directory name, so accept only tag-like strings.
  if (typeof info.tag !== "string" || !/^[\w][\w.-]*$/.test(info.tag)) {
    throw new KittError("BUILD_FAILED", `${NODE_LLAMA_CPP_PACKAGE} has no usable release tag in llama/llama.cpp.info.json`);
  }
  return info.tag;
}
