#!/usr/bin/env node
// Emulated TabbyAPI, started with what follows `python3`: tabbyapi.mjs main.py --host H --port P --model-dir D --model-name N [--disable-auth true]
import { runEngineCli } from "../core/cli.mjs";
import { tabbyapi } from "../engines/tabbyapi.mjs";

await runEngineCli(tabbyapi);
