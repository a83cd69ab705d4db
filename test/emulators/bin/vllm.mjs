#!/usr/bin/env node
// Emulated vLLM, started like `vllm`: vllm.mjs serve MODEL --host H --port P [--served-model-name N]
import { runEngineCli } from "../core/cli.mjs";
import { vllm } from "../engines/vllm.mjs";

await runEngineCli(vllm);
