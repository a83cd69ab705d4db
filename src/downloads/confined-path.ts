/**
 * A destination a request names, kept under a root folder: `dest` is taken relative to `root`
 * and refused (`UNSAFE_PATH`) when it would land outside it, through `..`, an absolute path or a
 * symbolic link on the way, or when it is the root itself.
 */
import { mkdir, realpath } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { KittError } from "../errors.js";
import { isInside } from "../models/model-paths.js";

export async function confinedPath(root: string, dest: string): Promise<string> {
  await mkdir(root, { recursive: true });
  const realRoot = await realpath(root);
  const refuse = (why: string): KittError => new KittError("UNSAFE_PATH", `dest ${JSON.stringify(dest)} ${why}; it must be a folder under the models root`);
  if (dest.includes("\0")) throw refuse("contains a NUL byte");
  const target = resolve(realRoot, dest);
  if (!inside(realRoot, target)) throw refuse(target === realRoot ? "is the models root itself" : "leads outside the models root");
  // The deepest part that exists already decides where the path really goes (a link may point anywhere).
  let existing = target;
  for (;;) {
    const real = await realpath(existing).catch(() => undefined);
    if (real !== undefined) {
      const atRoot = real === realRoot && existing !== target;
      if (!atRoot && !inside(realRoot, real)) throw refuse("leads outside the models root through a symbolic link");
      break;
    }
    existing = dirname(existing);
  }
  return target;
}

/** Under `root`, and not `root` itself. */
function inside(root: string, path: string): boolean {
  return path !== root && isInside(root, path);
}
