/**
 * One request for a file on the Hugging Face Hub (`/{repo}/resolve/{revision}/{path}`), shared by
 * the data-set loader and the model downloader. `@huggingface/hub`'s `fileDownloadInfo` and
 * `downloadFile` let `fetch` follow the redirect and read the final (CDN) answer's ETag, which for
 * LFS/Xet files is not the content's sha256, and take no byte range; so this follows redirects by
 * hand, as `huggingface_hub` does:
 *
 * - The file's checksum and size come from the Hub's own answer (`X-Linked-Etag` / `X-Linked-Size`
 *   on the 302 to the CDN for LFS and Xet files; `ETag` on a 200 for plain git files), never from
 *   the CDN, whose ETag is another hash.
 * - `Authorization: Bearer <token>` goes to the Hub's host only, never to the signed CDN URL.
 * - A 4xx from the Hub is a `HubRefusal` (status, `X-Error-Code`, `X-Error-Message`) for the caller
 *   to word; a broken connection, a timeout, a 5xx, 408 or 429 is a `RetryableError`.
 */
import { KittError } from "../../errors.js";
import type { HubSettings } from "./hub-settings.js";

/** A failure worth another try: the connection broke, the server had a bad moment, the bytes did not verify. */
export class RetryableError extends Error {}

/** The Hub said no (4xx): its status and the `X-Error-Code` / `X-Error-Message` it sent. */
export class HubRefusal extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string | undefined,
    readonly errorMessage: string | undefined,
    /** False when the refusal came from the CDN a redirect led to. */
    readonly onHub: boolean,
  ) {
    super(`${status}${serverSays(errorCode, errorMessage)}`);
  }

  /** ` GatedRepo: Access to ...`, or nothing when the Hub gave no reason. */
  get says(): string {
    return serverSays(this.errorCode, this.errorMessage);
  }
}

export type RefusalKind =
  | "gated-login"
  | "gated-not-granted"
  | "token-refused"
  | "login-needed"
  | "forbidden"
  | "no-revision"
  | "no-entry"
  | "no-repo"
  | "not-found"
  | "other";

/** What a refusal means, by status and `X-Error-Code` (the codes `huggingface_hub` reads). */
export function refusalKind(refusal: HubRefusal, sentToken: boolean): RefusalKind {
  const gated = refusal.errorCode === "GatedRepo";
  switch (refusal.status) {
    case 401:
      if (gated) return "gated-login";
      return sentToken ? "token-refused" : "login-needed";
    case 403:
      return gated ? "gated-not-granted" : "forbidden";
    case 404:
      if (refusal.errorCode === "RevisionNotFound") return "no-revision";
      if (refusal.errorCode === "EntryNotFound") return "no-entry";
      if (refusal.errorCode === "RepoNotFound") return "no-repo";
      return "not-found";
    default:
      return "other";
  }
}

export function howToSetToken(endpoint: string): string {
  return `create a read token at ${endpoint}/settings/tokens and set HF_TOKEN to it (or save it with \`hf auth login\`)`;
}

export interface HubFileMeta {
  /** sha256 (64 hex) for LFS/Xet files, git blob sha1 (40 hex) for plain git files. */
  etag?: string;
  size?: number;
  /** `X-Repo-Commit`: the commit the revision resolved to. */
  commit?: string;
}

export interface HubFileRequest {
  /** The file's resolve URL on the Hub. */
  url: string;
  method: "GET" | "HEAD";
  /** `Range` header value, e.g. `bytes=100-` or `bytes=0-99`. */
  range?: string;
  settings: HubSettings;
  signal?: AbortSignal;
  /** How long each hop may take to answer with headers (default 60 s). */
  headersTimeoutMs?: number;
}

export interface HubFileAnswer {
  response: Response;
  meta: HubFileMeta;
}

const MAX_REDIRECTS = 10;

export function hubResolveUrl(endpoint: string, ref: { type: "model" | "dataset"; repo: string; revision: string; path: string }): string {
  const path = ref.path.split("/").map(encodeURIComponent).join("/");
  const prefix = ref.type === "dataset" ? "datasets/" : "";
  return `${endpoint}/${prefix}${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${path}`;
}

