/**
 * `kitt runtime image`: builds the local container image that runs this kitt (`kitt/runtime`),
 * for the runtime sidecar and `kitt models download` init containers; push it to your registry.
 */
import { ensureRuntimeImage } from "../../setup/runtime-image.js";
import type { RUNTIME_IMAGE_OPTIONS } from "../options/runtime.js";
import type { OptionsOf } from "../options/table.js";
import { progressLine, success } from "../ui.js";

export async function runtimeImageCommand(options: OptionsOf<typeof RUNTIME_IMAGE_OPTIONS>): Promise<void> {
  const progress = progressLine();
  const image = await ensureRuntimeImage({ tag: options.tag, force: options.force, onProgress: (event) => progress.update(event.message ?? event.phase) });
  progress.done(image.reused ? `${image.tag} is up to date (build ${image.build})` : `built ${image.tag} (kitt ${image.version}, build ${image.build})`);
  success(`run it as: docker run --rm --network host ${image.tag} runtime --engine vllm --pod NAME --model NAME`);
}
