/**
 * Runs generations the way a serving engine schedules them: at most `maxRunning` at once,
 * the rest queued; each token written after its delay; every finished request recorded so
 * `/metrics` can report real counts and latencies.
 */
import { sleep } from "./http-util.mjs";

export class Scheduler {
  constructor(settings) {
    this.settings = settings;
    this.running = 0;
    this.queue = [];
    this.finished = [];
  }

  get waiting() {
    return this.queue.length;
  }

  async acquire() {
    if (this.running < this.settings.maxRunning) {
      this.running += 1;
      return;
    }
    await new Promise((resolve) => this.queue.push(resolve));
  }

  release() {
    const next = this.queue.shift();
    if (next) next();
    else this.running -= 1;
  }

  /**
   * Generates `plan.pieces`, calling `emit(piece, index, isLast)` as each token is ready.
   * Returns the request record, or undefined when the client went away mid-answer.
   */
  async generate({ plan, promptTokens, maxTokens, res, emit, extraFirstDelayMs = 0 }) {
    const arrived = performance.now();
    let gone = false;
    res.on("close", () => {
      if (!res.writableFinished) gone = true;
    });
    await this.acquire();
    const started = performance.now();
    const times = [];
    try {
      for (let i = 0; i < plan.pieces.length; i++) {
        await sleep(i === 0 ? this.settings.firstTokenDelayMs + extraFirstDelayMs : this.settings.tokenDelayMs);
        if (gone) return undefined;
        emit(plan.pieces[i], i, i === plan.pieces.length - 1);
        times.push(performance.now());
      }
    } finally {
      this.release();
    }
    const first = times[0] ?? started;
    const last = times[times.length - 1] ?? started;
    const record = {
      promptTokens,
      completionTokens: plan.pieces.length,
      maxTokens,
      finishReason: plan.finishReason,
      queueSeconds: (started - arrived) / 1000,
      ttftSeconds: (first - arrived) / 1000,
      prefillSeconds: (first - started) / 1000,
      decodeSeconds: (last - first) / 1000,
      e2eSeconds: (last - arrived) / 1000,
      interTokenSeconds: times.slice(1).map((t, i) => (t - times[i]) / 1000),
    };
    this.finished.push(record);
    return record;
  }
}
