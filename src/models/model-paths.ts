/**
 * Paths inside the model directory, and nowhere else: a reference is taken relative to the
 * directory, `..` and absolute paths are refused, and symlinks are resolved and must land
 * inside the directory's own real path.
 */
import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { KittError } from "../errors.js";

/** The model directory's real path; a missing directory is MODEL_NOT_FOUND. */
export async function modelDirRoot(dir: string): Promise<string> {
  const root = await realpath(dir).catch((error: NodeJS.ErrnoException) => {
    throw new KittError("MODEL_NOT_FOUND", `model directory not found: ${dir} (${error.code ?? error.message})`);
  });
  if (!(await stat(root)).isDirectory()) throw new KittError("MODEL_NOT_FOUND", `model directory is not a directory: ${dir}`);
  return root;
}

/** Whether `real` (a real path) is `root` or lies under it. */
export function isInside(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** `real` relative to `root`, with `/` separators; `.` for the root itself. */
export function relativeModelPath(root: string, real: string): string {
  return relative(root, real).split(sep).join("/") || ".";
}

export interface ResolvedModelReference {
  /** The real path of the model file or folder, inside the model directory. */
  path: string;
  /** Its path relative to the model directory, as the catalog lists it. */
  relative: string;
}

/**
 * A model someone picked (a path relative to the model directory, as the catalog lists it),
 * resolved safely: anything that is not a plain relative path, or that leads outside the
 * directory (through `..` or a symlink), is a USAGE error; a path that does not exist is
 * MODEL_NOT_FOUND.
 */
export async function resolveModelReference(dir: string, reference: string): Promise<ResolvedModelReference> {
  const root = await modelDirRoot(dir);
  if (reference === "" || reference.includes("\0")) throw new KittError("USAGE", "a model reference must be a path inside the model directory");
  if (isAbsolute(reference) || reference.split(/[\\/]/).includes("..")) {
    throw new KittError("USAGE", `model reference '${reference}' must be a path inside the model directory, without '..'`);
  }
  const real = await realpath(resolve(root, reference)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ELOOP") throw new KittError("USAGE", `model reference '${reference}' is a symlink loop`);
    throw new KittError("MODEL_NOT_FOUND", `no model '${reference}' in the model directory (${error.code ?? error.message})`);
  });
  if (!isInside(root, real)) throw new KittError("USAGE", `model reference '${reference}' leads outside the model directory`);
  return { path: real, relative: relativeModelPath(root, real) };
}
