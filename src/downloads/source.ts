/**
 * What a download source (Hugging Face, S3, OBS, a mounted volume) gives the downloader: the
 * files under its URI with their sizes and checksums, and any byte range of one of them. The
 * downloader does the rest the same way for every source: refusing paths that would escape the
 * destination, the free-space check, parallel ranged reads, resume, verification and the atomic
 * move into place.
 */

/** What a finished file's bytes must match. */
export type Digest =
  | { algorithm: "sha256" | "sha1" | "md5"; hex: string }
  /** Git's blob hash (`sha1("blob <size>\0" + content)`), what the Hub gives for non-LFS files. */
  | { algorithm: "git-blob-sha1"; hex: string }
  /**
   * An S3 ETag: the MD5 of a single-part object, or for a multipart upload the MD5 of the parts'
   * MD5s with `-N` appended, which needs the part size the upload used.
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
  /** Bytes `[start, end)` of one listed file. */
  read(file: RemoteFile, start: number, end: number, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}
