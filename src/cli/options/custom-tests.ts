/** Options of `kitt test new` and `kitt test list`. */
import { SCORING_TYPES } from "../../bench/custom/scoring.js";
import { JSON_OPTION } from "./common.js";
import { defineOptions } from "./table.js";

export const TEST_NEW_OPTIONS = defineOptions({
  scoring: { flags: "--scoring <type>", description: "how outputs are scored", choices: SCORING_TYPES, default: "exact" },
  dir: { flags: "--dir <dir>", description: "write it here instead of ~/.kitt/tests" },
  force: { flags: "--force", description: "overwrite an existing file" },
});

export const TEST_LIST_OPTIONS = defineOptions({
  dir: { flags: "--dir <dir>", description: "look for custom tests here instead of ~/.kitt/tests" },
  ...JSON_OPTION,
});
