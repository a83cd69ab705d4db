/** Options of `kitt engines`, and of `kitt fingerprint` and `kitt demo`, which describe and use the machine engines run on. */
import { JSON_OPTION } from "./common.js";
import { defineOptions } from "./table.js";

export const ENGINES_SETUP_OPTIONS = defineOptions({
  dryRun: { flags: "--dry-run", description: "say what would be done, do nothing" },
  build: { flags: "--build", description: "build from source instead of pulling (llama_cpp: CPU llama-server and a local image)" },
  forceRebuild: { flags: "--force-rebuild", description: "rebuild even when a cached build exists" },
  image: { flags: "--no-image", description: "with --build, do not package the build as a Docker image" },
});

export const ENGINES_CLEANUP_OPTIONS = defineOptions({
  all: { flags: "--all", description: "remove every kitt container and engine process, including those of runs still going" },
});

export const FINGERPRINT_OPTIONS = defineOptions({
  ...JSON_OPTION,
  verbose: { flags: "--verbose", description: "print every field" },
});

export const DEMO_OPTIONS = defineOptions({
  output: { flags: "-o, --output <dir>", description: "results folder" },
});
