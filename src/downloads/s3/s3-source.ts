/**
 * `s3://bucket/prefix` and `obs://bucket/prefix` (Huawei OBS speaks the S3 API): the objects
 * under the prefix (`ListObjectsV2`, every page), read by ranged `GetObject` pinned to the
 * listed ETag so an object replaced mid-download fails instead of mixing two versions. A
 * multipart object's part size, which its ETag needs, comes from `HeadObject` of part 1.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type _Object } from "@aws-sdk/client-s3";
import { KittError } from "../../errors.js";
import type { DownloadSource, RemoteFile, SourceContext } from "../source.js";
import { describeFailure, s3Client, s3Failure, s3Settings } from "./s3-settings.js";

/** Sockets per source: enough for the downloader's parallel reads. */
const MAX_SOCKETS = 64;

export function s3Source(scheme: "s3" | "obs", location: string, context: SourceContext): DownloadSource {
  const display = `${scheme}://${location}`;
  if (context.revision !== undefined) throw new KittError("USAGE", `${display}: --revision applies to Hugging Face repositories only`);
  const slash = location.indexOf("/");
  const bucket = slash === -1 ? location : location.slice(0, slash);
  const prefix = slash === -1 ? "" : location.slice(slash + 1);
  if (!/^[a-z0-9][a-z0-9.-]{1,62}$/u.test(bucket)) throw new KittError("USAGE", `${display}: "${bucket}" is not a bucket name`);
  const client = s3Client(s3Settings(scheme, context.env), MAX_SOCKETS);
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw s3Failure(error, display);
    }
  };

  /** A call of the listing, which is not retried: a failure the downloader would retry is final here, in one line. */
  const listingCall = async <T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> => {
    try {
      return await call(work);
    } catch (error) {
      if (error instanceof KittError || signal.aborted) throw error;
      const where = context.env.ENDPOINT ? `${context.env.ENDPOINT} (ENDPOINT)` : "S3";
      throw new KittError("DOWNLOAD_FAILED", `${display}: cannot list the objects: ${where} failed (${describeFailure(error)}); check the endpoint and the network, then run the download again`, { cause: error });
    }
  };

  async function listUnder(listPrefix: string, signal: AbortSignal): Promise<_Object[]> {
    const objects: _Object[] = [];
    let token: string | undefined;
    do {
      const page = await listingCall(() => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: listPrefix, ContinuationToken: token }), { abortSignal: signal }), signal);
      objects.push(...(page.Contents ?? []));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return objects;
  }

  /** The part size a multipart upload used, when the server tells it (S3, OBS and MinIO do; not every emulator). */
  async function partSize(key: string, etag: string, signal: AbortSignal): Promise<number | undefined> {
    const parts = Number(/-(\d+)"?$/u.exec(etag)?.[1] ?? 0);
    if (parts < 2) return undefined;
    const head = await listingCall(() => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: 1 }), { abortSignal: signal }), signal);
    return head.PartsCount === parts ? head.ContentLength : undefined;
  }

  async function toFile(object: _Object, path: string, signal: AbortSignal): Promise<RemoteFile> {
    const key = object.Key!;
    const size = object.Size ?? 0;
    const etag = object.ETag?.replace(/"/gu, "");
    if (etag === undefined || etag === "") return { path, size, locator: key };
    const part = await partSize(key, etag, signal);
    return { path, size, locator: key, digest: { algorithm: "s3-etag", etag, ...(part === undefined ? {} : { partSize: part }) } };
  }

  return {
    display,
    async list(signal) {
      // `s3://b/models/llama` is the object of that key, or else the "folder" `models/llama/` (never `models/llama-2/`).
      const folder = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
      const exact = prefix === folder ? [] : (await listUnder(prefix, signal)).filter((object) => object.Key === prefix);
      const chosen = exact.length > 0 ? exact.map((object) => ({ object, path: prefix.slice(prefix.lastIndexOf("/") + 1) })) : (await listUnder(folder, signal))
        .filter((object) => object.Key !== undefined && !(object.Key.endsWith("/") && (object.Size ?? 0) === 0))
        .map((object) => ({ object, path: object.Key!.slice(folder.length) }));
      if (chosen.length === 0) throw new KittError("NOT_FOUND", `${display}: no objects under it`);
      const files: RemoteFile[] = [];
      for (const { object, path } of chosen) files.push(await toFile(object, path, signal));
      return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async read(file, start, end, signal) {
      const etag = file.digest?.algorithm === "s3-etag" ? `"${file.digest.etag}"` : undefined;
      const answer = await call(() =>
        client.send(new GetObjectCommand({ Bucket: bucket, Key: file.locator, Range: `bytes=${start}-${end - 1}`, IfMatch: etag }), { abortSignal: signal }),
      );
      const body = answer.Body as AsyncIterable<Uint8Array> | undefined;
      const whole = start === 0 && end === file.size;
      if (body === undefined || (!whole && !answer.ContentRange?.startsWith(`bytes ${start}-${end - 1}/`))) {
        throw new KittError("DOWNLOAD_FAILED", `${display}: the server did not answer the byte range ${start}-${end - 1} of ${file.locator} (Content-Range: ${answer.ContentRange ?? "none"})`);
      }
      return body;
    },
    close() {
      client.destroy();
    },
  };
}
