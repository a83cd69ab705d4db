/**
 * Finding and removing the containers a killed kitt left behind. Every container kitt starts
 * carries its owner as labels (container-labels.ts); cleanup removes only those whose owner is
 * provably gone, so it never pulls a container from under a run that is still going — in
 * another terminal, under another KITT_HOME, or on another host that shares the Docker daemon.
 */
import { KittError } from "../errors.js";
import { ENGINE_LABEL, KITT_LABEL, OWNER_LABELS } from "./container-labels.js";
import { docker, assertDockerDaemon } from "./docker-cli.js";
import { ownerState, type OwnerState, type ProcessOwner } from "./process-owner.js";

export interface KittContainer {
  name: string;
  engine: string;
  owner: Partial<ProcessOwner>;
  state: OwnerState;
}

export interface ContainerCleanup {
  removed: KittContainer[];
  /** Left alone: their owner is alive, elsewhere or unknown. */
  kept: KittContainer[];
}

/** Every container with kitt's label, and what is known of its owner. */
export async function listKittContainers(): Promise<KittContainer[]> {
  const fields = [ENGINE_LABEL, ...Object.values(OWNER_LABELS)].map((label) => `{{.Label "${label}"}}`);
  const list = await docker(["ps", "-a", "--filter", `label=${KITT_LABEL}=true`, "--format", `{{.Names}}\t${fields.join("\t")}`], {
    timeoutMs: 30_000,
  });
  if (list.exitCode !== 0) throw new KittError("DOCKER_UNAVAILABLE", `cannot list containers: ${list.stderr.trim() || "no output"}`);
  return list.stdout
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => {
      const [name = "", engine = "", pid, startTime, bootId, pidNamespace, host] = line.split("\t").map((value) => value.trim());
      const owner: Partial<ProcessOwner> = {
        pid: pid ? Number(pid) : undefined,
        startTime: startTime || undefined,
        bootId: bootId || undefined,
        pidNamespace: pidNamespace || undefined,
        host: host || undefined,
      };
      return { name, engine, owner, state: ownerState(owner) };
    });
}

/** Removes kitt's containers whose owner is gone, or every one of them with `all`. */
export async function removeLeftoverContainers(options: { all?: boolean } = {}): Promise<ContainerCleanup> {
  await assertDockerDaemon();
  const containers = await listKittContainers();
  const targets = containers.filter((container) => options.all || container.state === "gone");
  const kept = containers.filter((container) => !targets.includes(container));
  if (targets.length === 0) return { removed: [], kept };
  const result = await docker(["rm", "-f", ...targets.map((container) => container.name)], { timeoutMs: 120_000 });
  // Another cleanup may have removed some meanwhile: what matters is that they are gone.
  const left = new Set((await listKittContainers()).map((container) => container.name));
  const stuck = targets.filter((container) => left.has(container.name));
  if (stuck.length > 0) {
    const reason = result.stderr.trim().split("\n").at(-1) || "no output";
    throw new KittError("DOCKER_UNAVAILABLE", `cannot remove ${stuck.map((container) => container.name).join(", ")}: ${reason}`);
  }
  return { removed: targets, kept };
}
