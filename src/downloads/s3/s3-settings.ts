/**
 * How kitt reaches an S3-compatible store (AWS S3, Huawei OBS, MinIO, …), from the environment
 * Kthena's downloader reads: `ENDPOINT`, `ACCESS_KEY`, `SECRET_KEY` and `REGION` (or
 * `AWS_REGION`). Without `ACCESS_KEY`/`SECRET_KEY` the AWS SDK's own chain is used
 * (`AWS_ACCESS_KEY_ID`, profiles, instance roles). With an endpoint, buckets are addressed by
 * path (`ENDPOINT/bucket/key`), which every S3-compatible server accepts.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { KittError } from "../../errors.js";

export interface S3Settings {
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export const S3_CONNECT_TIMEOUT_MS = 10_000;
/** No byte for this long ends a request (a read is then retried from where it stopped). */
export const S3_REQUEST_TIMEOUT_MS = 60_000;

export function s3Settings(scheme: "s3" | "obs", env: NodeJS.ProcessEnv): S3Settings {
  const endpoint = env.ENDPOINT || undefined;
  if (scheme === "obs" && endpoint === undefined) {
    throw new KittError("USAGE", "obs:// needs ENDPOINT, the OBS endpoint of the bucket's region (e.g. https://obs.cn-north-4.myhuaweicloud.com)");
  }
  if (endpoint !== undefined && !/^https?:\/\/[^/]/u.test(endpoint)) throw new KittError("USAGE", `ENDPOINT must be an http:// or https:// URL, not "${endpoint}"`);
  const accessKeyId = env.ACCESS_KEY || undefined;
  const secretAccessKey = env.SECRET_KEY || undefined;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new KittError("USAGE", `${accessKeyId === undefined ? "SECRET_KEY is set without ACCESS_KEY" : "ACCESS_KEY is set without SECRET_KEY"}: set both, or neither to use the AWS SDK's credentials`);
  }
  return {
    ...(endpoint === undefined ? {} : { endpoint }),
    region: env.REGION || env.AWS_REGION || "us-east-1",
    ...(accessKeyId === undefined || secretAccessKey === undefined ? {} : { credentials: { accessKeyId, secretAccessKey } }),
  };
}

export function s3Client(settings: S3Settings, maxSockets: number): S3Client {
  // The SDK warns on Node 20 in several lines on stderr; kitt supports Node 20 and keeps its output to its own lines.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint, forcePathStyle: true }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    maxAttempts: 3,
    // kitt checks every file against its ETag itself; the SDK's per-response checksums would hash the bytes a second time.
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: { connectionTimeout: S3_CONNECT_TIMEOUT_MS, requestTimeout: S3_REQUEST_TIMEOUT_MS, httpAgent: { maxSockets, keepAlive: true }, httpsAgent: { maxSockets, keepAlive: true } },
  });
}

const AUTH_ERRORS = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken", "CredentialsProviderError", "InvalidSecurity"]);

/**
 * A failure of one S3 call as kitt reports it: refused credentials, a missing bucket or an
 * object changed mid-download are final `KittError`s; anything else (a 5xx, a broken
 * connection) is returned unchanged, for the downloader to retry.
 */
export function s3Failure(error: unknown, display: string): unknown {
  if (error instanceof KittError || !(error instanceof Error)) return error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = error.name;
  if (AUTH_ERRORS.has(name) || status === 401 || status === 403) {
    const hint = name === "CredentialsProviderError" ? "no credentials found: set ACCESS_KEY and SECRET_KEY" : "check ACCESS_KEY and SECRET_KEY";
    return new KittError("DOWNLOAD_AUTH_FAILED", `${display}: the server refused the credentials (${status ?? name}${status !== undefined && name !== String(status) ? ` ${name}` : ""}); ${hint}`, { cause: error });
  }
  if (name === "NoSuchBucket") return new KittError("NOT_FOUND", `${display}: no such bucket`, { cause: error });
  if (name === "NoSuchKey" || name === "PreconditionFailed" || status === 412) {
    return new KittError("DOWNLOAD_FAILED", `${display}: an object changed or disappeared at the source while it was downloading; run the download again`, { cause: error });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new KittError("DOWNLOAD_FAILED", `${display}: the server answered ${status} ${name}`, { cause: error });
  }
  return error;
}

/** A failure the downloader retries, in a few words: the server's status, else the connection's error code. */
export function describeFailure(error: unknown): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const { name, message } = error as Error;
  if (status !== undefined) return `answered ${status} ${name}`;
  const code = (error as { code?: string }).code;
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}
