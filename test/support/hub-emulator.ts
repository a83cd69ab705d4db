/**
 * A local stand-in for the Hugging Face Hub's file endpoint, answering as huggingface.co does:
 *
 * - `GET|HEAD /datasets/{owner}/{name}/resolve/{revision}/{path}`:
 *   - LFS/Xet files: `302` to a signed URL on a separate "CDN" server (another origin), with
 *     `X-Repo-Commit`, `X-Linked-Size`, `X-Linked-Etag: "<sha256>"`, `Accept-Ranges: bytes`, and a
 *     `Content-Length` that is the redirect body's, not the file's. The CDN serves the bytes with its
 *     own `ETag` (a Xet hash, not the sha256), honours `Range: bytes=N-` with `206` and
 *     `Content-Range: bytes N-M/SIZE`, and answers `416` with `Content-Range: bytes *\/SIZE`.
 *   - plain git files: a relative `307` to `/api/resolve-cache/...` with `X-Linked-Etag` the git blob
 *     sha1, then `200` with `ETag` the same sha1.
 * - Errors carry the Hub's `X-Error-Code` / `X-Error-Message` headers and `{"error": ...}` bodies:
 *   a bad token → 401 `Invalid credentials in Authorization header` (no code); a missing repo without
 *   a token → 401 `Invalid username or password.` (no code), with a token → 404 `RepoNotFound`;
 *   a gated repo without a token → 401 `GatedRepo`, with a token that was not granted → 403
 *   `GatedRepo`; a bad revision → 404 `RevisionNotFound` (`Invalid rev id: X`); a missing file →
 *   404 `EntryNotFound` (`Entry not found`) with `X-Repo-Commit`.
 *
 * Sources for these shapes (found with a code search): huggingface_hub's `constants.py`
 * (`X-Repo-Commit`, `X-Linked-Etag`, `X-Linked-Size`), its `hf_raise_for_status` (the
 * `X-Error-Code` values RevisionNotFound, EntryNotFound, GatedRepo, RepoNotFound and the message
 * "Invalid credentials in Authorization header"), its `get_hf_file_metadata` (manual redirects,
 * metadata read from the Hub's 3xx, `Authorization` dropped for other hosts, `Range` resume, 200
 * restarts), and a public write-up of live huggingface.co answers captured in 2026 (the 302 and
 * relative 307 headers above, the CDN's 206 with a Xet ETag, the 401/403/404 table).
 *
 * Test hooks: `cutOnce` (the CDN drops the connection mid-body once), `corruptOnce` / `corrupt`
 * (the CDN flips a byte), `ignoreRange` (the CDN answers 200 to range requests), and `requests`,
 * every request seen by either server.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface EmulatedFile {
  repo: string;
  path: string;
  bytes: Uint8Array;
  /** Stored with git LFS / Xet (the default), or a plain git file. */
  lfs?: boolean;
}

export interface HubEmulatorOptions {
  /** Commit `main` points at (a fixed 40-hex sha by default). */
  commit?: string;
  /** Per-repo commits, e.g. kitt's pinned revisions. */
  commits?: Readonly<Record<string, string>>;
  /** Tokens the Hub accepts; any other Bearer token is invalid. */
  tokens?: readonly string[];
  /** Gated repos, and the tokens granted access to them. */
  gated?: Readonly<Record<string, readonly string[]>>;
}

export interface RecordedRequest {
  server: "hub" | "cdn";
  method: string;
  path: string;
  authorization?: string;
  range?: string;
  status: number;
}

export const EMULATED_COMMIT = "5f3e1c0b6a9d4e2f8b7c1a0d9e8f7a6b5c4d3e2f";

export class HubEmulator {
  readonly requests: RecordedRequest[] = [];
  /** sha256 → bytes after which the CDN drops the connection, once. */
  readonly cutOnce = new Map<string, number>();
  /** sha256s whose next CDN download has a flipped byte. */
  readonly corruptOnce = new Set<string>();
  /** sha256s whose every CDN download has a flipped byte. */
  readonly corrupt = new Set<string>();
  ignoreRange = false;
  url = "";
  cdnUrl = "";
  private readonly files = new Map<string, EmulatedFile & { sha256: string; gitSha1: string }>();
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly hub: Server;
  private readonly cdn: Server;
  readonly commit: string;

