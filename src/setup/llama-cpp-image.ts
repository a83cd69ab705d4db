/**
 * Packages the cached `llama-server` build as a local Docker image, for machines that cannot
 * pull the published one: a scratch image (`scratch-image.ts`) with the binary and its own
 * libraries in /app. Reused while its release label matches the build.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { assertDockerDaemon } from "../runtime/docker-cli.js";
import { copyEntry } from "./copy-entry.js";
import { LLAMA_SERVER_BINARY, ensureLlamaServer, llamaServerEnv, type LlamaServerInstall } from "./llama-cpp-build.js";
import type { ProgressListener } from "./progress.js";
import { buildScratchImage, IMAGE_LABEL, imageLabels, systemLibraries } from "./scratch-image.js";

export const LLAMA_CPP_IMAGE = "kitt/llama-cpp:cpu";
export const RELEASE_LABEL = "kitt.llama.release";
export const COMMIT_LABEL = "kitt.llama.commit";

/** Where the binary and its own libraries live inside the image. */
const APP_DIR = "/app";

export interface LlamaCppImage {
  /** The image reference, e.g. `kitt/llama-cpp:cpu`. */
  tag: string;
  release: string;
  commit: string;
  /** True when an image of the same release already existed and nothing was built. */
  reused: boolean;
}

/** The Dockerfile's lines after `FROM scratch` and `COPY rootfs/ /`. */
export function llamaCppDockerfile(install: Pick<LlamaServerInstall, "tag" | "commit">): string[] {
  return [
    `ENV LD_LIBRARY_PATH=${APP_DIR}`,
    `LABEL ${IMAGE_LABEL}="true" ${RELEASE_LABEL}="${install.tag}" ${COMMIT_LABEL}="${install.commit}"`,
    `ENTRYPOINT ["${APP_DIR}/${LLAMA_SERVER_BINARY}"]`,
  ];
}

async function buildImage(install: LlamaServerInstall, tag: string, env: NodeJS.ProcessEnv): Promise<void> {
  await buildScratchImage({
    tag,
    libraries: await systemLibraries(install.binary, { env: llamaServerEnv(install, env), own: install.files }),
    async fill(rootfs) {
      await mkdir(join(rootfs, APP_DIR), { recursive: true });
      for (const file of install.files) await copyEntry(join(install.libDir, file), join(rootfs, APP_DIR, file));
    },
    dockerfile: llamaCppDockerfile(install),
  });
}

/**
 * Returns the local llama.cpp image, building `llama-server` and then the image when needed.
 * Fails with DOCKER_UNAVAILABLE when no daemon answers.
 */
export async function ensureLlamaCppImage(
  options: { force?: boolean; tag?: string; onProgress?: ProgressListener; env?: NodeJS.ProcessEnv } = {},
): Promise<LlamaCppImage> {
  const { force = false, tag = LLAMA_CPP_IMAGE, onProgress } = options;
  const env = options.env ?? process.env;
  await assertDockerDaemon();
  const install = await ensureLlamaServer({ env, onProgress });
  const image = { tag, release: install.tag, commit: install.commit };
  const labels = await imageLabels(tag);
  // An image from an older kitt (without IMAGE_LABEL) is rebuilt: its labels may differ.
  if (!force && labels?.[RELEASE_LABEL] === install.tag && labels[IMAGE_LABEL] === "true") return { ...image, reused: true };
  onProgress?.({ phase: "package", message: `building Docker image ${tag}` });
  await buildImage(install, tag, env);
  return { ...image, reused: false };
}
