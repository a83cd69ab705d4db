/**
 * The Hub's JSON API through `@huggingface/hub`: resolving a revision to its commit (`modelInfo`
 * with `sha`) and listing a repository's files at that commit (`listFiles`, which follows the
 * `Link` header's pages). kitt hands the library a `fetch` that adds a timeout and the caller's
 * abort signal and turns a refusal into a `HubRefusal` while the Hub's `X-Error-Code` is still at
 * hand (the library's `HubApiError` keeps the status and body, not the headers).
 */
import { listFiles, modelInfo, type ListFileEntry } from "@huggingface/hub";
import { KittError } from "../../errors.js";
import { discard, describeCause, HubRefusal, RetryableError, serverSays } from "./hub-request.js";
import type { HubSettings } from "./hub-settings.js";

export interface HubModelInfo {
  /** The commit the revision points at. */
  commit: string;
  gated: false | "auto" | "manual";
  private: boolean;
}

export async function hubModelInfo(repo: string, revision: string, settings: HubSettings, signal: AbortSignal): Promise<HubModelInfo> {
  const info = await modelInfo({ name: repo, revision, additionalFields: ["sha"], ...libraryOptions(settings, signal) });
  if (typeof info.sha !== "string" || !/^[0-9a-f]{40}$/.test(info.sha)) {
    throw new KittError("DOWNLOAD_FAILED", `${settings.endpoint} gave no commit for ${repo} at ${revision}; is HF_ENDPOINT a Hugging Face Hub?`);
  }
  return { commit: info.sha, gated: info.gated ?? false, private: info.private ?? false };
}

/** Every file (not folder) of the repository at the commit, in the Hub's order. */
export async function hubModelFiles(repo: string, commit: string, settings: HubSettings, signal: AbortSignal): Promise<ListFileEntry[]> {
  const files: ListFileEntry[] = [];
  for await (const entry of listFiles({ repo: { type: "model", name: repo }, revision: commit, recursive: true, ...libraryOptions(settings, signal) })) {
    if (entry.type === "file") files.push(entry);
  }
  return files;
}

function libraryOptions(settings: HubSettings, signal: AbortSignal): { hubUrl: string; fetch: typeof fetch; accessToken?: string } {
  if (settings.token !== undefined && !settings.token.startsWith("hf_")) {
    throw new KittError(
      "DOWNLOAD_AUTH_FAILED",
      `the token from ${settings.tokenSource ?? "HF_TOKEN"} is not a Hugging Face access token (those start with hf_): create a read token at ${settings.endpoint}/settings/tokens`,
    );
  }
  return { hubUrl: settings.endpoint, fetch: apiFetch(signal), ...(settings.token === undefined ? {} : { accessToken: settings.token }) };
}

function apiFetch(signal: AbortSignal, timeoutMs = 60_000): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal: AbortSignal.any([signal, timeout]) });
    } catch (error) {
      if (signal.aborted) throw error;
      if (timeout.aborted) throw new RetryableError(`${url.host} did not answer within ${timeoutMs / 1000} s`, { cause: error });
      throw new RetryableError(`cannot reach ${url.origin} (${describeCause(error)})`, { cause: error });
    }
    if (response.ok) return response;
    await discard(response);
    const errorCode = response.headers.get("x-error-code") ?? undefined;
    const errorMessage = response.headers.get("x-error-message") ?? undefined;
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw new RetryableError(`${url.host} answered ${response.status}${serverSays(errorCode, errorMessage)}`);
    }
    throw new HubRefusal(response.status, errorCode, errorMessage, true);
  };
}
