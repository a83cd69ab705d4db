/**
 * A scripted `QualityEngine`: it knows the answer key and gives log-likelihood 0 to true
 * continuations (−20 to the others), puts the gold letter first in its top-k, and generates the
 * gold answer. It counts its calls and can run a hook before each one.
 */
import type { EngineCapabilities } from "../../../src/engines/types.js";
import type { ContinuationLogprob } from "../../../src/quality/engine/continuation-tokens.js";
import type { QualityEngine } from "../../../src/quality/engine/quality-engine.js";
import type { TopLogprob } from "../../../src/quality/scoring/letters.js";

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
    return { logprob: right ? 0 : -20, isGreedy: right, tokens: 1 };
  }

  async loglikelihoods(context: string, continuations: readonly string[], signal?: AbortSignal): Promise<ContinuationLogprob[]> {
    const results: ContinuationLogprob[] = [];
    for (const continuation of continuations) results.push(await this.loglikelihood(context, continuation, signal));
    return results;
  }

  async firstTokenTopK(prompt: string, _k: number, signal?: AbortSignal): Promise<TopLogprob[]> {
    this.calls.topK++;
    await this.enter(prompt, signal);
    const letter = this.key.letters.get(prompt) ?? "?";
    return [
      { token: ` ${letter}`, logprob: -0.05 },
      { token: " Z", logprob: -4 },
    ];
  }

  async generate(prompt: string, _stop: readonly string[], signal?: AbortSignal): Promise<string> {
    this.calls.generate++;
    await this.enter(prompt, signal);
    return this.key.generations.get(prompt) ?? " I do not know.";
  }
}
