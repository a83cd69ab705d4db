/**
 * Which Hub model a download URI names: `hf://org/repo`, `hf://org/repo@revision`, or the bare
 * `org/repo` (as `huggingface_hub` and Kthena take it). The revision is the first of: the one
 * asked for explicitly (`--revision`), the one after `@`, `HF_REVISION`, `main`.
 */
import { KittError } from "../../errors.js";

export interface HubModelRef {
  /** `org/name` (or a legacy `name` without an owner, with `hf://` only). */
  repo: string;
  revision: string;
}

const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;
const BARE_REPO_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*(?:@[^\s@]+)?$/;

/** A bare `org/repo` (or `org/repo@rev`): what kitt reads as a Hub model rather than a relative path. */
export function isBareHubRepo(uri: string): boolean {
  return BARE_REPO_ID.test(uri) && !uri.split("@")[0]!.split("/").some((part) => part === "." || part === "..");
}

export function parseHubUri(uri: string, options: { revision?: string; env?: NodeJS.ProcessEnv } = {}): HubModelRef {
  const rest = uri.startsWith("hf://") ? uri.slice("hf://".length) : uri;
  const at = rest.indexOf("@");
  const repo = at === -1 ? rest : rest.slice(0, at);
  const fromUri = at === -1 ? undefined : rest.slice(at + 1);
  if (!REPO_ID.test(repo) || repo.split("/").some((part) => /^\.+$/.test(part)) || (!uri.startsWith("hf://") && !repo.includes("/"))) {
    throw new KittError("USAGE", `"${uri}" is not a Hugging Face model: write hf://org/name, hf://org/name@revision or org/name`);
  }
  const revision = [options.revision, fromUri, options.env?.HF_REVISION].map((value) => value?.trim()).find((value) => value) ?? "main";
  if (/[\s\\]/.test(revision) || revision.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new KittError("USAGE", `"${revision}" is not a usable revision for ${repo}: give a branch, a tag or a commit sha`);
  }
  return { repo, revision };
}
