/**
 * Local Docker images that need no base image and no registry: `FROM scratch` with a root
 * filesystem kitt assembles itself — the program's files, plus every system library `ldd`
 * lists for its binary (and the loader) at the path where `ldd` found it.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { KittError } from "../errors.js";
import { docker } from "../runtime/docker-cli.js";
import { runTool } from "./run-tool.js";

// Not `kitt.managed`: containers inherit image labels, and that one marks containers kitt must clean up.
export const IMAGE_LABEL = "kitt.image";

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

/** System libraries `binary` loads, except those named in `own` (shipped beside it). */
export async function systemLibraries(binary: string, options: { env?: NodeJS.ProcessEnv; own?: readonly string[] } = {}): Promise<string[]> {
  const output = await runTool("ldd", [binary], { env: options.env ?? process.env, what: `listing the libraries of ${binary} (ldd)` });
  const entries = parseLddOutput(output);
  const missing = entries.filter((entry) => entry.missing).map((entry) => entry.name);
  if (missing.length > 0) {
    throw new KittError("BUILD_FAILED", `${binary} needs libraries that are not found: ${missing.join(", ")}`);
  }
  const own = new Set(options.own ?? []);
  return entries.flatMap((entry) => (entry.path && !own.has(entry.name) ? [entry.path] : []));
}

/** Labels of a local image, or undefined when there is no such image. */
export async function imageLabels(tag: string): Promise<Record<string, string> | undefined> {
  const result = await docker(["image", "inspect", "--format", "{{json .Config.Labels}}", tag]);
  if (result.exitCode !== 0) return undefined;
  return (JSON.parse(result.stdout) as Record<string, string> | null) ?? {};
}

/**
 * Builds `tag` from a Dockerfile whose first lines are `FROM scratch` and `COPY rootfs/ /`:
 * `fill(rootfs)` puts the program's files in place, `libraries` are copied to their own paths.
 */
export async function buildScratchImage(options: {
  tag: string;
  libraries: readonly string[];
  fill(rootfs: string): Promise<void>;
  /** Lines after `COPY rootfs/ /`: ENV, LABEL, ENTRYPOINT… */
  dockerfile: readonly string[];
}): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), "kitt-image-"));
  try {
    const rootfs = join(context, "rootfs");
    await mkdir(rootfs);
    await options.fill(rootfs);
    for (const library of options.libraries) {
      // copyFile follows symlinks, so the soname path gets the real library's bytes.
      await mkdir(join(rootfs, dirname(library)), { recursive: true });
      await copyFile(library, join(rootfs, library));
    }
    await writeFile(join(context, "Dockerfile"), ["FROM scratch", "COPY rootfs/ /", ...options.dockerfile, ""].join("\n"));
    const result = await docker(["build", "--tag", options.tag, context], { timeoutMs: 10 * 60_000 });
    if (result.exitCode !== 0) {
      const lines = result.stderr.trim().split("\n");
      throw new KittError("BUILD_FAILED", `docker build of ${options.tag} failed: ${lines.at(-1) ?? "no output"}`, { details: lines.slice(-20) });
    }
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
