/**
 * Builds llama.cpp's `llama-server` (CPU only) from the cached source and installs it, with the
 * shared libraries it needs, into the cache keyed by release (`<tag>-<commit7>/bin/`, described
 * by `build.json`). A build takes minutes, so it runs once per release, under a lock, reporting
 * progress; later calls reuse the install.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { KittError } from "../errors.js";
import { tempPathFor } from "../fs/atomic-file.js";
import { withFileLock } from "../fs/file-lock.js";
import { LLAMA_CPP_BUILD_TOOLS, assertBuildTools } from "./build-tools.js";
import { parseCmakeProgress } from "./cmake-progress.js";
import { copyEntry } from "./copy-entry.js";
import { NODE_LLAMA_CPP_PACKAGE, buildLockPath, installDir, llamaCppCacheDir } from "./llama-cpp-paths.js";
import { ensureLlamaCppSource, type LlamaCppSource } from "./llama-cpp-source.js";
import type { ProgressListener } from "./progress.js";
import { runTool } from "./run-tool.js";

export interface LlamaServerInstall {
  package: string;
  tag: string;
  commit: string;
  /** ISO time the binary was built. */
  builtAt: string;
  /** Folder holding the binary and its shared libraries: put it on LD_LIBRARY_PATH. */
  libDir: string;
  binary: string;
  /** Names of the installed files (relative to `libDir`). */
  files: string[];
}

type BuildManifest = Omit<LlamaServerInstall, "libDir" | "binary">;

export const LLAMA_SERVER_BINARY = "llama-server";
const MANIFEST = "build.json";
const INSTALLED_FILE = /^(llama-server|lib.+\.so(\.\d+)*)$/;

export const LLAMA_CPP_CMAKE_FLAGS = [
  "-DGGML_NATIVE=OFF",
  "-DLLAMA_CURL=OFF",
  "-DLLAMA_BUILD_TESTS=OFF",
  "-DLLAMA_BUILD_EXAMPLES=OFF",
  "-DCMAKE_BUILD_TYPE=Release",
] as const;

/**
 * Environment for running the installed binary. The binary's RUNPATH names the folder it was
 * built in, which may be gone, so its own folder must come first on LD_LIBRARY_PATH.
 */
export function llamaServerEnv(install: LlamaServerInstall, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const inherited = base.LD_LIBRARY_PATH;
  return { ...base, LD_LIBRARY_PATH: inherited ? `${install.libDir}:${inherited}` : install.libDir };
}

async function readInstall(binDir: string): Promise<LlamaServerInstall | undefined> {
  let manifest: Partial<BuildManifest>;
  try {
    manifest = JSON.parse(await readFile(join(binDir, MANIFEST), "utf8")) as Partial<BuildManifest>;
  } catch {
    return undefined;
  }
  const { package: pkg, tag, commit, builtAt, files } = manifest;
  if (pkg !== NODE_LLAMA_CPP_PACKAGE || !tag || !commit || !builtAt || !Array.isArray(files)) return undefined;
  if (!files.every((file) => existsSync(join(binDir, file)))) return undefined;
  return { package: pkg, tag, commit, builtAt, files, libDir: binDir, binary: join(binDir, LLAMA_SERVER_BINARY) };
}

/** The installed build for the pinned release, or undefined when none is cached. */
export async function llamaServerInfo(env: NodeJS.ProcessEnv = process.env): Promise<LlamaServerInstall | undefined> {
  const root = llamaCppCacheDir(env);
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const installs: LlamaServerInstall[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const install = await readInstall(join(root, entry.name, "bin"));
    if (install) installs.push(install);
  }
  return installs.sort((a, b) => b.builtAt.localeCompare(a.builtAt))[0];
}

/**
 * Installs `llama-server` and its shared libraries from a finished cmake build folder into the
 * cache (replacing an install of the same release). `commit` defaults to the HEAD of the git
 * checkout the build folder lives in.
 */
