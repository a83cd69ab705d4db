/**
 * The example Kubernetes manifests agree with kitt itself: the sidecar's and the init
 * container's arguments are accepted by kitt's own command-line parser and settings, the
 * readiness probe asks the runtime's /health on the port it listens on, the scrape annotations
 * name that port and /metrics, the runtime reaches vLLM where vLLM listens, vLLM runs with what
 * runtime LoRA loading needs, and the adapter cache is the same folder in both containers.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { parseAllDocuments } from "yaml";
import { buildProgram } from "../../src/cli/program.js";
import { parseModelUri } from "../../src/downloads/model-uri.js";
import { runtimeSettings, type RuntimeFlags } from "../../src/runtime-sidecar/runtime-settings.js";

interface Container {
  name: string;
  image: string;
  args: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  ports?: Array<{ name: string; containerPort: number }>;
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

interface PodTemplate {
  metadata: { annotations: Record<string, string> };
  spec: { initContainers: Container[]; containers: Container[] };
}

const file = new URL("../../deploy/kubernetes/vllm-with-kitt-runtime.yaml", import.meta.url);
const documents = parseAllDocuments(readFileSync(file, "utf8")).map((doc) => {
  expect(doc.errors).toEqual([]);
  return doc.toJS() as { kind: string; spec: { template: PodTemplate } };
});
const template = documents.find((doc) => doc.kind === "Deployment")!.spec.template;
const byName = (name: string): Container => [...template.spec.initContainers, ...template.spec.containers].find((c) => c.name === name)!;
const flag = (container: Container, name: string): string | undefined => container.args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);

/** The options kitt's own parser makes of `args` for the command `path` (e.g. ["runtime"]). */
function parsedOptions(path: string[], args: string[]): Record<string, unknown> {
  let command: CommandUnknownOpts = buildProgram();
  for (const name of path) command = command.commands.find((c) => c.name() === name)!;
  const { operands, unknown } = command.parseOptions(args);
  expect(unknown).toEqual([]);
  return { ...command.opts(), operands };
}

describe("deploy/kubernetes", () => {
  it("runs kitt runtime with arguments kitt accepts, listening beyond loopback only with its token from a Secret", async () => {
    const sidecar = byName("kitt-runtime");
    expect(sidecar.image).toMatch(/^kitt\/runtime(:|$)/);
    expect(sidecar.args[0]).toBe("runtime");
    const options = parsedOptions(["runtime"], sidecar.args.slice(1));
    expect(options.operands).toEqual([]);
    const tokenEnv = sidecar.env?.find((entry) => entry.name === "KITT_RUNTIME_TOKEN");
    expect(tokenEnv?.valueFrom).toMatchObject({ secretKeyRef: { key: "token" } });
    const settings = await runtimeSettings(options as unknown as RuntimeFlags, { KITT_RUNTIME_TOKEN: "from-the-secret" });
    expect(settings).toMatchObject({ host: "0.0.0.0", port: 9000, engineMetricsPath: "/metrics", spec: { name: "vllm" }, loraCacheDir: "/lora", modelsDir: "/models" });
    await expect(runtimeSettings(options as unknown as RuntimeFlags, {})).rejects.toMatchObject({ code: "UNSAFE_BIND" });

    const port = sidecar.ports!.find((p) => p.containerPort === settings.port)!;
    expect(sidecar.readinessProbe!.httpGet).toEqual({ path: "/health", port: port.name });
    expect(template.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": String(settings.port), "prometheus.io/path": "/metrics" });

    const vllm = byName("vllm");
    expect(settings.engineBaseUrl).toBe(`http://${flag(vllm, "host")}:${flag(vllm, "port")}`);
    expect(vllm.args).toContain("--enable-lora");
    expect(vllm.env).toContainEqual({ name: "VLLM_ALLOW_RUNTIME_LORA_UPDATING", value: "True" });
    // The runtime tells vLLM a path inside its cache: both containers must see it at the same place.
    const cacheMount = (container: Container) => container.volumeMounts?.find((mount) => mount.mountPath === settings.loraCacheDir)?.name;
    expect(cacheMount(sidecar)).toBeDefined();
    expect(cacheMount(vllm)).toBe(cacheMount(sidecar));
  });

  it("downloads the model in an init container onto the volume vLLM serves it from", () => {
    const init = byName("download-model");
    expect(init.image).toBe(byName("kitt-runtime").image);
    expect(init.args.slice(0, 2)).toEqual(["models", "download"]);
    const options = parsedOptions(["models", "download"], init.args.slice(2)) as { operands: string[]; output: string };
    expect(parseModelUri(options.operands[0]!).scheme).toBe("s3");
    const vllm = byName("vllm");
    const mount = init.volumeMounts![0]!;
    expect(options.output.startsWith(`${mount.mountPath}/`)).toBe(true);
    expect(vllm.volumeMounts).toContainEqual(mount);
    expect(flag(vllm, "model")).toBe(options.output);
  });
});
