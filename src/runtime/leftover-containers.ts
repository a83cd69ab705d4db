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
  const removed = containers.filter((container) => options.all || container.state === "gone");
  const kept = containers.filter((container) => !removed.includes(container));
  if (removed.length > 0) {
    const result = await docker(["rm", "-f", ...removed.map((container) => container.name)], { timeoutMs: 120_000 });
    if (result.exitCode !== 0) throw new KittError("DOCKER_UNAVAILABLE", `cannot remove containers: ${result.stderr.trim() || "no output"}`);
  }
  return { removed, kept };
}
