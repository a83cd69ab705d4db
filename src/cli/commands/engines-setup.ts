import { loadEnginesConfig } from "../../config/engines-config.js";
import { KittError } from "../../errors.js";
import { chooseImage } from "../../engines/images.js";
import { getEngineSpec } from "../../engines/registry.js";
import { hostFacts } from "../../hardware/host-facts.js";
import { ensureLlamaServer } from "../../setup/llama-cpp-build.js";
import { ensureLlamaCppImage } from "../../setup/llama-cpp-image.js";
import { assertDockerDaemon, docker } from "../../runtime/docker-cli.js";
import type { ENGINES_SETUP_OPTIONS } from "../options/engines.js";
import type { OptionsOf } from "../options/table.js";
import { progressLine, step, success, warn } from "../ui.js";

/**
 * `kitt engines setup NAME`: pulls the engine's image, or with `--build` (llama_cpp) builds a
 * CPU llama-server from source and packages it as the local image `kitt/llama-cpp:cpu`.
 */
export async function enginesSetupCommand(name: string, options: OptionsOf<typeof ENGINES_SETUP_OPTIONS>): Promise<void> {
  const spec = getEngineSpec(name);
  if (options.build) {
    if (spec.name !== "llama_cpp") throw new KittError("USAGE", `--build is only available for llama_cpp`);
    if (options.dryRun) {
      step("would fetch llama.cpp's source from the npm package node-llama-cpp, build llama-server (CPU) into the kitt cache, and package it as kitt/llama-cpp:cpu");
      return;
    }
    await buildLlamaCpp(options);
    return;
  }
  const facts = await hostFacts();
  const unsupported = spec.unsupportedReason?.(facts);
  if (unsupported) throw new KittError("PLATFORM_UNSUPPORTED", unsupported);
  const choice = chooseImage(spec, facts, await loadEnginesConfig(), false);
  if (options.dryRun) {
    step(`would run: docker pull ${choice.image}   (${choice.source} image for ${spec.name})`);
    return;
  }
  await assertDockerDaemon();
  step(`pulling ${choice.image}`);
  const pull = await docker(["pull", choice.image]);
  if (pull.exitCode !== 0) {
    throw new KittError("IMAGE_MISSING", `cannot pull ${choice.image}: ${pull.stderr.trim().split("\n").at(-1) ?? ""}`);
  }
  success(`${spec.name} is ready: ${choice.image}`);
}

export async function buildLlamaCpp(options: { forceRebuild?: boolean; image?: boolean }): Promise<void> {
  const progress = progressLine();
  const server = await ensureLlamaServer({
    force: options.forceRebuild,
    onProgress: (event) => progress.update(`llama-server: ${event.phase}${event.percent === undefined ? "" : ` ${event.percent}%`}`),
  });
  progress.done(`llama-server ${server.tag} (${server.commit.slice(0, 7)}) at ${server.binary}`);
  if (options.image === false) return;
  try {
    await assertDockerDaemon();
  } catch (error) {
    warn(`not packaging a Docker image: ${(error as Error).message}`);
    return;
  }
  const image = await ensureLlamaCppImage({ force: options.forceRebuild });
  success(`Docker image ${image.tag} ready`);
}
