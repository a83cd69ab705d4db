/**
 * AWS Signature Version 4 as S3 defines it (canonical request, string to sign, signing key),
 * written from the specification: to check the signatures of requests a test's S3 server
 * receives (s3rver itself accepts any V4 signature) and to presign URLs for curl.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/gu, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

interface SigningInput {
  method: string;
  /** The path exactly as sent (already URI-encoded). */
  path: string;
  query: Array<[string, string]>;
  /** Lower-case names of the signed headers and their values. */
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
  amzDate: string;
  scope: string;
}

function signature(secret: string, input: SigningInput): string {
  const canonicalHeaders = input.signedHeaders.map((name) => `${name}:${(input.headers[name] ?? "").trim().replace(/\s+/gu, " ")}\n`).join("");
  const request = [input.method, input.path, canonicalQuery(input.query), canonicalHeaders, input.signedHeaders.join(";"), input.payloadHash].join("\n");
  const toSign = [ALGORITHM, input.amzDate, input.scope, createHash("sha256").update(request).digest("hex")].join("\n");
  const [date, region, service] = input.scope.split("/");
  let key: Buffer = Buffer.from(`AWS4${secret}`);
  for (const part of [date!, region!, service!, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return createHmac("sha256", key).update(toSign).digest("hex");
}

/** Why a request's signature is refused (an S3 error code), or undefined when it is right. */
export function checkSignature(
  credentials: Credentials,
  request: { method: string; url: string; headers: Record<string, string | string[] | undefined> },
): "AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch" | undefined {
  const url = new URL(request.url, "http://placeholder");
  const rawPath = request.url.split("?")[0]!; // as sent: URL would resolve "..", which S3 signs literally
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(",") : (value ?? "")]));
  const query = [...url.searchParams.entries()];
  let credential: string, signedHeaders: string, provided: string, amzDate: string, payloadHash: string;
  const authorization = headers.authorization;
  if (authorization?.startsWith(`${ALGORITHM} `)) {
    const fields = Object.fromEntries(authorization.slice(ALGORITHM.length + 1).split(/,\s*/u).map((field) => field.split("=", 2) as [string, string]));
    [credential, signedHeaders, provided] = [fields.Credential ?? "", fields.SignedHeaders ?? "", fields.Signature ?? ""];
    amzDate = headers["x-amz-date"] ?? "";
    payloadHash = headers["x-amz-content-sha256"] ?? "";
  } else if (url.searchParams.get("X-Amz-Algorithm") === ALGORITHM) {
    credential = url.searchParams.get("X-Amz-Credential") ?? "";
    signedHeaders = url.searchParams.get("X-Amz-SignedHeaders") ?? "";
    provided = url.searchParams.get("X-Amz-Signature") ?? "";
    amzDate = url.searchParams.get("X-Amz-Date") ?? "";
    payloadHash = "UNSIGNED-PAYLOAD";
    query.splice(query.findIndex(([key]) => key === "X-Amz-Signature"), 1);
  } else {
    return "AccessDenied";
  }
  const [accessKeyId, ...scope] = credential.split("/");
  if (accessKeyId !== credentials.accessKeyId) return "InvalidAccessKeyId";
  const expected = signature(credentials.secretAccessKey, {
    method: request.method,
    path: rawPath,
    query,
    headers,
    signedHeaders: signedHeaders.split(";"),
    payloadHash,
    amzDate,
    scope: scope.join("/"),
  });
  const same = expected.length === provided.length && timingSafeEqual(Buffer.from(expected), Buffer.from(provided));
  return same ? undefined : "SignatureDoesNotMatch";
}

/** A presigned GET URL for `endpoint` + `path` (path-style: `/bucket/key`), valid for `expiresS`. */
export function presignGet(endpoint: string, path: string, credentials: Credentials, region = "us-east-1", expiresS = 3600): string {
  const url = new URL(path, endpoint);
  const amzDate = new Date().toISOString().replace(/[-:]/gu, "").replace(/\.\d{3}/u, "");
  const scope = `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
  const query: Array<[string, string]> = [
    ["X-Amz-Algorithm", ALGORITHM],
    ["X-Amz-Credential", `${credentials.accessKeyId}/${scope}`],
    ["X-Amz-Date", amzDate],
    ["X-Amz-Expires", String(expiresS)],
    ["X-Amz-SignedHeaders", "host"],
  ];
  const signed = signature(credentials.secretAccessKey, { method: "GET", path: url.pathname, query, headers: { host: url.host }, signedHeaders: ["host"], payloadHash: "UNSIGNED-PAYLOAD", amzDate, scope });
  return `${url.origin}${url.pathname}?${canonicalQuery([...query, ["X-Amz-Signature", signed]])}`;
}
