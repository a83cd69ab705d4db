/**
 * A real S3-compatible server for tests: s3rver on a loopback port and a temp folder, behind a
 * small front that makes it behave as S3 does where s3rver does not:
 *
 * - it checks every request's Signature V4 against the test's random credentials (s3rver
 *   accepts any V4 signature, and unsigned requests): a wrong secret gets 403 SignatureDoesNotMatch;
 * - a multipart upload's ETag is the md5 of its parts' md5s with `-N` (s3rver gives the whole
 *   object's md5), and `HEAD`/`GET ?partNumber=N` answer that part with `x-amz-mp-parts-count`;
 * - it logs each request (range, bytes of body sent), so tests can count what was fetched;
 * - `injectListing` adds a made-up key to every listing (a key s3rver would not store, like `../x`).
 */
import { CreateBucketCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import AWSAccount from "s3rver/lib/models/account.js";
import { checkSignature, presignGet, type Credentials } from "./sigv4.js";

export interface S3Request {
  method: string;
  /** `/bucket/key` as sent. */
  path: string;
  range?: string;
  partNumber?: string;
  status: number;
  /** Body bytes sent back. */
  bytes: number;
  /** When the request came and its answer ended (performance.now()); `ended` is 0 while it runs. */
  started: number;
  ended: number;
}

export interface S3TestServer extends AsyncDisposable {
  readonly endpoint: string;
  readonly bucket: string;
  readonly credentials: Credentials;
  /** What kitt reads: `ENDPOINT`, `ACCESS_KEY`, `SECRET_KEY`, `REGION`. */
  readonly env: Record<string, string>;
  readonly requests: S3Request[];
  /** Body bytes sent for object reads (GET of a key), by the requests from index `since` of `requests` on. */
  objectBytesServed(since?: number): number;
  putObject(key: string, body: Uint8Array): Promise<void>;
  /** Uploads `body` in parts of `partSize` bytes (the last one shorter), as S3's multipart API does. */
  putMultipart(key: string, body: Uint8Array, partSize: number): Promise<string>;
  /** Flips one byte of the stored object behind the server's back (its ETag stays the old one). */
  corruptObject(key: string, offset: number): Promise<void>;
  injectListing(key: string, size: number): void;
  /** Sends object bytes at most this fast, all requests together (undefined: as fast as it can). */
  throttle(bytesPerSecond: number | undefined): void;
  presignGet(key: string): string;
}

interface Multipart {
  etag: string;
  partSizes: number[];
}

const OBJECT_SUFFIX = "._S3rver_object";

export async function startS3Server(bucket = "models"): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), "kitt-s3-"));
  const credentials: Credentials = { accessKeyId: `AK${randomBytes(8).toString("hex").toUpperCase()}`, secretAccessKey: randomBytes(20).toString("base64url") };
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const s3rver = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  let inner: AddressInfo | undefined;
  let front: ReturnType<typeof createServer> | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const requests: S3Request[] = [];
  const uploadedPartSizes = new Map<string, Map<number, number>>();
  /** By the object's path; and the whole-object md5 s3rver reports → the multipart ETag. */
  const multiparts = new Map<string, Multipart>();
  const etagFor = new Map<string, string>();
  const injected: Array<{ key: string; size: number }> = [];
  const pace = { bytesPerSecond: undefined as number | undefined, since: 0, sent: 0 };

  /** Pipes an object's bytes, counting them, at the throttled pace when one is set. */
  const pipeObject = (answer: IncomingMessage, outgoing: ServerResponse, entry: S3Request): void => {
    answer.on("data", (chunk: Buffer) => {
      entry.bytes += chunk.byteLength;
      if (!outgoing.write(chunk)) {
        answer.pause();
        outgoing.once("drain", () => answer.resume());
      }
      if (pace.bytesPerSecond === undefined) return;
      pace.sent += chunk.byteLength;
      const ahead = (pace.sent / pace.bytesPerSecond) * 1000 - (performance.now() - pace.since);
      if (ahead > 0) {
        answer.pause();
        setTimeout(() => answer.resume(), ahead);
      }
    });
    answer.on("end", () => outgoing.end());
  };

  const rewrite = (text: string): string => {
    let out = text;
    for (const [plain, etag] of etagFor) out = out.replaceAll(plain, etag);
    for (const { key, size } of injected) {
      out = out.replace("</ListBucketResult>", `<Contents><Key>${key.replace(/&/gu, "&amp;").replace(/</gu, "&lt;")}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;${"0".repeat(32)}&quot;</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`);
    }
    return out;
  };

  const handle = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    const url = new URL(incoming.url ?? "/", "http://placeholder");
    const path = (incoming.url ?? "/").split("?")[0]!;
    const entry: S3Request = { method: incoming.method ?? "GET", path, status: 0, bytes: 0, started: performance.now(), ended: 0 };
    outgoing.on("close", () => (entry.ended = performance.now()));
    if (incoming.headers.range !== undefined) entry.range = incoming.headers.range;
    requests.push(entry);
    const refusal = checkSignature(credentials, { method: entry.method, url: incoming.url ?? "/", headers: incoming.headers });
    if (refusal !== undefined) {
      entry.status = 403;
      incoming.resume();
      outgoing.writeHead(403, { "content-type": "application/xml" });
      outgoing.end(entry.method === "HEAD" ? undefined : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${refusal}</Code><Message>refused by the test server</Message></Error>`);
      return;
    }
    const headers = { ...incoming.headers };
    const partNumber = url.searchParams.get("partNumber");
    const uploadId = url.searchParams.get("uploadId");
    const multipart = multiparts.get(path);
    let partsCount: number | undefined;
    if (partNumber !== null && uploadId === null && multipart !== undefined) {
      entry.partNumber = partNumber;
      const index = Number(partNumber) - 1;
      const start = multipart.partSizes.slice(0, index).reduce((sum, size) => sum + size, 0);
      headers.range = `bytes=${start}-${start + multipart.partSizes[index]! - 1}`;
      partsCount = multipart.partSizes.length;
    }
    if (entry.method === "PUT" && partNumber !== null && uploadId !== null) {
      const sizes = uploadedPartSizes.get(uploadId) ?? new Map<number, number>();
      sizes.set(Number(partNumber), Number(incoming.headers["content-length"] ?? 0));
      uploadedPartSizes.set(uploadId, sizes);
    }
    const completing = entry.method === "POST" && uploadId !== null;
    const listing = entry.method === "GET" && path.split("/").filter(Boolean).length === 1;
    const requestBody: Buffer[] = [];
    const forwarded = httpRequest({ host: inner!.address, port: inner!.port, method: entry.method, path: incoming.url, headers, agent }, (answer) => {
      entry.status = answer.statusCode ?? 502;
      const answerHeaders = { ...answer.headers };
      if (typeof answerHeaders.etag === "string") answerHeaders.etag = rewrite(answerHeaders.etag);
      if (partsCount !== undefined) answerHeaders["x-amz-mp-parts-count"] = String(partsCount);
      if (!(completing || listing)) {
        outgoing.writeHead(entry.status, answerHeaders);
        pipeObject(answer, outgoing, entry);
        return;
      }
      const body: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => body.push(chunk));
      answer.on("end", () => {
        let text = Buffer.concat(body).toString("utf8");
        if (completing && entry.status === 200) text = rewrite(recordMultipart(path, uploadId!, Buffer.concat(requestBody).toString("utf8"), text));
        else text = rewrite(text);
        delete answerHeaders["content-length"];
        outgoing.writeHead(entry.status, answerHeaders);
        outgoing.end(text);
      });
    });
    forwarded.on("error", () => outgoing.destroy());
    outgoing.on("close", () => forwarded.destroy());
    if (completing) incoming.on("data", (chunk: Buffer) => requestBody.push(chunk));
    incoming.pipe(forwarded);
  };

  /** Remembers a completed multipart upload's ETag as S3 computes it; returns the answer unchanged. */
  const recordMultipart = (path: string, uploadId: string, request: string, answer: string): string => {
    const partEtags = [...request.matchAll(/<ETag>(?:&quot;|")?([0-9a-f]{32})(?:&quot;|")?<\/ETag>/gu)].map((match) => match[1]!);
    const plain = /<ETag>(?:&quot;|")?([0-9a-f]{32})/u.exec(answer)?.[1];
    const sizes = uploadedPartSizes.get(uploadId);
    if (plain !== undefined && sizes !== undefined && partEtags.length > 0) {
      const etag = `${createHash("md5").update(Buffer.concat(partEtags.map((hex) => Buffer.from(hex, "hex")))).digest("hex")}-${partEtags.length}`;
      multiparts.set(path, { etag, partSizes: [...sizes.entries()].sort(([a], [b]) => a - b).map(([, size]) => size) });
      etagFor.set(plain, etag);
    }
    uploadedPartSizes.delete(uploadId);
    return answer;
  };

  try {
    inner = (await s3rver.run()) as AddressInfo;
    front = createServer(handle);
    await new Promise<void>((resolve) => front!.listen(0, "127.0.0.1", resolve));
  } catch (error) {
    await close();
    throw error;
  }
  const endpoint = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  let closed = false;
  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    if (front?.listening) {
      front.closeAllConnections();
      await new Promise((resolve) => front!.close(resolve));
    }
    agent.destroy();
    AWSAccount.DUMMY_ACCOUNT.revokeAccessKey(credentials.accessKeyId);
    await s3rver.close().catch(() => undefined);
    rmSync(directory, { recursive: true, force: true });
  }

  await client.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined); // configureBuckets made it already
  return {
    endpoint,
    bucket,
    credentials,
    env: { ENDPOINT: endpoint, ACCESS_KEY: credentials.accessKeyId, SECRET_KEY: credentials.secretAccessKey, REGION: "us-east-1" },
    requests,
    objectBytesServed: (since = 0) => requests.slice(since).filter((request) => request.method === "GET" && request.path.split("/").filter(Boolean).length > 1).reduce((sum, request) => sum + request.bytes, 0),
    async putObject(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async putMultipart(key, body, partSize) {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const parts = [];
      for (let start = 0, number = 1; start < body.byteLength; start += partSize, number++) {
        const answer = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: number, Body: body.subarray(start, start + partSize) }));
        parts.push({ PartNumber: number, ETag: answer.ETag });
      }
      const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
      return (done.ETag ?? "").replace(/"/gu, "");
    },
    async corruptObject(key, offset) {
      const segments = key.split("/");
      const file = await open(join(directory, bucket, ...segments.slice(0, -1), `${segments.at(-1)!}${OBJECT_SUFFIX}`), "r+");
      try {
        const byte = Buffer.alloc(1);
        await file.read(byte, 0, 1, offset);
        byte[0] = byte[0]! ^ 0xff;
        await file.write(byte, 0, 1, offset);
      } finally {
        await file.close();
      }
    },
    injectListing(key, size) {
      injected.push({ key, size });
    },
    throttle(bytesPerSecond) {
      Object.assign(pace, { bytesPerSecond, since: performance.now(), sent: 0 });
    },
    presignGet: (key) => presignGet(endpoint, `/${bucket}/${key}`, credentials),
    [Symbol.asyncDispose]: async () => {
      client.destroy();
      await close();
    },
  };
}
