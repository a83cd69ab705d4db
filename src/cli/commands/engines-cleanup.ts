import { describeError } from "../../errors.js";
import { removeLeftoverContainers } from "../../runtime/docker.js";
import { killLeftoverProcesses } from "../../runtime/pid-files.js";
import { success, warn } from "../ui.js";

/**
 * `kitt engines cleanup`: removes what a killed kitt left behind — containers labelled
 * `kitt.managed=true`, and native engine process groups recorded under `~/.kitt/run`.
 */
export async function enginesCleanupCommand(): Promise<void> {
  const processes = killLeftoverProcesses();
  if (processes.length > 0) {
    success(`stopped ${processes.length} leftover engine process(es): ${processes.map((p) => `${p.engine} (pid ${p.pid})`).join(", ")}`);
  }
  let containers: string[] = [];
  try {
    containers = await removeLeftoverContainers();
  } catch (error) {
    warn(`containers not checked: ${describeError(error)}`);
  }
  if (containers.length > 0) success(`removed ${containers.length} leftover container(s): ${containers.join(", ")}`);
  if (processes.length === 0 && containers.length === 0) success("nothing left behind");
}
