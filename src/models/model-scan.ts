/**
 * Lists the models in a model directory: GGUF files (facts from their headers) and model
 * folders (safetensors, PyTorch, GPTQ, AWQ, EXL2, MLX: facts from `config.json` and the weights'
 * headers), each by its path relative to the directory. Formats are decided by the preflight's
 * own rules. Nothing outside the directory is read: symlinks are resolved and must land inside
 * it. Whatever cannot be used (a looping, broken or escaping symlink, an unreadable folder, a
 * `.gguf` that is not GGUF) is listed with its problem, so one bad file never hides the others;
 * depth and the number of directory entries read are bounded.
 */
import { lstat, opendir, readFile, realpath, stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join } from "node:path";
import { describeError } from "../errors.js";
import { isObject } from "../json.js";
import { classifyModelFolder, isGgufName, isWeightFile, WEIGHT_FILES, type ModelFormat } from "../preflight/model-format.js";
import { readGgufHeader } from "./gguf.js";
import { ggufFacts } from "./gguf-facts.js";
import { hfConfigFacts } from "./hf-config-facts.js";
import type { ModelFacts } from "./model-facts.js";
import { isInside, modelDirRoot, relativeModelPath } from "./model-paths.js";
import { safetensorsParameterCount } from "./safetensors-header.js";

export interface ScannedModel {
  /** Relative to the model directory, `/`-separated; `.` when the directory itself is a model folder. */
  path: string;
  /** Undefined when `problem` is set. */
  format?: ModelFormat;
  /** A GGUF file's size; a folder's weight files together. */
  sizeBytes?: number;
  facts: ModelFacts;
  /** Why this cannot be used; such an entry has no format. */
  problem?: string;
}

export interface ModelScan {
  /** The model directory's real path. */
  dir: string;
  models: ScannedModel[];
  /** What was left out (limits reached). */
  notes: string[];
}

