/**
 * One line from what an engine answered when it refused an adapter, on the bodies the engines
 * send: vLLM's nested error (0.10 on, as captured from a live server) and its flat one before,
 * SGLang's update result, llama.cpp's error (as the llama-server kitt builds answers), FastAPI's
 * answer for a route the server does not have.
 */
import { describe, expect, it } from "vitest";
import { engineMessage, isMissingRoute } from "../../src/runtime-sidecar/lora/engine-refusal.js";

const VLLM_NESTED = `{"error":{"message":"The lora adapter 'nsfw-rp' has already been loaded. If you want to load the adapter in place, set 'load_inplace' to True.","type":"InvalidUserInput","param":null,"code":400}}`;
const VLLM_FLAT = `{"object":"error","message":"The lora adapter 'sql' cannot be found.","type":"NotFoundError","param":null,"code":404}`;
const SGLANG = '{"success":false,"error_message":"LoRA is not enabled. Please set `--enable-lora` to enable LoRA.","loaded_adapters":null}';
const LLAMA_CPP = `{"error":{"code":400,"message":"Request body must be an array","type":"invalid_request_error"}}`;

describe("engineMessage", () => {
  it("takes the engine's own message from each engine's error body", () => {
    expect(engineMessage(VLLM_NESTED)).toBe("The lora adapter 'nsfw-rp' has already been loaded. If you want to load the adapter in place, set 'load_inplace' to True.");
    expect(engineMessage(Buffer.from(VLLM_FLAT))).toBe("The lora adapter 'sql' cannot be found.");
    expect(engineMessage(SGLANG)).toBe("LoRA is not enabled. Please set `--enable-lora` to enable LoRA.");
    expect(engineMessage(LLAMA_CPP)).toBe("Request body must be an array");
    expect(engineMessage(`{"detail":"Not Found"}`)).toBe("Not Found");
  });

  it("falls back on the body's first line, and says when there was none", () => {
    expect(engineMessage("Internal Server Error\ntraceback…")).toBe("Internal Server Error");
    expect(engineMessage(`{"error":{"message":"first\\nsecond"}}`)).toBe("first");
    expect(engineMessage(`{"unexpected":true}`)).toBe(`{"unexpected":true}`);
    expect(engineMessage("")).toBe("(empty body)");
  });
});

describe("isMissingRoute", () => {
  it("is FastAPI's answer for a route that does not exist, not a refusal by one that does", () => {
    expect(isMissingRoute(404, `{"detail":"Not Found"}`)).toBe(true);
    expect(isMissingRoute(405, `{"detail":"Method Not Allowed"}`)).toBe(true);
    expect(isMissingRoute(404, "<html>404 Not Found</html>")).toBe(true);
    expect(isMissingRoute(404, VLLM_FLAT)).toBe(false);
    expect(isMissingRoute(404, `{"error":{"message":"Loading lora sql failed: No adapter found for /x","type":"NotFoundError","param":null,"code":404}}`)).toBe(false);
    expect(isMissingRoute(400, `{"detail":"Not Found"}`)).toBe(false);
  });
});
