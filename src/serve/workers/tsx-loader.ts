/**
 * Threads and child processes run compiled JavaScript; when kitt itself runs from its TypeScript
 * sources (tsx, vitest) they need tsx's loader too. These find it through tsx's own package
 * exports, relative to this file rather than the working directory.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { KittError } from "../../errors.js";

/** True when `moduleUrl` (an `import.meta.url`) is a TypeScript source rather than built JavaScript. */
export function runsFromSources(moduleUrl: string): boolean {
  return moduleUrl.endsWith(".ts");
}

/** `--import` target that registers tsx in a child process's main thread. */
export function tsxLoaderUrl(): string {
  return tsxExport(".", (entry) => (typeof entry === "string" ? entry : undefined));
}

/** Module whose `register()` installs tsx in the thread that calls it (worker threads on Node 20). */
export function tsxEsmApiUrl(): string {
  return tsxExport("./esm/api", (entry) => (typeof entry === "object" ? entry.import?.default : undefined));
}

type ExportEntry = string | { import?: { default?: string } };

function tsxExport(key: string, pick: (entry: ExportEntry) => string | undefined): string {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve("tsx/package.json");
  } catch (error) {
    throw new KittError("INTERNAL", "running kitt's threads from TypeScript sources needs tsx; build kitt or install tsx", { cause: error });
  }
  const manifest = JSON.parse(readFileSync(packageJson, "utf8")) as { exports?: Record<string, ExportEntry> };
  const entry = manifest.exports?.[key];
  const path = entry === undefined ? undefined : pick(entry);
  if (path === undefined) throw new KittError("INTERNAL", `tsx at ${dirname(packageJson)} does not export "${key}"`);
  return pathToFileURL(join(dirname(packageJson), path)).href;
}
