/**
 * Import rules for src/, checked by `npm run lint`. The layer list is ARCHITECTURE.md's: a
 * folder may import from its own layer's folders and from any layer below, never from above.
 */

/** Top to bottom. Below them all: the files directly in src/ (json, metrics, stats, errors…). */
const LAYERS = [
  ["cli"],
  ["pipeline"],
  ["server", "agent", "runtime-sidecar"],
  ["report"],
  ["store"],
  ["results"],
  ["bench"],
  ["quality"],
  ["datasets"],
  ["serve", "collectors"],
  ["engines"],
  ["models", "downloads"],
  ["setup", "preflight"],
  ["runtime", "hardware"],
  ["protocols", "config"],
  ["fs"],
];
const ROOT_FILES = "^src/[^/]+\\.ts$";

const folders = (layers) => `^src/(${layers.flat().join("|")})/`;

const layerRules = LAYERS.slice(1).map((layer, index) => ({
  name: `layer-${layer.join("-")}`,
  comment: `${layer.join(", ")} may not import from a layer above it (ARCHITECTURE.md)`,
  severity: "error",
  from: { path: folders([layer]) },
  to: { path: folders(LAYERS.slice(0, index + 1)) },
}));

export default {
  forbidden: [
    {
      name: "no-circular",
      comment: "Files that import each other, directly or through others.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-folder-cycle",
      comment: "Folders that import each other, directly or through others.",
      severity: "error",
      scope: "folder",
      from: { path: "^src/" },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: "layer-unlisted-folder",
      comment: "Every folder of src/ has a place in the layer list above (and in ARCHITECTURE.md).",
      severity: "error",
      from: { path: "^src/[^/]+/", pathNot: folders(LAYERS) },
      to: {},
    },
    {
      name: "layer-root-files",
      comment: "The files directly in src/ are the bottom layer: they import no folder of src/.",
      severity: "error",
      from: { path: ROOT_FILES },
      to: { path: "^src/[^/]+/" },
    },
    {
      name: "server-without-agent",
      comment: "kitt agent uses the server's protocol, job request and job process; the server never needs the agent.",
      severity: "error",
      from: { path: "^src/server/" },
      to: { path: "^src/agent/" },
    },
    {
      name: "serve-workers-stay-small",
      comment: "Worker threads load src/serve/workers and what it imports: never the CLI or the pipelines.",
      severity: "error",
      from: { path: "^src/serve/workers/" },
      to: { path: "^src/(cli|pipeline)/" },
    },
    {
      name: "quality-task-folders-closed",
      comment: "A quality task's folder is used only through quality/tasks/registry.ts, so a new task is one folder and one registry line.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/quality/tasks/" },
      to: { path: "^src/quality/tasks/[^/]+/" },
    },
    {
      name: "no-orphans",
      comment: "A module that imports nothing and that nothing imports is dead code, unless it is an entry point.",
      severity: "error",
      from: { orphan: true, path: "^src/", pathNot: ["^src/cli/bin\\.ts$", "\\.d\\.ts$"] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