export async function installLlamaServerFromBuild(options: {
  buildDir: string;
  tag: string;
  commit?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<LlamaServerInstall> {
  const env = options.env ?? process.env;
  const builtBin = join(options.buildDir, "bin");
  const builtBinary = join(builtBin, LLAMA_SERVER_BINARY);
  if (!existsSync(builtBinary)) throw new KittError("NOT_FOUND", `no ${LLAMA_SERVER_BINARY} in ${builtBin}; build it first`);
  const commit =
    options.commit ??
    (await runTool("git", ["-C", options.buildDir, "rev-parse", "HEAD"], { env, what: "reading the llama.cpp commit" }));

  const files = (await readdir(builtBin)).filter((name) => INSTALLED_FILE.test(name)).sort();
  const manifest: BuildManifest = {
    package: NODE_LLAMA_CPP_PACKAGE,
    tag: options.tag,
    commit,
    builtAt: (await stat(builtBinary)).mtime.toISOString(),
    files,
  };

  const target = join(installDir(options.tag, commit, env), "bin");
  const staging = tempPathFor(target);
  await mkdir(staging, { recursive: true });
  try {
    for (const file of files) await copyEntry(join(builtBin, file), join(staging, file));
    await writeFile(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(target)) {
      const old = tempPathFor(target);
      await rename(target, old);
      await rm(old, { recursive: true, force: true });
    }
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  const install = await readInstall(target);
  if (!install) throw new KittError("BUILD_FAILED", `installing ${LLAMA_SERVER_BINARY} into ${target} failed`);
  return install;
}

async function buildLlamaServer(source: LlamaCppSource, env: NodeJS.ProcessEnv, onProgress?: ProgressListener): Promise<string> {
  onProgress?.({ phase: "configure", message: `configuring llama.cpp ${source.tag} (cmake)` });
  await runTool("cmake", ["-B", "build", ...LLAMA_CPP_CMAKE_FLAGS], {
    cwd: source.dir,
    env,
    what: "configuring llama.cpp (cmake)",
    onLine: (line) => {
      if (line.startsWith("-- ")) onProgress?.({ phase: "configure", message: line.slice(3) });
    },
  });
  const jobs = availableParallelism();
  onProgress?.({ phase: "build", percent: 0, message: `building ${LLAMA_SERVER_BINARY} with ${jobs} jobs` });
  await runTool("cmake", ["--build", "build", "--target", LLAMA_SERVER_BINARY, `-j${jobs}`], {
    cwd: source.dir,
    env,
    what: `building ${LLAMA_SERVER_BINARY}`,
    onLine: (line) => {
      const progress = parseCmakeProgress(line);
      if (progress) onProgress?.({ phase: "build", percent: progress.percent, message: progress.label });
    },
  });
  return join(source.dir, "build");
}

/**
 * Returns the cached `llama-server` for the pinned release, building it first when absent
 * (or always, with `force`: cmake re-runs in the existing build folder, then the result is reinstalled).
 */
export async function ensureLlamaServer(
  options: { force?: boolean; onProgress?: ProgressListener; env?: NodeJS.ProcessEnv } = {},
): Promise<LlamaServerInstall> {
  const { force = false, onProgress } = options;
  const env = options.env ?? process.env;
  if (!force) {
    const cached = await llamaServerInfo(env);
    if (cached) return cached;
  }
  await mkdir(llamaCppCacheDir(env), { recursive: true });
  return withFileLock(
    buildLockPath(env),
    async () => {
      if (!force) {
        // Another process may have finished the build while we waited for the lock.
        const cached = await llamaServerInfo(env);
        if (cached) return cached;
      }
      await assertBuildTools(LLAMA_CPP_BUILD_TOOLS, `building ${LLAMA_SERVER_BINARY}`, env);
      const source = await ensureLlamaCppSource({ env, onProgress });
      const buildDir = await buildLlamaServer(source, env, onProgress);
      onProgress?.({ phase: "install", message: `installing ${LLAMA_SERVER_BINARY} into the cache` });
      return installLlamaServerFromBuild({ buildDir, tag: source.tag, commit: source.commit, env });
    },
    {
      guards: "a llama.cpp build",
      timeoutCode: "BUILD_FAILED",
      onWait: (owner) => onProgress?.({ phase: "wait", message: `waiting for another llama.cpp build (pid ${owner.pid})` }),
    },
  );
}
