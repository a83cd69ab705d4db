/**
 * A Hugging Face model repository as a download source. The revision is resolved to one commit
 * first, so every file comes from that commit even when the branch moves during the download.
 * Each file's checksum is the one the Hub lists: the content's sha256 for LFS and Xet files, the
 * git blob sha1 for plain git files. Reads are `Range` requests on the file's resolve URL at that
 * commit (see `hub-request.ts` for the redirects and the token rule).
 */
import type { ListFileEntry } from "@huggingface/hub";
import { KittError } from "../../errors.js";
import type { Digest, DownloadSource, RemoteFile, SourceFactory } from "../source.js";
import { parseHubLocation, type HubModelRef } from "./hf-uri.js";
import { hubModelFiles, hubModelInfo } from "./hub-api.js";
import {
  bodyOf,
  contentLength,
  discard,
  howToSetToken,
  HubRefusal,
  hubResolveUrl,
  parseContentRange,
  refusalKind,
  requestHubFile,
  RetryableError,
  type HubFileAnswer,
} from "./hub-request.js";
import { hubSettings, type HubSettings } from "./hub-settings.js";

/** `hf://org/repo[@revision]` or a bare `org/repo`, with the Hub settings from the environment. */
export const hubModelSource: SourceFactory = (location, { env, revision }) =>
  new HubModelSource(parseHubLocation(location, { env, ...(revision === undefined ? {} : { revision }) }), hubSettings(env));

class HubModelSource implements DownloadSource {
  readonly display: string;

  constructor(
    private readonly ref: HubModelRef,
    private readonly settings: HubSettings,
  ) {
    this.display = `hf://${ref.repo}@${ref.revision}`;
  }

  async list(signal: AbortSignal): Promise<RemoteFile[]> {
    const { repo, revision } = this.ref;
    if (this.settings.offline) {
      throw new KittError("NOT_FOUND", `HF_HUB_OFFLINE is set, so kitt may not ask ${this.settings.endpoint} for the files of ${this.display}: unset HF_HUB_OFFLINE to download`);
    }
    try {
      const info = await hubModelInfo(repo, revision, this.settings, signal);
      const files = (await hubModelFiles(repo, info.commit, this.settings, signal)).map((entry) => this.remoteFile(entry, info.commit));
      // A gated repository lists its files to anyone; ask for one file now so a missing or
      // refused token fails before anything is downloaded.
      if (info.gated !== false && files[0] !== undefined) await discard((await this.request(files[0], "HEAD", undefined, signal)).response);
      return files;
    } catch (error) {
      if (error instanceof HubRefusal) throw this.refused(error);
      // The listing is not retried: a failure the downloader would retry is final here, in one line.
      if (error instanceof RetryableError) {
        throw new KittError("DOWNLOAD_FAILED", `${this.display}: cannot list the files: ${error.message}; check HF_ENDPOINT and the network, then run the download again`, { cause: error });
      }
      throw error;
    }
  }

  async read(file: RemoteFile, start: number, end: number, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    if (end <= start) return (async function* () {})();
    let answer: HubFileAnswer;
    try {
      answer = await this.request(file, "GET", `bytes=${start}-${end - 1}`, signal);
    } catch (error) {
      if (error instanceof HubRefusal && !error.onHub) throw new RetryableError(`the download server answered ${error.message} for ${file.path}`);
      throw error instanceof HubRefusal ? this.refused(error, file.path) : error;
    }
    const { response, meta } = answer;
    const range = parseContentRange(response.headers.get("content-range"));
    const whole = response.status === 200 && start === 0 && contentLength(response) === end;
    if (!whole && !(response.status === 206 && range?.start === start && range.end === end - 1)) {
      await discard(response);
      throw new RetryableError(
        `asked for bytes ${start}-${end - 1} of ${file.path}, got ${response.status} ${response.headers.get("content-range") ?? "(no Content-Range)"}`,
      );
    }
    const listed = file.digest !== undefined && "hex" in file.digest ? file.digest.hex : undefined;
    if (listed !== undefined && meta.etag !== undefined && meta.etag !== listed) {
      await discard(response);
      throw new KittError("DOWNLOAD_FAILED", `the Hub's checksum for ${file.path} at ${this.display} (${meta.etag}) is not the one it listed (${listed}); try again`);
    }
    return bodyOf(response);
  }

