#!/usr/bin/env node
// Emulated SGLang, started with what follows `python3`: sglang.mjs -m sglang.launch_server --model-path MODEL --host H --port P [--enable-metrics]
import { runEngineCli } from "../core/cli.mjs";
import { sglang } from "../engines/sglang.mjs";

await runEngineCli(sglang);
