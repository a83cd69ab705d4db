import { removeLeftoverContainers } from "../../runtime/docker.js";
import { success } from "../ui.js";

/** `kitt engines cleanup`: removes containers labelled as kitt's that a killed kitt left behind. */
export async function enginesCleanupCommand(): Promise<void> {
  const removed = await removeLeftoverContainers();
  if (removed.length === 0) success("no leftover kitt containers");
  else success(`removed ${removed.length} leftover container(s): ${removed.join(", ")}`);
}
