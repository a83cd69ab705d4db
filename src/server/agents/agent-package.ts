/**
 * The kitt package agents install: this server's own kitt, packed once per version with `npm
 * pack` into `$KITT_HOME/web/` beside its SHA-256, so an agent runs the very version the server
 * runs. Packing runs no scripts (the package is served as built).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { KittError } from "../../errors.js";
import { kittVersion, packageRoot } from "../../package-root.js";

const PACK_TIMEOUT_MS = 180_000;

export interface PackedKitt {
  path: string;
  sha256: string;
  size: number;
  version: string;
}

export class AgentPackage {
  private packing: Promise<PackedKitt> | undefined;

  /** `dir`: `$KITT_HOME/web`; `root`: the package to pack (this kitt's by default). */
  constructor(
    private readonly dir: string,
    private readonly root = packageRoot(),
  ) {}

  /** The packed tarball, made on first use; a failed pack is tried again on the next call. */
  get(): Promise<PackedKitt> {
    this.packing ??= this.load().catch((error: unknown) => {
      this.packing = undefined;
      throw error;
    });
    return this.packing;
  }

  private async load(): Promise<PackedKitt> {
    const version = kittVersion();
    const path = join(this.dir, `kitt-${version.replace(/[^A-Za-z0-9.+-]/g, "_")}.tgz`);
    const shaPath = `${path}.sha256`;
    try {
      const [sha256, info] = await Promise.all([readFile(shaPath, "utf8"), stat(path)]);
      if (/^[0-9a-f]{64}$/.test(sha256.trim())) return { path, sha256: sha256.trim(), size: info.size, version };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const work = await mkdtemp(join(this.dir, "pack-"));
    try {
      const packed = await pack(this.root, work);
      const sha256 = await fileSha256(packed);
      await rename(packed, path);
      await writeFile(shaPath, `${sha256}\n`);
      return { path, sha256, size: (await stat(path)).size, version };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

async function pack(root: string, destination: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", destination], {
      cwd: root,
      timeout: PACK_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [entry] = JSON.parse(stdout) as Array<{ filename: string }>;
    if (!entry) throw new Error("npm pack named no file");
    return join(destination, entry.filename.replace(/^@[^/]+\//, "").replace(/\//g, "-"));
  } catch (error) {
    throw new KittError("INTERNAL", `cannot pack kitt for agents (npm pack in ${root}): ${(error as Error).message.split("\n")[0]}`, { cause: error });
  }
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
