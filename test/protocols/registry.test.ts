import { describe, expect, it } from "vitest";
import { getProtocol, protocols } from "../../src/protocols/index.js";

describe("protocol registry", () => {
  it("has every protocol under its own name", () => {
    for (const [name, protocol] of Object.entries(protocols)) expect(protocol.name).toBe(name);
    expect(Object.keys(protocols).sort()).toEqual(["llamacpp-completion", "ollama-generate", "openai-chat", "openai-completions", "tgi-generate"]);
  });

  it("looks protocols up by name", () => {
    expect(getProtocol("tgi-generate")).toBe(protocols["tgi-generate"]);
  });
});
