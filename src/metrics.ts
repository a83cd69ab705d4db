/** What a test reports: named plain-JSON values, stored and shown as they are. */
import type { JsonValue } from "./json.js";

export type Metrics = { [key: string]: JsonValue };
