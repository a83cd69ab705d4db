import { describeError } from "../../errors.js";
import { removeLeftoverContainers, type ContainerCleanup } from "../../runtime/leftover-containers.js";
import { killLeftoverProcesses } from "../../runtime/pid-files.js";
import type { OwnerState, ProcessOwner } from "../../runtime/process-owner.js";
import type { ENGINES_CLEANUP_OPTIONS } from "../options/engines.js";
import type { OptionsOf } from "../options/table.js";
import { success, warn } from "../ui.js";

/**
 * `kitt engines cleanup`: removes what a killed kitt left behind — containers labelled
 * `kitt.managed=true` and native engine process groups recorded under `~/.kitt/run` — but only
 * where the kitt that started them is provably gone. `--all` removes every one of them.
 */
export async function enginesCleanupCommand(options: OptionsOf<typeof ENGINES_CLEANUP_OPTIONS> = {}): Promise<void> {
  const all = options.all ?? false;
  if (all) warn("--all: removing every kitt container and engine process, including those of runs still going");
  const processes = killLeftoverProcesses({ all });
  if (processes.stopped.length > 0) {
    success(`stopped ${processes.stopped.length} leftover engine process(es): ${processes.stopped.map((p) => `${p.engine} (pid ${p.pid})`).join(", ")}`);
  }
  let containers: ContainerCleanup = { removed: [], kept: [] };
  try {
    containers = await removeLeftoverContainers({ all });
  } catch (error) {
    warn(`containers not checked: ${describeError(error)}`);
  }
  if (containers.removed.length > 0) {
    success(`removed ${containers.removed.length} leftover container(s): ${containers.removed.map((c) => c.name).join(", ")}`);
  }
  const kept: Kept[] = [
    ...processes.kept.map((p) => ({ name: `${p.engine} pid ${p.pid}`, owner: p.owner ?? {}, state: p.state })),
    ...containers.kept,
  ];
  const running = kept.filter((k) => k.state === "alive");
  if (running.length > 0) {
    success(`left alone, their kitt is still running: ${running.map((k) => `${k.name} (kitt pid ${k.owner.pid})`).join(", ")}`);
  }
  const uncertain = kept.filter((k) => k.state !== "alive");
  if (uncertain.length > 0) {
    warn(
      `left alone, their kitt cannot be checked from here: ${uncertain.map((k) => `${k.name} (${uncertainOwner(k)})`).join(", ")}; ` +
        "if no kitt uses them any more, 'kitt engines cleanup --all' removes them (and those of runs still going)",
    );
  }
  if (processes.stopped.length + containers.removed.length + kept.length === 0) success("nothing left behind");
}

interface Kept {
  name: string;
  owner: Partial<ProcessOwner>;
  state: OwnerState;
}

function uncertainOwner({ owner, state }: Kept): string {
  if (owner.pid === undefined) return "owner not recorded: made by an older kitt";
  if (state === "elsewhere") return `kitt pid ${owner.pid}${owner.host ? ` on ${owner.host}` : ""}: another host, a container, or before a reboot`;
  return `kitt pid ${owner.pid}: not checkable on this host`;
}
