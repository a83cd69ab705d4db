/**
 * Packages the cached `llama-server` build as a local Docker image, for machines that cannot
 * pull the published one. The image is `FROM scratch`: the binary and its libraries in /app,
 * plus every system library `ldd` lists (and the loader) at the path `ldd` found it, so the
 * image needs no base image and no registry. Reused while its release label matches the build.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { KittError } from "../errors.js";
import { assertDockerDaemon, docker } from "../runtime/docker-cli.js";
import { copyEntry } from "./copy-entry.js";
import { LLAMA_SERVER_BINARY, ensureLlamaServer, llamaServerEnv, type LlamaServerInstall } from "./llama-cpp-build.js";
import type { ProgressListener } from "./progress.js";
import { runTool } from "./run-tool.js";

export const LLAMA_CPP_IMAGE = "kitt/llama-cpp:cpu";
// Not `kitt.managed`: containers inherit image labels, and that one marks containers kitt must clean up.
export const IMAGE_LABEL = "kitt.image";
export const RELEASE_LABEL = "kitt.llama.release";
export const COMMIT_LABEL = "kitt.llama.commit";

/** Where the binary and its own libraries live inside the image. */
const APP_DIR = "/app";

export interface LlamaCppImage {
  /** The image reference, e.g. `kitt/llama-cpp:cpu`. */
  tag: string;
  release: string;
  commit: string;
  /** True when an image of the same release already existed and nothing was built. */
  reused: boolean;
}

export interface LddEntry {
  name: string;
  /** Where the library resolved; undefined for "not found" (and the vDSO, which has no file). */
  path?: string;
  missing: boolean;
}

/** Parses `ldd` output: `libc.so.6 => /lib/…/libc.so.6 (0x…)`, `/lib64/ld-linux-x86-64.so.2 (0x…)`, `libx.so => not found`. */
export function parseLddOutput(output: string): LddEntry[] {
  const entries: LddEntry[] = [];
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(line);
    if (arrow?.[1] && arrow[2] !== undefined) {
      const target = arrow[2].replace(/\s*\(0x[0-9a-f]+\)$/i, "").trim();
      if (target === "not found") entries.push({ name: arrow[1], missing: true });
      else entries.push({ name: arrow[1], path: target, missing: false });
      continue;
    }
    const direct = /^(\S+)\s+\(0x[0-9a-f]+\)$/i.exec(line);
    if (direct?.[1]) {
      const path = direct[1].startsWith("/") ? direct[1] : undefined; // linux-vdso.so.1 has no file
      entries.push({ name: path ? path.slice(path.lastIndexOf("/") + 1) : direct[1], path, missing: false });
    }
  }
  return entries;
}

export function renderLlamaCppDockerfile(install: Pick<LlamaServerInstall, "tag" | "commit">): string {
  return [
    "FROM scratch",
    "COPY rootfs/ /",
    `ENV LD_LIBRARY_PATH=${APP_DIR}`,
    `LABEL ${IMAGE_LABEL}="true" ${RELEASE_LABEL}="${install.tag}" ${COMMIT_LABEL}="${install.commit}"`,
    `ENTRYPOINT ["${APP_DIR}/${LLAMA_SERVER_BINARY}"]`,
    "",
  ].join("\n");
}

/** System libraries the binary loads (everything `ldd` resolves outside the install itself). */
async function systemLibraries(install: LlamaServerInstall, env: NodeJS.ProcessEnv): Promise<string[]> {
  const output = await runTool("ldd", [install.binary], {
    env: llamaServerEnv(install, env),
    what: `listing the libraries of ${install.binary} (ldd)`,
  });
  const entries = parseLddOutput(output);
  const missing = entries.filter((entry) => entry.missing).map((entry) => entry.name);
  if (missing.length > 0) {
    throw new KittError("BUILD_FAILED", `${install.binary} needs libraries that are not found: ${missing.join(", ")}`);
  }
  const own = new Set(install.files);
  return entries.flatMap((entry) => (entry.path && !own.has(entry.name) ? [entry.path] : []));
}

async function imageLabels(tag: string): Promise<Record<string, string> | undefined> {
  const result = await docker(["image", "inspect", "--format", "{{json .Config.Labels}}", tag]);
  if (result.exitCode !== 0) return undefined;
  return (JSON.parse(result.stdout) as Record<string, string> | null) ?? {};
}

async function buildImage(install: LlamaServerInstall, tag: string, env: NodeJS.ProcessEnv): Promise<void> {
  const libraries = await systemLibraries(install, env);
  const context = await mkdtemp(join(tmpdir(), "kitt-llama-image-"));
  try {
    const rootfs = join(context, "rootfs");
    await mkdir(join(rootfs, APP_DIR), { recursive: true });
    for (const file of install.files) await copyEntry(join(install.libDir, file), join(rootfs, APP_DIR, file));
    for (const library of libraries) {
      // copyFile follows symlinks, so the soname path gets the real library's bytes.
      await mkdir(join(rootfs, dirname(library)), { recursive: true });
      await copyFile(library, join(rootfs, library));
    }
    await writeFile(join(context, "Dockerfile"), renderLlamaCppDockerfile(install));
    const result = await docker(["build", "--tag", tag, context], { timeoutMs: 10 * 60_000 });
    if (result.exitCode !== 0) {
      const lines = result.stderr.trim().split("\n");
      throw new KittError("BUILD_FAILED", `docker build of ${tag} failed: ${lines.at(-1) ?? "no output"}`, { details: lines.slice(-20) });
    }
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/**
 * Returns the local llama.cpp image, building `llama-server` and then the image when needed.
 * Fails with DOCKER_UNAVAILABLE when no daemon answers.
 */
export async function ensureLlamaCppImage(
  options: { force?: boolean; tag?: string; onProgress?: ProgressListener; env?: NodeJS.ProcessEnv } = {},
): Promise<LlamaCppImage> {
  const { force = false, tag = LLAMA_CPP_IMAGE, onProgress } = options;
  const env = options.env ?? process.env;
  await assertDockerDaemon();
  const install = await ensureLlamaServer({ env, onProgress });
  const image = { tag, release: install.tag, commit: install.commit };
  const labels = await imageLabels(tag);
  // An image from an older kitt (without IMAGE_LABEL) is rebuilt: its labels may differ.
  if (!force && labels?.[RELEASE_LABEL] === install.tag && labels[IMAGE_LABEL] === "true") return { ...image, reused: true };
  onProgress?.({ phase: "package", message: `building Docker image ${tag}` });
  await buildImage(install, tag, env);
  return { ...image, reused: false };
}
