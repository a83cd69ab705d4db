/**
 * A local stand-in for the Hugging Face Hub, answering as huggingface.co does, for data sets and
 * models (the routes `huggingface_hub` and `@huggingface/hub` call):
 *
 * - `GET /api/models/{repo}` and `/api/models/{repo}/revision/{rev}`: the model's info (`_id`, `id`,
 *   `private`, `gated`, `sha`, `siblings`, …); with `expand=` parameters only those fields (plus
 *   `_id` and `id`), as the Hub does.
 * - `GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=&expand=`: the entries under `path`
 *   (`{type, oid, size, path}`, LFS files with `lfs: {oid, size, pointerSize}` and Xet files with
 *   `xetHash`, folders as `type: "directory"`; `expand=true` adds `lastCommit`), at most
 *   `treePageSize` per page with the next page in a `Link: <…>; rel="next"` header.
 * - `GET|HEAD /datasets/{repo}/resolve/{revision}/{path}` and `/{repo}/resolve/{revision}/{path}` (models):
 *   - LFS/Xet files: `302` to a signed URL on a separate "CDN" server (another origin), with
 *     `X-Repo-Commit`, `X-Linked-Size`, `X-Linked-Etag: "<sha256>"`, `Accept-Ranges: bytes`, and a
 *     `Content-Length` that is the redirect body's, not the file's. The CDN serves the bytes with its
 *     own `ETag` (a Xet hash, not the sha256), honours `Range: bytes=N-` and `bytes=N-M` with `206`
 *     and `Content-Range: bytes N-M/SIZE`, and answers `416` with `Content-Range: bytes *\/SIZE`.
 *   - plain git files: a relative `307` to `/api/resolve-cache/...` with `X-Linked-Etag` the git blob
 *     sha1, then `200` (or `206` for a range) with `ETag` the same sha1.
 * - Errors carry the Hub's `X-Error-Code` / `X-Error-Message` headers and `{"error": ...}` bodies:
 *   a bad token → 401 `Invalid credentials in Authorization header` (no code); a missing (or private,
 *   not granted) repo without a token → 401 `Invalid username or password.` (no code), with a token →
 *   404 `RepoNotFound`; a gated repo lists its info and files to anyone, but its files' resolve
 *   answers 401 `GatedRepo` without a token and 403 `GatedRepo` to a token that was not granted; a
 *   bad revision → 404 `RevisionNotFound` (`Invalid rev id: X`); a missing file → 404 `EntryNotFound`
 *   (`Entry not found`) with `X-Repo-Commit`.
 *
 * Sources for these shapes: recorded real answers and their provenance are in
 * `test/fixtures/hf/` (see its README): huggingface.js's tests of `listFiles` and `modelInfo`
 * against huggingface.co, huggingface_hub's `constants.py` (`X-Repo-Commit`, `X-Linked-Etag`,
 * `X-Linked-Size`), its `hf_raise_for_status` (the `X-Error-Code` values RevisionNotFound,
 * EntryNotFound, GatedRepo, RepoNotFound and the message "Invalid credentials in Authorization
 * header"), its `get_hf_file_metadata` (manual redirects, metadata read from the Hub's 3xx,
 * `Authorization` dropped for other hosts, `Range` resume, 200 restarts), and a public write-up of
 * live huggingface.co answers captured in 2026 (the 302 and relative 307 headers above, the CDN's
 * 206 with a Xet ETag, the 401/403/404 table).
 *
 * Test hooks: `cutOnce` (the CDN drops the connection mid-body once), `corruptOnce` / `corrupt`
 * (the CDN flips a byte), `ignoreRange` (the CDN answers 200 to range requests), `recordedTrees`
 * (a model's tree answered verbatim from a recording), and `requests`, every request seen by
 * either server.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface EmulatedFile {
  repo: string;
  path: string;
  bytes: Uint8Array;
  /** A data set (the default) or a model repository. */
  kind?: RepoKind;
  /** Stored with git LFS / Xet (the default), or a plain git file. */
  lfs?: boolean;
  /** Listed with a `xetHash` (stored with Xet rather than plain LFS). */
  xet?: boolean;
}

export type RepoKind = "dataset" | "model";

export interface HubEmulatorOptions {
  /** Commit `main` points at (a fixed 40-hex sha by default). */
  commit?: string;
  /** Per-repo commits, e.g. kitt's pinned revisions. */
  commits?: Readonly<Record<string, string>>;
  /** Tokens the Hub accepts; any other Bearer token is invalid. */
  tokens?: readonly string[];
  /** Gated repos, and the tokens granted access to them. */
  gated?: Readonly<Record<string, readonly string[]>>;
  /** Private repos, and the tokens that may read them. */
  private?: Readonly<Record<string, readonly string[]>>;
  /** Entries per tree page (the Hub's is 1000; 50 with `expand=true`). */
  treePageSize?: number;
}

