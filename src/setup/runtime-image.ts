/**
 * The image that runs kitt in a container — the runtime sidecar beside an engine, or
 * `kitt models download` as a Kubernetes init container. Built locally like the llama.cpp
 * image (a scratch image, `scratch-image.ts`): this Node binary and its system libraries, and
 * kitt's package (`dist/`, `configs/`, the production dependencies `npm ls --omit=dev` lists,
 * native addons included, with the libraries they load). The entry point is `kitt`, so the
 * container's arguments are a kitt command line. Reused while its build label matches.
 */
import { createHash } from "node:crypto";
import { cp, mkdir, readdir, stat, chmod } from "node:fs/promises";
import { join, relative } from "node:path";
import { kittVersion, packageRoot } from "../package-root.js";
import { KittError } from "../errors.js";
import { assertDockerDaemon } from "../runtime/docker-cli.js";
import type { ProgressListener } from "./progress.js";
import { runTool } from "./run-tool.js";
import { buildScratchImage, IMAGE_LABEL, imageLabels, systemLibraries } from "./scratch-image.js";

export const RUNTIME_IMAGE = "kitt/runtime";
export const VERSION_LABEL = "kitt.version";
/** A hash of what went into the image (the built files and dependency list), to know when to rebuild. */
export const BUILD_LABEL = "kitt.build";

const KITT_DIR = "/opt/kitt";
const NODE_PATH = "/usr/local/bin/node";
/** The image runs as this unprivileged user; its home and KITT_HOME live under the world-writable /tmp. */
const USER = "65532:65532";

export interface RuntimeImage {
  tag: string;
  version: string;
  build: string;
  reused: boolean;
}

/** Production dependency folders, relative to the package root (`node_modules/…`), from npm's own view of the tree. */
async function productionPackages(root: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const output = await runTool("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
    cwd: root,
    env,
    what: "listing kitt's production dependencies (npm ls)",
  });
  return output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith(root + "/"))
    .map((line) => relative(root, line));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Native addons (`*.node`) load system libraries of their own. */
function nativeAddons(files: readonly string[]): string[] {
  return files.filter((file) => file.endsWith(".node"));
}

async function buildHash(root: string, packages: readonly string[]): Promise<string> {
  const hash = createHash("sha256").update(process.version).update(packages.join("\n"));
  for (const file of (await filesUnder(join(root, "dist"))).sort()) {
    const info = await stat(file);
    hash.update(`${relative(root, file)} ${info.size} ${info.mtimeMs}\n`);
  }
  return hash.digest("hex").slice(0, 16);
}

export function runtimeDockerfile(labels: { version: string; build: string }): string[] {
  return [
    `ENV HOME=/tmp KITT_HOME=/tmp/kitt NODE_ENV=production`,
    `LABEL ${IMAGE_LABEL}="true" ${VERSION_LABEL}="${labels.version}" ${BUILD_LABEL}="${labels.build}"`,
    `USER ${USER}`,
    `WORKDIR /tmp`,
    `ENTRYPOINT ["${NODE_PATH}", "${KITT_DIR}/dist/cli/bin.js"]`,
    `CMD ["runtime", "--help"]`,
  ];
}

/** Returns the local runtime image, building it when it is missing, outdated or `force` is set. */
export async function ensureRuntimeImage(
  options: { tag?: string; force?: boolean; onProgress?: ProgressListener; env?: NodeJS.ProcessEnv } = {},
): Promise<RuntimeImage> {
  const { tag = RUNTIME_IMAGE, force = false, onProgress } = options;
  const env = options.env ?? process.env;
  await assertDockerDaemon();
  const root = packageRoot();
  const hasDist = await stat(join(root, "dist", "cli", "bin.js")).then(
    () => true,
    () => false,
  );
  if (!hasDist) throw new KittError("BUILD_FAILED", `kitt is not built: ${join(root, "dist")} is missing (run npm run build)`);
  const packages = await productionPackages(root, env);
  const image = { tag, version: kittVersion(), build: await buildHash(root, packages) };
  const labels = await imageLabels(tag);
  if (!force && labels?.[BUILD_LABEL] === image.build && labels[IMAGE_LABEL] === "true") return { ...image, reused: true };

  onProgress?.({ phase: "package", message: `building Docker image ${tag} (${packages.length} packages)` });
  const packageFiles = (await Promise.all(packages.map((dir) => filesUnder(join(root, dir))))).flat();
  const binaries = [process.execPath, ...nativeAddons(packageFiles)];
  const libraries = new Set((await Promise.all(binaries.map((binary) => systemLibraries(binary, { env })))).flat());
  await buildScratchImage({
    tag,
    libraries: [...libraries],
    async fill(rootfs) {
      await mkdir(join(rootfs, "usr/local/bin"), { recursive: true });
      await cp(process.execPath, join(rootfs, NODE_PATH));
      const kitt = join(rootfs, KITT_DIR);
      for (const entry of ["package.json", "dist", "configs"]) await cp(join(root, entry), join(kitt, entry), { recursive: true });
      // Each package without its own node_modules: npm ls lists the nested production ones separately.
      for (const dir of packages) {
        await cp(join(root, dir), join(kitt, dir), {
          recursive: true,
          filter: (source) => !relative(join(root, dir), source).split("/").includes("node_modules"),
        });
      }
      await mkdir(join(rootfs, "tmp"));
      await chmod(join(rootfs, "tmp"), 0o1777);
    },
    dockerfile: runtimeDockerfile(image),
  });
  return { ...image, reused: false };
}
