/**
 * Where a model comes from, as a person writes it: `s3://bucket/prefix`, `obs://bucket/prefix`,
 * `pvc://path` (a mounted volume), `hf://org/repo` or a bare `org/repo` (the Hugging Face Hub),
 * or a local path (absolute, `./`, `../`, `~/` or `file://`).
 */
import { homedir } from "node:os";
import { KittError } from "../errors.js";

export type SourceScheme = "s3" | "obs" | "pvc" | "hf" | "file";

export interface ModelUri {
  scheme: SourceScheme;
  /** What follows `scheme://`; for a local path, the absolute path; for a bare repo id, the id. */
  location: string;
}

const SCHEMES = new Set<string>(["s3", "obs", "pvc", "hf", "file"]);
/** `org/repo`, optionally `@revision` (a branch, tag or commit; branch names may hold `/`). */
const HUB_REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+(?:@[\w./-]+)?$/u;

export function parseModelUri(uri: string): ModelUri {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//iu.exec(uri)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!SCHEMES.has(scheme)) throw usage(uri, `unknown scheme "${scheme}://"`);
    const location = uri.slice(scheme.length + 3);
    if (location === "") throw usage(uri, "nothing follows the scheme");
    return { scheme: scheme as SourceScheme, location };
  }
  if (uri.startsWith("/") || uri.startsWith("./") || uri.startsWith("../") || uri === "." || uri === "..") return { scheme: "file", location: uri };
  if (uri === "~" || uri.startsWith("~/")) return { scheme: "file", location: homedir() + uri.slice(1) };
  if (HUB_REPO_ID.test(uri)) return { scheme: "hf", location: uri };
  throw usage(uri, "not a URI kitt knows; write s3://, obs://, pvc://, hf:// or org/repo, or a local path starting with /, ./ or ~/");
}

function usage(uri: string, problem: string): KittError {
  return new KittError("USAGE", `cannot download "${uri}": ${problem}`);
}