/** One entry of a tree listing, as the Hub sends it. */
export interface TreeEntry {
  type: "file" | "directory";
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
  xetHash?: string;
  lastCommit?: { id: string; title: string; date: string };
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
  /** Model repo → a recorded tree listing, answered verbatim (the files themselves are not served). */
  readonly recordedTrees = new Map<string, TreeEntry[]>();
  url = "";
  cdnUrl = "";
  private readonly files = new Map<string, StoredFile>();
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
    this.files.set(fileKey(file.kind ?? "dataset", file.repo, file.path), { ...file, kind: file.kind ?? "dataset", sha256, gitSha1 });
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
    const cache = /^\/api\/resolve-cache\/(datasets|models)\/([^/]+\/[^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(url.pathname);
    if (cache) {
      const file = this.files.get(fileKey(cache[1] === "models" ? "model" : "dataset", cache[2]!, decodePath(cache[4]!)));
      if (!file) return this.fail(req, res, 404, "EntryNotFound", "Entry not found");
      this.record("hub", req, 200);
      return void serveBytes(req, res, file.bytes, { ETag: `"${file.gitSha1}"`, "X-Repo-Commit": cache[3]! }, head, this.ignoreRange);
    }
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.+))?$/.exec(url.pathname);
    if (tree) return this.answerTree(req, res, url, tree[1]!, decodeURIComponent(tree[2]!), tree[3] === undefined ? "" : decodePath(tree[3]));
    const info = /^\/api\/models\/([^/]+\/[^/]+)(?:\/revision\/([^/]+))?$/.exec(url.pathname);
    if (info) return this.answerModelInfo(req, res, url, info[1]!, info[2] === undefined ? "main" : decodeURIComponent(info[2]));
    const resolve = /^\/(?:(datasets)\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!resolve) return this.fail(req, res, 404, undefined, "Not Found");
    const kind: RepoKind = resolve[1] ? "dataset" : "model";
    const repo = resolve[2]!;
    const revision = decodeURIComponent(resolve[3]!);
    const path = decodePath(resolve[4]!);
    if (!this.mayRead(req, res, kind, repo, true)) return;
    const commit = this.commitOf(repo);
    if (!this.isRevision(repo, revision)) return this.fail(req, res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const file = this.files.get(fileKey(kind, repo, path));
    if (!file) return this.fail(req, res, 404, "EntryNotFound", "Entry not found", { "X-Repo-Commit": commit });
    if (file.lfs === false) {
      const location = `/api/resolve-cache/${kind}s/${repo}/${commit}/${file.path}?etag=%22${file.gitSha1}%22`;
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

  /** The Hub's access rules; false when it answered with an error. `resolve`: a file download, where gating applies. */
  private mayRead(req: IncomingMessage, res: ServerResponse, kind: RepoKind, repo: string, resolve: boolean): boolean {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (bearer !== undefined && !(this.options.tokens ?? []).includes(bearer)) {
      this.fail(req, res, 401, undefined, "Invalid credentials in Authorization header");
      return false;
    }
    const readers = this.options.private?.[repo];
    const known = this.knows(kind, repo) && (readers === undefined || (bearer !== undefined && readers.includes(bearer)));
    if (!known) {
      if (bearer === undefined) this.fail(req, res, 401, undefined, "Invalid username or password.");
      else this.fail(req, res, 404, "RepoNotFound", "Repository not found");
      return false;
    }
    const granted = this.options.gated?.[repo];
    if (resolve && granted !== undefined) {
      if (bearer === undefined) {
        this.fail(req, res, 401, "GatedRepo", `Access to ${kind} ${repo} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
        return false;
      }
      if (!granted.includes(bearer)) {
        const page = `${this.url}/${kind === "dataset" ? "datasets/" : ""}${repo}`;
        this.fail(req, res, 403, "GatedRepo", `Access to ${kind} ${repo} is restricted and you are not in the authorized list. Visit ${page} to ask for access.`);
        return false;
      }
    }
    return true;
  }

  private knows(kind: RepoKind, repo: string): boolean {
    return (kind === "model" && this.recordedTrees.has(repo)) || [...this.files.values()].some((file) => file.kind === kind && file.repo === repo);
  }

  private isRevision(repo: string, revision: string): boolean {
    return revision === "main" || revision === "HEAD" || revision === this.commitOf(repo);
  }

  private answerModelInfo(req: IncomingMessage, res: ServerResponse, url: URL, repo: string, revision: string): void {
    if (!this.mayRead(req, res, "model", repo, false)) return;
    if (!this.isRevision(repo, revision)) return this.fail(req, res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const info: Record<string, unknown> = {
      _id: createHash("sha1").update(repo).digest("hex").slice(0, 24),
      id: repo,
      private: this.options.private?.[repo] !== undefined,
      pipeline_tag: "text-generation",
      gated: this.options.gated?.[repo] === undefined ? false : "manual",
      downloads: 0,
      likes: 0,
      lastModified: MODIFIED,
      sha: this.commitOf(repo),
      siblings: this.entries(repo, "", true)
        .filter((entry) => entry.type === "file")
        .map((entry) => ({ rfilename: entry.path })),
    };
    const expand = url.searchParams.getAll("expand");
    const body = expand.length === 0 ? info : Object.fromEntries(Object.entries(info).filter(([key]) => key === "_id" || key === "id" || expand.includes(key)));
    this.json(req, res, body);
  }

  private answerTree(req: IncomingMessage, res: ServerResponse, url: URL, repo: string, revision: string, path: string): void {
    if (!this.mayRead(req, res, "model", repo, false)) return;
    if (!this.isRevision(repo, revision)) return this.fail(req, res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const expand = url.searchParams.get("expand") === "true";
    let entries = this.entries(repo, path, url.searchParams.get("recursive") === "true");
    if (entries.length === 0 && path !== "") return this.fail(req, res, 404, "EntryNotFound", `${path} does not exist on "${revision}"`);
    if (expand) entries = entries.map((entry) => ({ ...entry, lastCommit: { id: this.commitOf(repo), title: `Upload ${entry.path}`, date: MODIFIED } }));
    const pageSize = this.options.treePageSize ?? 1000;
    const from = Number(url.searchParams.get("cursor") ?? "0");
    const headers: Record<string, string> = {};
    if (from + pageSize < entries.length) {
      const next = new URL(url);
      next.searchParams.set("cursor", String(from + pageSize));
      headers.Link = `<${next.toString()}>; rel="next"`;
    }
    this.json(req, res, entries.slice(from, from + pageSize), headers);
  }

  /** The tree under `path` (files and folders), sorted by path as the Hub's git trees are. */
  private entries(repo: string, path: string, recursive: boolean): TreeEntry[] {
    const recorded = this.recordedTrees.get(repo);
    if (recorded !== undefined) return recorded;
    const prefix = path === "" ? "" : `${path}/`;
    const found = new Map<string, TreeEntry>();
    for (const file of this.files.values()) {
      if (file.kind !== "model" || file.repo !== repo || !file.path.startsWith(prefix)) continue;
      const parts = file.path.slice(prefix.length).split("/");
      for (let depth = 1; depth < parts.length && (recursive || depth === 1); depth++) {
        const folder = prefix + parts.slice(0, depth).join("/");
        found.set(folder, { type: "directory", oid: createHash("sha1").update(`tree ${folder}`).digest("hex"), size: 0, path: folder });
      }
      if (recursive || parts.length === 1) found.set(file.path, treeFile(file));
    }
    return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private json(req: IncomingMessage, res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    this.record("hub", req, 200);
    res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
    res.end(req.method === "HEAD" ? undefined : text);
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
    const xetHash = xetHashOf(bytes);
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

/** Serves bytes with `Range: bytes=N-` and `bytes=N-M` support; `cutAfter` drops the connection after that many body bytes. */
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
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  let start = 0;
  let last = size - 1;
  let status = 200;
  if (range && !ignoreRange) {
    start = Number(range[1]);
    if (range[2]) last = Math.min(Number(range[2]), size - 1);
    if (start >= size || last < start) {
      res.writeHead(416, { ...headers, "Content-Range": `bytes */${size}`, "Content-Length": 0 });
      res.end();
      return 416;
    }
    status = 206;
  }
  const body = bytes.subarray(start, last + 1);
  res.writeHead(status, {
    ...headers,
    "Accept-Ranges": "bytes",
    "Content-Type": "application/octet-stream",
    "Content-Length": body.byteLength,
    ...(status === 206 ? { "Content-Range": `bytes ${start}-${last}/${size}` } : {}),
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

type StoredFile = EmulatedFile & { kind: RepoKind; sha256: string; gitSha1: string };

const MODIFIED = "2026-01-05T10:00:00.000Z";

function fileKey(kind: RepoKind, repo: string, path: string): string {
  return `${kind}:${repo}/${path}`;
}

function decodePath(path: string): string {
  return path.split("/").map(decodeURIComponent).join("/");
}

function xetHashOf(bytes: Uint8Array): string {
  return createHash("sha256").update("xet").update(bytes).digest("hex");
}

/** A file's tree entry: a plain git blob, or an LFS pointer (and a Xet hash) for LFS/Xet files. */
function treeFile(file: StoredFile): TreeEntry {
  const size = file.bytes.byteLength;
  if (file.lfs === false) return { type: "file", oid: file.gitSha1, size, path: file.path };
  const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${file.sha256}\nsize ${size}\n`;
  const pointerOid = createHash("sha1").update(`blob ${Buffer.byteLength(pointer)}\0`).update(pointer).digest("hex");
  return {
    type: "file",
    oid: pointerOid,
    size,
    path: file.path,
    lfs: { oid: file.sha256, size, pointerSize: Buffer.byteLength(pointer) },
    ...(file.xet ? { xetHash: xetHashOf(file.bytes) } : {}),
  };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}
