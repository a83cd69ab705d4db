/** Options many commands share word for word. */
import { defineOptions } from "./table.js";

export const JSON_OPTION = defineOptions({
  json: { flags: "--json", description: "print JSON" },
});
