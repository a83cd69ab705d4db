/**
 * Which image an engine runs: `image_overrides` from `~/.kitt/engines.yaml` win, then an
 * image kitt built locally (when no GPU calls for another), then the platform-aware
 * choice (CPU architecture, GPU compute capability), then the engine's default.
 */
import { KittError } from "../errors.js";
import type { EnginesConfig } from "../config/engines-config.js";
import type { HostFacts } from "../hardware/host-facts.js";
import type { EngineSpec } from "./types.js";

export interface ImageChoice {
  image: string;
  source: "override" | "local-build" | "platform" | "default";
}

export function chooseImage(
  spec: EngineSpec,
  host: HostFacts,
  config: EnginesConfig,
  localImageExists: boolean,
): ImageChoice {
  const override = config.image_overrides[spec.name];
  if (override) return { image: override, source: "override" };
  if (spec.localBuildImage && localImageExists && host.computeCapability === undefined) {
    return { image: spec.localBuildImage, source: "local-build" };
  }
  const platform = spec.chooseImage?.(host);
  if (platform) return { image: platform, source: "platform" };
  if (spec.defaultImage) return { image: spec.defaultImage, source: "default" };
  throw new KittError("PLATFORM_UNSUPPORTED", `engine ${spec.name} has no container image; use --runtime native`);
}
