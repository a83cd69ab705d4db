/**
 * What a download source (Hugging Face, S3, OBS, a mounted volume) gives the downloader: the
 * files under its URI with their sizes and checksums, and any byte range of one of them. The
 * downloader does the rest the same way for every source: refusing paths that would escape the
 * destination, include/exclude globs, the free-space check, parallel ranged reads, timeouts and
 * retries, resume, verification and the atomic move into place.
 *
 * Errors: a `KittError` thrown by `list` or `read` is final (`DOWNLOAD_AUTH_FAILED` for refused
 * credentials, `NOT_FOUND`, `DOWNLOAD_FAILED` for a file that changed at the source…); any other
 * error is taken as transient (a broken connection, a 5xx) and the read is retried with back-off
 * from the last byte written.
 */

/** What a finished file's bytes must match. */
export type Digest =
  | { algorithm: "sha256" | "sha1" | "md5"; hex: string }
  /** Git's blob hash (`sha1("blob <size>\0" + content)`), what the Hub gives for non-LFS files. */
  | { algorithm: "git-blob-sha1"; hex: string }
  /**
   * An S3 ETag: the MD5 of a single-part object, or for a multipart upload the MD5 of the parts'
   * MD5s with `-N` appended, which needs the part size the upload used (when absent, the part
   * sizes common uploaders use are tried).
   */
  | { algorithm: "s3-etag"; etag: string; partSize?: number };

export interface RemoteFile {
  /** Where the file goes, relative to the destination, `/`-separated, exactly as the source names it (checked before use). */
  path: string;
  size: number;
  /** Absent when the source gives no checksum; the file is then checked by size only. */
  digest?: Digest;
  /** Anything the source needs to read the file back (an S3 key, a Hub URL, a file path). */
  locator: string;
}

export interface DownloadSource {
  /** The URI as a person would write it, for messages and progress: `s3://bucket/prefix`. */
  readonly display: string;
  /** The files to download, in a stable order. */
  list(signal: AbortSignal): Promise<RemoteFile[]>;
  /**
   * Bytes `[start, end)` of one listed file. `signal` is aborted when the download stops or the
   * read times out (no bytes for a while): the source must end its request then.
   */
  read(file: RemoteFile, start: number, end: number, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /** Releases what the source holds (connection pools); called once when the download ends. */
  close?(): Promise<void> | void;
}

/** What a source factory is given besides the part of the URI after `scheme://`. */
export interface SourceContext {
  /** Where credentials and endpoints come from (`ENDPOINT`, `ACCESS_KEY`, `HF_TOKEN`…). */
  env: NodeJS.ProcessEnv;
  /** A branch, tag or commit for sources that have them (the Hub); others refuse it. */
  revision?: string;
}

/**
 * Makes the source for one URI; `location` is what follows `scheme://` (for a bare `org/repo`,
 * the repo id). Registered by scheme in `registry.ts`. A malformed location is a `USAGE` error.
 */
export type SourceFactory = (location: string, context: SourceContext) => DownloadSource | Promise<DownloadSource>;
