import pc from "picocolors";
import { loadEnginesConfig } from "../../config/engines-config.js";
import { KittError } from "../../errors.js";
import { chooseImage } from "../../engines/images.js";
import { localNativeBinary } from "../../engines/local-binaries.js";
import { getEngineSpec } from "../../engines/registry.js";
import { hostFacts } from "../../hardware/host-facts.js";
import { docker } from "../../runtime/docker-cli.js";

/**
 * `kitt engines check NAME`: can this engine run here, and how? Prints one line per fact and
 * fails with PLATFORM_UNSUPPORTED when it cannot run on this machine at all.
 */
export async function enginesCheckCommand(name: string): Promise<void> {
  const spec = getEngineSpec(name);
  const facts = await hostFacts();
  const line = (ok: boolean | undefined, label: string, value: string): void => {
    const mark = ok === undefined ? pc.dim("-") : ok ? pc.green("✓") : pc.yellow("✗");
    process.stdout.write(`${mark} ${label.padEnd(16)} ${value}\n`);
  };
  process.stdout.write(`${pc.bold(spec.displayName)} (${spec.name}): ${spec.description}\n`);
  const unsupported = spec.unsupportedReason?.(facts);
  line(!unsupported, "platform", unsupported ?? `${facts.platform}/${facts.arch}`);
  line(undefined, "formats", spec.formats.join(", "));
  line(undefined, "port", `${spec.defaultPort} (ready when ${spec.readiness.path} answers; not ready: ${spec.readiness.notReadyDescription})`);
  if (spec.runtimes.includes("docker")) {
    const info = await docker(["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 10_000 }).catch(() => undefined);
    const daemon = info?.exitCode === 0;
    line(daemon, "docker", daemon ? `daemon ${info?.stdout}` : "no Docker daemon answers");
    if (daemon) {
      const config = await loadEnginesConfig();
      const local = spec.localBuildImage ? await imagePresent(spec.localBuildImage) : false;
      const choice = chooseImage(spec, facts, config, local);
      const present = await imagePresent(choice.image);
      line(present, "image", `${choice.image} (${choice.source}${present ? ", present" : ", not pulled: 'kitt engines setup " + spec.name + "'"})`);
    }
  }
  if (spec.nativeCommand) {
    const local = await localNativeBinary(spec.name);
    line(undefined, "native", local ? `${local.command} (built by kitt)` : `runs '${spec.nativeCommand({ modelPath: "MODEL", modelName: "MODEL", host: "127.0.0.1", port: spec.defaultPort, extraArgs: [] }).command}' from PATH`);
  }
  if (unsupported) throw new KittError("PLATFORM_UNSUPPORTED", unsupported);
}

async function imagePresent(image: string): Promise<boolean> {
  return (await docker(["image", "inspect", "--format", "{{.Id}}", image])).exitCode === 0;
}
