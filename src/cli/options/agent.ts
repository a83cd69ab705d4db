/** Options of `kitt agent`. */
import { JOB_STATUSES } from "../../agent/agent-state.js";
import { JSON_OPTION } from "./common.js";
import { defineOptions } from "./table.js";

export const AGENT_INIT_OPTIONS = defineOptions({
  server: { flags: "--server <url>", description: "the kitt web server's base URL (https://host:port)", mandatory: true },
  code: { flags: "--code <code>", description: "the single-use enrolment code from the server's Agents page or 'kitt web agent enrol'", mandatory: true },
  name: { flags: "--name <name>", description: "the agent's name on the server (default: this host's name)" },
  modelDir: { flags: "--model-dir <dir>", description: "where this machine's models are (default KITT_MODEL_DIR or ~/.kitt/models)" },
  shareSource: { flags: "--share-source <source>", description: "an NFS export models are copied from (host:/path), mounted at --share-mount when it is not" },
  shareMount: { flags: "--share-mount <dir>", description: "the folder models are copied from when the model directory lacks them (any mounted path; with --share-source, where the export is mounted)" },
  caPin: { flags: "--ca-pin <pin>", description: "the server certificate's public-key pin (sha256//BASE64) or SHA-256 fingerprint (kitt web --tls prints both): trust that certificate only" },
  force: { flags: "--force", description: "enrol again, replacing this machine's agent configuration" },
});

export const AGENT_STATUS_OPTIONS = defineOptions({ ...JSON_OPTION });

export const AGENT_TEST_LIST_OPTIONS = defineOptions({
  status: { flags: "--status <status>", description: "only jobs with this status", choices: JOB_STATUSES },
  ...JSON_OPTION,
});

export const AGENT_PREFLIGHT_OPTIONS = defineOptions({ ...JSON_OPTION });

export const AGENT_UPDATE_OPTIONS = defineOptions({
  restart: { flags: "--restart", description: "restart the agent's systemd service once updated" },
});
