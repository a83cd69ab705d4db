import { fileURLToPath } from "node:url";

export const FIXTURES = fileURLToPath(new URL("../fixtures/quality/", import.meta.url));