/**
 * Sends the request, following redirects by hand. Headers of Hub responses (the endpoint's
 * origin) give the metadata: the first `X-Linked-Etag` wins; a plain 200 or 206 gives `ETag`.
 * A HEAD stops, as `huggingface_hub` does, at the redirect that leaves the Hub.
 */
export async function requestHubFile(request: HubFileRequest): Promise<HubFileAnswer> {
  const { settings, method, signal } = request;
  const hubOrigin = new URL(settings.endpoint).origin;
  const controller = new AbortController();
  const combined = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
  const meta: HubFileMeta = {};
  let url = request.url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const onHub = new URL(url).origin === hubOrigin;
    const headers: Record<string, string> = { "Accept-Encoding": "identity", "User-Agent": "kitt" };
    if (request.range) headers.Range = request.range;
    if (onHub && settings.token) headers.Authorization = `Bearer ${settings.token}`;
    const timeoutMs = request.headersTimeoutMs ?? 60_000;
    const timer = setTimeout(() => controller.abort(new RetryableError(`${new URL(url).host} did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, redirect: "manual", signal: combined });
    } catch (error) {
      if (signal?.aborted) throw error;
      if (controller.signal.reason instanceof RetryableError) throw controller.signal.reason;
      throw new RetryableError(`cannot reach ${new URL(url).origin} (${describeCause(error)})`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    const redirect = response.status >= 300 && response.status < 400 && response.headers.has("location");
    if (onHub) readMeta(response, redirect, meta);
    if (redirect) {
      const next = new URL(response.headers.get("location")!, url).toString();
      if (method === "HEAD" && meta.etag !== undefined && new URL(next).origin !== hubOrigin) return { response, meta };
      await discard(response);
      url = next;
      continue;
    }
    if (response.status >= 400 && response.status !== 416) {
      await discard(response);
      const errorCode = response.headers.get("x-error-code") ?? undefined;
      const errorMessage = response.headers.get("x-error-message") ?? undefined;
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        throw new RetryableError(`${new URL(url).host} answered ${response.status}${serverSays(errorCode, errorMessage)}`);
      }
      throw new HubRefusal(response.status, errorCode, errorMessage, onHub);
    }
    return { response, meta };
  }
  throw new KittError("DOWNLOAD_FAILED", `more than ${MAX_REDIRECTS} redirects from ${settings.endpoint} for ${request.url}`);
}

function readMeta(response: Response, redirect: boolean, meta: HubFileMeta): void {
  meta.commit ??= response.headers.get("x-repo-commit") ?? undefined;
  if (meta.etag !== undefined) return;
  const linked = response.headers.get("x-linked-etag");
  if (linked) {
    meta.etag = normalizeEtag(linked);
    meta.size = toSize(response.headers.get("x-linked-size"));
  } else if (!redirect && response.ok && response.headers.get("etag")) {
    meta.etag = normalizeEtag(response.headers.get("etag")!);
    meta.size = response.status === 200 ? contentLength(response) : parseContentRange(response.headers.get("content-range"))?.total;
  }
}

/** The response's body, chunk by chunk; stopping early ends the request. */
export async function* bodyOf(response: Response): AsyncGenerator<Uint8Array> {
  const reader = response.body?.getReader();
  if (reader === undefined) return;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

export function serverSays(code: string | undefined | null, message: string | undefined | null): string {
  if (!code && !message) return "";
  return ` ${[code, message].filter(Boolean).join(": ")}`;
}

export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to release.
  }
}

export function normalizeEtag(value: string): string {
  return value.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
}

function toSize(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

export function contentLength(response: Response): number | undefined {
  return toSize(response.headers.get("content-length"));
}

export function parseContentRange(value: string | null): { start: number; end: number; total?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? "");
  if (match === null) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), ...(match[3] === "*" ? {} : { total: Number(match[3]) }) };
}

export function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
