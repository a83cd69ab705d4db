/**
 * LoRA adapters loaded at run time, as vLLM and SGLang keep them: by name, with the folder they
 * were read from. Both list them in `/v1/models` after the base model, with `parent` set to it.
 * A folder without `adapter_config.json` is not a PEFT adapter.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

export class LoraAdapters {
  #byName = new Map();

  has(name) {
    return this.#byName.has(name);
  }

  add(name, path) {
    this.#byName.set(name, path);
  }

  remove(name) {
    this.#byName.delete(name);
  }

  names() {
    return [...this.#byName.keys()];
  }

  /** `{name: path}`, as SGLang's `loaded_adapters`. */
  paths() {
    return Object.fromEntries(this.#byName);
  }

  /** Model cards for `/v1/models`; `card` gives the engine's own fields for one adapter. */
  cards(card) {
    return [...this.#byName].map(([name, path]) => card(name, path));
  }
}

export function isPeftFolder(path) {
  return typeof path === "string" && existsSync(join(path, "adapter_config.json"));
}
