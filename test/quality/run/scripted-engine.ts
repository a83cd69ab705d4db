/**
 * A scripted `QualityEngine`: it knows the answer key and gives log-likelihood 0 to true
 * continuations (−20 to the others), puts the gold letter first in its top-k, and generates the
 * gold answer. It counts its calls and can run a hook before each one.
 */
import type { EngineCapabilities } from "../../../src/engines/types.js";
import type { ContinuationLogprob } from "../../../src/quality/engine/continuation-tokens.js";
import type { Generated } from "../../../src/quality/engine/greedy.js";
import type { PromptWindow } from "../../../src/quality/engine/prompt-window.js";
import type { QualityEngine } from "../../../src/quality/engine/quality-engine.js";
import type { TopK } from "../../../src/quality/engine/top-k.js";

export interface AnswerKey {
  /** context → its true continuations. */
  trueContinuations: Map<string, Set<string>>;
  /** lettered prompt → gold letter. */
  letters: Map<string, string>;
  /** generation prompt → what to generate. */
  generations: Map<string, string>;
}

export function emptyAnswerKey(): AnswerKey {
  return { trueContinuations: new Map(), letters: new Map(), generations: new Map() };
}

export class ScriptedEngine implements QualityEngine {
  readonly name = "scripted";
  readonly model = "scripted-model";
  /** It says no context, so no prompt is cut. */
  readonly window: PromptWindow = { truncate: "left", contextLength: undefined };
  readonly promptEncoding = "token_ids" as const;
  readonly calls = { loglikelihood: 0, topK: 0, generate: 0 };
  /** Every prompt (or context) asked about, in order. */
  readonly asked: string[] = [];

  constructor(
    private readonly key: AnswerKey,
    readonly capabilities: EngineCapabilities = { promptLogprobs: true, topLogprobs: true, busyConcurrency: 4 },
    private readonly beforeCall: (signal?: AbortSignal) => void | Promise<void> = () => undefined,
  ) {}

  private async enter(prompt: string, signal?: AbortSignal): Promise<void> {
    this.asked.push(prompt);
    await this.beforeCall(signal);
    // Let other documents start, as a real engine would.
    await new Promise((resolve) => setTimeout(resolve, 1));
    signal?.throwIfAborted();
  }

  async loglikelihood(context: string, continuation: string, signal?: AbortSignal): Promise<ContinuationLogprob> {
    this.calls.loglikelihood++;
    await this.enter(context, signal);
    const right = this.key.trueContinuations.get(context)?.has(continuation) ?? false;
    return { logprob: right ? 0 : -20, isGreedy: right, tokens: 1, truncated: false };
  }

  async loglikelihoods(context: string, continuations: readonly string[], signal?: AbortSignal): Promise<ContinuationLogprob[]> {
    const results: ContinuationLogprob[] = [];
    for (const continuation of continuations) results.push(await this.loglikelihood(context, continuation, signal));
    return results;
  }

  async firstTokenTopK(prompt: string, _k: number, signal?: AbortSignal): Promise<TopK> {
    this.calls.topK++;
    await this.enter(prompt, signal);
    const letter = this.key.letters.get(prompt) ?? "?";
    const top = [
      { token: ` ${letter}`, logprob: -0.05 },
      { token: " Z", logprob: -4 },
    ];
    return { top, truncated: false };
  }

  async generate(prompt: string, _stop: readonly string[], signal?: AbortSignal): Promise<Generated> {
    this.calls.generate++;
    await this.enter(prompt, signal);
    return { text: this.key.generations.get(prompt) ?? " I do not know.", truncated: false };
  }
}
