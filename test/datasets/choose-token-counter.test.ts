import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseTokenCounter } from "../../src/datasets/tokenizers/choose-token-counter.js";
import { EngineTokenCounter } from "../../src/datasets/tokenizers/engine-token-counter.js";
import { loadTokenizerJson } from "../../src/datasets/tokenizers/tokenizer-json-counter.js";
import { KittError } from "../../src/errors.js";
import { freePort } from "../support/llama.js";
import { startFakeTokenizeServer, type FakeTokenizeServer } from "./fake-tokenize-server.js";

const tinyTokenizer = fileURLToPath(new URL("../fixtures/datasets/tiny-tokenizer.json", import.meta.url));
let server: FakeTokenizeServer;
let dir: string;

beforeAll(async () => {
  server = await startFakeTokenizeServer(0);
  dir = await mkdtemp(join(tmpdir(), "kitt-choose-counter-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<KittError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(KittError);
  return error as KittError;
}

describe("chooseTokenCounter", () => {
  it("uses the engine's own endpoint when it has one", async () => {
    const counter = await chooseTokenCounter({ engine: "llama_cpp", baseUrl: server.baseUrl, tokenizerPath: tinyTokenizer, needsDecode: true });
    expect(counter.source).toBe("engine");
    expect(counter.label).toContain(server.baseUrl);
    await (counter as EngineTokenCounter).close();
  });

  it("falls back to --tokenizer where the engine cannot do what the data set needs", async () => {
    for (const options of [
      { engine: "ollama", baseUrl: server.baseUrl, needsDecode: false },
      { engine: "tgi", baseUrl: server.baseUrl, needsDecode: true },
      { engine: "vllm", needsDecode: false },
      { engine: "vllm", baseUrl: `http://127.0.0.1:${await freePort()}`, needsDecode: false },
    ]) {
      const counter = await chooseTokenCounter({ ...options, tokenizerPath: tinyTokenizer });
      expect(counter).toMatchObject({ source: "tokenizer.json", label: tinyTokenizer });
    }
    const tgi = await chooseTokenCounter({ engine: "tgi", baseUrl: server.baseUrl, needsDecode: false });
    expect(tgi.source).toBe("engine");
  });

  it("says what to pass when nothing can count tokens, and never downloads", async () => {
    const ollama = await failure(chooseTokenCounter({ engine: "ollama", baseUrl: server.baseUrl, needsDecode: false }));
    expect(ollama.code).toBe("USAGE");
    expect(ollama.message).toMatch(/ollama has no tokenize endpoint; pass --tokenizer PATH .*kitt does not download tokenizers/);
    const tgi = await failure(chooseTokenCounter({ engine: "tgi", baseUrl: server.baseUrl, needsDecode: true }));
    expect(tgi.message).toMatch(/TGI \/tokenize cannot turn token ids back into text/);
    const noUrl = await failure(chooseTokenCounter({ engine: "sglang", needsDecode: false }));
    expect(noUrl.message).toMatch(/no sglang URL/);
    const dead = await failure(chooseTokenCounter({ engine: "vllm", baseUrl: `http://127.0.0.1:${await freePort()}`, needsDecode: false }));
    expect(dead.code).toBe("ENGINE_REQUEST_FAILED");
    expect(dead.message).toMatch(/cannot reach vLLM \/tokenize.*; pass --tokenizer PATH/);
  });
});

describe("loadTokenizerJson", () => {
  it("loads a tokenizer.json, or the folder holding one", async () => {
    const fromFile = await loadTokenizerJson(tinyTokenizer);
    const modelDir = join(dir, "model");
    await mkdir(modelDir);
    await copyFile(tinyTokenizer, join(modelDir, "tokenizer.json"));
    await writeFile(join(modelDir, "tokenizer_config.json"), JSON.stringify({ clean_up_tokenization_spaces: false }));
    const fromDir = await loadTokenizerJson(modelDir);
    expect(fromDir.label).toBe(join(modelDir, "tokenizer.json"));
    expect(await fromFile.encode(["The thing on"])).toEqual([[55, 54, 57, 58]]);
    expect(await fromFile.decode([[55, 54, 57, 58], []])).toEqual(["the thing on", ""]);
    expect(await fromFile.specialTokens()).toBe(1);
    await expect(fromDir.encode(["x"])).resolves.toHaveLength(1);
  });

  it("explains a missing or unusable file", async () => {
    expect((await failure(loadTokenizerJson(join(dir, "absent.json")))).code).toBe("NOT_FOUND");
    const emptyDir = await failure(loadTokenizerJson(dir));
    expect(emptyDir.message).toMatch(/cannot read .*tokenizer\.json/);
    await writeFile(join(dir, "broken.json"), "{ not json");
    expect(await failure(loadTokenizerJson(join(dir, "broken.json")))).toMatchObject({ code: "CONFIG_INVALID" });
    await writeFile(join(dir, "other.json"), JSON.stringify({ model: { type: "Mystery" }, added_tokens: [] }));
    const other = await failure(loadTokenizerJson(join(dir, "other.json")));
    expect(other.message).toMatch(/is not a tokenizer kitt can load/);
  });
});