export interface ScanLimits {
  /** Folder levels below the model directory that are read. */
  maxDepth: number;
  /** Directory entries read in all, across every folder. */
  maxEntries: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { maxDepth: 6, maxEntries: 10_000 };

/** Far above any real `config.json`; a bigger one is not read. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** One directory entry, resolved: its real path and stats, or why it cannot be used. */
interface Item {
  name: string;
  /** Path relative to the model directory, through the names walked (not the symlinks' targets). */
  path: string;
  symlink: boolean;
  real?: string;
  stats?: Stats;
  problem?: string;
}

export async function scanModelDir(dir: string, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Promise<ModelScan> {
  const root = await modelDirRoot(dir);
  const scan = new Scan(root, limits);
  await scan.folder(root, "", 0);
  return { dir: root, models: scan.models, notes: scan.notes() };
}

class Scan {
  readonly models: ScannedModel[] = [];
  readonly #visited = new Set<string>();
  #budget: number;
  #stoppedAtEntries = false;
  #stoppedAtDepth = false;

  constructor(
    private readonly root: string,
    private readonly limits: ScanLimits,
  ) {
    this.#budget = limits.maxEntries;
  }

  notes(): string[] {
    const notes: string[] = [];
    if (this.#stoppedAtEntries) notes.push(`stopped after reading ${this.limits.maxEntries} directory entries: the rest of the model directory is not listed`);
    if (this.#stoppedAtDepth) notes.push(`folders more than ${this.limits.maxDepth} levels below the model directory are not listed`);
    return notes;
  }

  #problem(path: string, problem: string): void {
    this.models.push({ path, facts: {}, problem });
  }

  async folder(real: string, path: string, depth: number): Promise<void> {
    this.#visited.add(real);
    const shown = path || ".";
    let names: string[];
    try {
      names = await this.#read(real);
    } catch (error) {
      this.#problem(shown, `cannot read the folder (${errorCode(error)})`);
      return;
    }
    const items = await Promise.all(names.map((name) => this.#resolve(real, name, path ? `${path}/${name}` : name)));
    const files = items.filter((item) => item.stats?.isFile());
    const configItem = files.find((item) => item.name === "config.json");
    const config = configItem && (await readConfig(configItem));
    const format = classifyModelFolder(files.map((item) => item.name), config);
    if (format !== undefined && format !== "gguf") {
      this.models.push(await folderModel(shown, format, files, config));
      // What the folder's entry left out, and why (a config.json linked from outside, say).
      for (const item of items) if (item.problem !== undefined) this.#problem(item.path, item.problem);
      return;
    }
    if (configItem && format === undefined) this.#problem(shown, `config.json but no model weights (looked for ${WEIGHT_FILES})`);
    for (const item of items) {
      if (item.problem !== undefined) this.#problem(item.path, item.problem);
      else if (item.stats?.isDirectory()) await this.#subfolder(item, depth + 1);
      else if (isGgufName(item.name)) this.models.push(await this.#gguf(item));
    }
  }

  /** The folder's entry names, sorted, as many as the budget allows (read lazily: a huge folder is not read whole). */
  async #read(real: string): Promise<string[]> {
    const names: string[] = [];
    const handle = await opendir(real);
    try {
      for await (const entry of handle) {
        if (this.#budget <= 0) {
          this.#stoppedAtEntries = true;
          break;
        }
        this.#budget--;
        names.push(entry.name);
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
    return names.sort();
  }

  async #resolve(dirReal: string, name: string, path: string): Promise<Item> {
    const at = join(dirReal, name);
    let info: Stats;
    try {
      info = await lstat(at);
    } catch (error) {
      return { name, path, symlink: false, problem: `cannot read (${errorCode(error)})` };
    }
    if (!info.isSymbolicLink()) return { name, path, symlink: false, real: at, stats: info };
    let real: string;
    try {
      real = await realpath(at);
    } catch (error) {
      const code = errorCode(error);
      const problem = code === "ELOOP" ? "symlink loop" : code === "ENOENT" ? "broken symlink" : `cannot follow the symlink (${code})`;
      return { name, path, symlink: true, problem };
    }
    if (!isInside(this.root, real)) return { name, path, symlink: true, problem: "symlink leads outside the model directory (not followed)" };
    try {
      return { name, path, symlink: true, real, stats: await stat(real) };
    } catch (error) {
      return { name, path, symlink: true, problem: `cannot read (${errorCode(error)})` };
    }
  }

  async #subfolder(item: Item, depth: number): Promise<void> {
    const real = item.real as string;
    if (this.#visited.has(real)) {
      // A real folder reached again is one a symlink already led to: listed once is enough.
      if (item.symlink) this.#problem(item.path, `symlink to a folder listed already (${relativeModelPath(this.root, real)})`);
      return;
    }
    if (depth > this.limits.maxDepth) {
      this.#stoppedAtDepth = true;
      return;
    }
    await this.folder(real, item.path, depth);
  }

  async #gguf(item: Item): Promise<ScannedModel> {
    const { path, stats } = item;
    const real = item.real as string;
    if (!stats?.isFile()) return { path, facts: {}, problem: "not a regular file" };
    try {
      const header = await readGgufHeader(real);
      return { path, format: "gguf", sizeBytes: stats.size, facts: ggufFacts(header) };
    } catch (error) {
      // Messages name the file by its real path; the catalog names it by its path in the directory.
      return { path, sizeBytes: stats.size, facts: {}, problem: describeError(error).replaceAll(real, path) };
    }
  }
}

async function folderModel(path: string, format: ModelFormat, files: Item[], config: Record<string, unknown> | undefined): Promise<ScannedModel> {
  const weights = files.filter((item) => isWeightFile(item.name));
  const facts: ModelFacts = config ? hfConfigFacts(config) : {};
  const shards = weights.filter((item) => item.name.endsWith(".safetensors"));
  if (shards.length > 0) {
    const counts = await Promise.all(shards.map((item) => safetensorsParameterCount(item.real as string)));
    if (counts.every((count) => count !== undefined)) facts.parameters = counts.reduce((sum, count) => sum + count, 0);
  }
  return { path, format, sizeBytes: weights.reduce((sum, item) => sum + (item.stats?.size ?? 0), 0), facts };
}

async function readConfig(item: Item): Promise<Record<string, unknown> | undefined> {
  if ((item.stats?.size ?? 0) > MAX_CONFIG_BYTES) return undefined;
  try {
    const parsed = JSON.parse(await readFile(item.real as string, "utf8")) as unknown;
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : describeError(error);
}