  private request(file: RemoteFile, method: "GET" | "HEAD", range: string | undefined, signal: AbortSignal): Promise<HubFileAnswer> {
    return requestHubFile({ url: file.locator, method, settings: this.settings, signal, ...(range === undefined ? {} : { range }) });
  }

  private remoteFile(entry: ListFileEntry, commit: string): RemoteFile {
    const locator = hubResolveUrl(this.settings.endpoint, { type: "model", repo: this.ref.repo, revision: commit, path: entry.path });
    const digest = this.digestOf(entry);
    return { path: entry.path, size: entry.lfs?.size ?? entry.size, locator, ...(digest === undefined ? {} : { digest }) };
  }

  private digestOf(entry: ListFileEntry): Digest | undefined {
    const [algorithm, hex, shape] = entry.lfs
      ? (["sha256", entry.lfs.oid, /^[0-9a-f]{64}$/] as const)
      : (["git-blob-sha1", entry.oid, /^[0-9a-f]{40}$/] as const);
    if (hex === undefined) return undefined;
    if (!shape.test(hex)) {
      throw new KittError("DOWNLOAD_FAILED", `${this.settings.endpoint} listed ${entry.path} of ${this.display} with the checksum "${hex}", which is no ${algorithm}; is HF_ENDPOINT a Hugging Face Hub?`);
    }
    return { algorithm, hex };
  }

  /** The Hub's refusals, worded for a model download. */
  private refused(refusal: HubRefusal, path?: string): KittError {
    const { repo, revision } = this.ref;
    const { endpoint } = this.settings;
    const says = refusal.says;
    const token = `the token from ${this.settings.tokenSource ?? "HF_TOKEN"}`;
    switch (refusalKind(refusal, this.settings.token !== undefined)) {
      case "gated-login":
        return new KittError("DOWNLOAD_AUTH_FAILED", `${repo} is a gated model and no Hub token is set (401${says}): accept its terms at ${endpoint}/${repo}, then ${howToSetToken(endpoint)}`);
      case "gated-not-granted":
        return new KittError("DOWNLOAD_AUTH_FAILED", `${repo} is a gated model (403${says}): accept its terms at ${endpoint}/${repo} with the account ${token} belongs to`);
      case "token-refused":
        return new KittError("DOWNLOAD_AUTH_FAILED", `the Hub refused ${token} (401${says}): it is wrong, expired or revoked; ${howToSetToken(endpoint)}`);
      case "login-needed":
        return new KittError(
          "DOWNLOAD_AUTH_FAILED",
          `the Hub wants a token for ${repo} (401${says}): the model is private or gated, or does not exist; check the name, or ${howToSetToken(endpoint)}`,
        );
      case "forbidden":
        return new KittError("DOWNLOAD_AUTH_FAILED", `the Hub forbids ${repo} to ${token} (403${says}): use a token that may read it`);
      case "no-revision":
        return new KittError("NOT_FOUND", `${repo} has no revision ${revision} (404${says}): check the @revision, --revision or HF_REVISION`);
      case "no-entry":
        return new KittError("NOT_FOUND", `${repo} has no file ${path ?? "(unknown)"} at ${revision} (404${says})`);
      case "no-repo":
      case "not-found":
        return new KittError("NOT_FOUND", `there is no model ${repo} on ${endpoint} (404${says}): check the name`);
      default:
        return new KittError("DOWNLOAD_FAILED", `${this.display}${path ? ` ${path}` : ""}: the Hub answered ${refusal.message}`);
    }
  }
}