  constructor(private readonly options: HubEmulatorOptions = {}) {
    this.commit = options.commit ?? EMULATED_COMMIT;
    this.hub = createServer((req, res) => this.answerHub(req, res));
    this.cdn = createServer((req, res) => this.answerCdn(req, res));
  }

  static async start(options: HubEmulatorOptions = {}): Promise<HubEmulator> {
    const emulator = new HubEmulator(options);
    emulator.url = await listen(emulator.hub);
    emulator.cdnUrl = await listen(emulator.cdn);
    return emulator;
  }

  /** Adds or replaces a file (replacing one is a new commit on `main`, as far as checksums go). */
  setFile(file: EmulatedFile): { sha256: string; gitSha1: string } {
    const sha256 = createHash("sha256").update(file.bytes).digest("hex");
    const gitSha1 = createHash("sha1").update(`blob ${file.bytes.byteLength}\0`).update(file.bytes).digest("hex");
    this.files.set(`${file.repo}/${file.path}`, { ...file, sha256, gitSha1 });
    this.blobs.set(sha256, file.bytes);
    return { sha256, gitSha1 };
  }

  hubRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.server === "hub");
  }

  cdnRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.server === "cdn");
  }

  async close(): Promise<void> {
    for (const server of [this.hub, this.cdn]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private record(server: "hub" | "cdn", req: IncomingMessage, status: number): void {
    this.requests.push({
      server,
      method: req.method ?? "GET",
      path: req.url ?? "",
      status,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers.range ? { range: req.headers.range } : {}),
    });
  }

  private answerHub(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    const head = req.method === "HEAD";
    const cache = /^\/api\/resolve-cache\/datasets\/([^/]+\/[^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(url.pathname);
    if (cache) {
      const file = this.files.get(`${cache[1]}/${decodeURIComponent(cache[3]!)}`);
      if (!file) return this.fail(req, res, 404, "EntryNotFound", "Entry not found");
      this.record("hub", req, 200);
      return void serveBytes(req, res, file.bytes, { ETag: `"${file.gitSha1}"`, "X-Repo-Commit": cache[2]! }, head, this.ignoreRange);
    }
    const match = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!match) return this.fail(req, res, 404, undefined, "Not Found");
    const repo = match[1]!;
    const revision = decodeURIComponent(match[2]!);
    const path = match[3]!.split("/").map(decodeURIComponent).join("/");
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (bearer !== undefined && !(this.options.tokens ?? []).includes(bearer)) {
      return this.fail(req, res, 401, undefined, "Invalid credentials in Authorization header");
    }
    const known = [...this.files.values()].some((file) => file.repo === repo);
    if (!known) {
      if (bearer === undefined) return this.fail(req, res, 401, undefined, "Invalid username or password.");
      return this.fail(req, res, 404, "RepoNotFound", "Repository not found");
    }
    const granted = this.options.gated?.[repo];
    if (granted !== undefined) {
      if (bearer === undefined) {
        return this.fail(req, res, 401, "GatedRepo", `Access to dataset ${repo} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
      }
      if (!granted.includes(bearer)) {
        return this.fail(req, res, 403, "GatedRepo", `Access to dataset ${repo} is restricted and you are not in the authorized list. Visit ${this.url}/datasets/${repo} to ask for access.`);
      }
    }
    const commit = this.commitOf(repo);
    if (revision !== "main" && revision !== commit) return this.fail(req, res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const file = this.files.get(`${repo}/${path}`);
    if (!file) return this.fail(req, res, 404, "EntryNotFound", "Entry not found", { "X-Repo-Commit": commit });
    if (file.lfs === false) {
      const location = `/api/resolve-cache/datasets/${repo}/${commit}/${file.path}?etag=%22${file.gitSha1}%22`;
      const body = `Temporary Redirect. Redirecting to ${location}`;
      this.record("hub", req, 307);
      res.writeHead(307, {
        Location: location,
        "X-Repo-Commit": commit,
        "X-Linked-Etag": `"${file.gitSha1}"`,
        "Accept-Ranges": "bytes",
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": Buffer.byteLength(body),
      });
      return void res.end(head ? undefined : body);
    }
    const location = `${this.cdnUrl}/xet-bridge-us/${file.sha256}?X-Xet-Signed-Range=bytes%3D0-&Expires=9999999999&Signature=emulated`;
    const body = `Found. Redirecting to ${location}`;
    this.record("hub", req, 302);
    res.writeHead(302, {
      Location: location,
      "X-Repo-Commit": commit,
      "X-Linked-Size": String(file.bytes.byteLength),
      "X-Linked-Etag": `"${file.sha256}"`,
      "Accept-Ranges": "bytes",
      "Cache-Control": "no-store",
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(head ? undefined : body);
  }

  private answerCdn(req: IncomingMessage, res: ServerResponse): void {
    const match = /^\/xet-bridge-us\/([0-9a-f]{64})/.exec(req.url ?? "");
    const bytes = match ? this.blobs.get(match[1]!) : undefined;
    if (!match || !bytes) {
      this.record("cdn", req, 403);
      res.writeHead(403, { "Content-Type": "application/xml" });
      return void res.end("<Error><Code>AccessDenied</Code></Error>");
    }
    const sha256 = match[1]!;
    let served = bytes;
    if (this.corrupt.has(sha256) || this.corruptOnce.delete(sha256)) {
      served = Uint8Array.from(bytes);
      const at = Math.floor(served.length / 2);
      served[at] = served[at]! ^ 0xff;
    }
    const xetHash = createHash("sha256").update("xet").update(bytes).digest("hex");
    const cut = this.cutOnce.get(sha256);
    if (cut !== undefined) this.cutOnce.delete(sha256);
    const status = serveBytes(req, res, served, { ETag: `"${xetHash}"` }, req.method === "HEAD", this.ignoreRange, cut);
    this.record("cdn", req, status);
  }

  private commitOf(repo: string): string {
    return this.options.commits?.[repo] ?? this.commit;
  }

  private fail(req: IncomingMessage, res: ServerResponse, status: number, code: string | undefined, message: string, extra: Record<string, string> = {}): void {
    this.record("hub", req, status);
    const body = JSON.stringify({ error: message });
    res.writeHead(status, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
      "X-Error-Message": message,
      ...(code ? { "X-Error-Code": code } : {}),
      ...(status === 401 ? { "WWW-Authenticate": 'Bearer realm="Authentication required", charset="UTF-8"' } : {}),
      ...extra,
    });
    res.end(req.method === "HEAD" ? undefined : body);
  }
}

/** Serves bytes with `Range: bytes=N-` support; `cutAfter` drops the connection after that many body bytes. */
function serveBytes(
  req: IncomingMessage,
  res: ServerResponse,
  bytes: Uint8Array,
  headers: Record<string, string>,
  head: boolean,
  ignoreRange: boolean,
  cutAfter?: number,
): number {
  const size = bytes.byteLength;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  let start = 0;
  let status = 200;
  if (range && !ignoreRange) {
    start = Number(range[1]);
    if (start >= size) {
      res.writeHead(416, { ...headers, "Content-Range": `bytes */${size}`, "Content-Length": 0 });
      res.end();
      return 416;
    }
    status = 206;
  }
  const body = bytes.subarray(start);
  res.writeHead(status, {
    ...headers,
    "Accept-Ranges": "bytes",
    "Content-Type": "application/octet-stream",
    "Content-Length": body.byteLength,
    ...(status === 206 ? { "Content-Range": `bytes ${start}-${size - 1}/${size}` } : {}),
  });
  if (head) {
    res.end();
    return status;
  }
  if (cutAfter !== undefined && cutAfter < body.byteLength) {
    res.write(body.subarray(0, cutAfter), () => {
      // Let the bytes leave before the connection goes, as a dropped download does.
      setTimeout(() => res.socket?.destroy(), 20);
    });
    return status;
  }
  res.end(body);
  return status;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}
