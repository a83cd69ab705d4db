#!/usr/bin/env node
// Emulated Ollama, started like `ollama`: OLLAMA_HOST=H:P ollama.mjs serve
import { runEngineCli } from "../core/cli.mjs";
import { ollama } from "../engines/ollama.mjs";

await runEngineCli(ollama);
