#!/usr/bin/env node
// Emulated TGI, started like `text-generation-launcher`: tgi.mjs --model-id MODEL --hostname H --port P
import { runEngineCli } from "../core/cli.mjs";
import { tgi } from "../engines/tgi.mjs";

await runEngineCli(tgi);
