/**
 * Which Hub model a download names: the location after `hf://` (or a bare `org/repo`), that is
 * `org/repo` or `org/repo@revision`. The revision is the first of: the one asked for explicitly
 * (`--revision`), the one after `@`, `HF_REVISION`, `main`.
 */
import { KittError } from "../../errors.js";

export interface HubModelRef {
  /** `org/name`, or a legacy `name` without an owner. */
  repo: string;
  revision: string;
}

const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

export function parseHubLocation(location: string, options: { revision?: string; env: NodeJS.ProcessEnv }): HubModelRef {
  const at = location.indexOf("@");
  const repo = at === -1 ? location : location.slice(0, at);
  const fromUri = at === -1 ? undefined : location.slice(at + 1);
  if (!REPO_ID.test(repo) || repo.split("/").some((part) => /^\.+$/.test(part)) || fromUri === "") {
    throw new KittError("USAGE", `"${location}" is not a Hugging Face model: write hf://org/name, hf://org/name@revision or org/name`);
  }
  const revision = [options.revision, fromUri, options.env.HF_REVISION].map((value) => value?.trim()).find((value) => value) ?? "main";
  if (/[\s\\]/.test(revision) || revision.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new KittError("USAGE", `"${revision}" is not a usable revision for ${repo}: give a branch, a tag or a commit sha`);
  }
  return { repo, revision };
}
