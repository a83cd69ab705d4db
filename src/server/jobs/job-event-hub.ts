/**
 * Each job's live events, whoever runs it (this server's `JobRunner` or an agent posting its
 * events): numbered, kept in a bounded ring for viewers that arrive late, and passed on to the
 * current viewers. Channels of ended jobs nobody watches are forgotten beyond the latest few.
 */
import { describeError } from "../../errors.js";
import { DropOldestBuffer, type JobEvent, type JobListener, type SequencedJobEvent } from "./job-events.js";

export interface JobEventHubOptions {
  /** Events kept per job for viewers that arrive late (default 2000). */
  ringSize?: number;
  /** Ended jobs whose events stay in memory (default 8). */
  keepFinished?: number;
}

interface JobChannel {
  ring: DropOldestBuffer<SequencedJobEvent>;
  listeners: Set<JobListener>;
  seq: number;
  ended: boolean;
}

export class JobEventHub {
  private readonly channels = new Map<string, JobChannel>();
  private readonly ringSize: number;
  private readonly keepFinished: number;

  constructor(options: JobEventHubOptions = {}) {
    this.ringSize = options.ringSize ?? 2000;
    this.keepFinished = options.keepFinished ?? 8;
  }

  /**
   * Calls `listener` with the job's recent events (a `dropped` event first when the ring lost
   * some), then with each new one, until disposed. A listener must not block: queue and return.
   */
  subscribe(jobId: string, listener: JobListener): Disposable {
    const channel = this.channel(jobId);
    if (channel.ring.dropped > 0) listener({ type: "dropped", count: channel.ring.dropped, seq: 0 });
    for (const event of channel.ring.snapshot()) listener(event);
    channel.listeners.add(listener);
    return {
      [Symbol.dispose]: () => {
        channel.listeners.delete(listener);
        this.forgetOld();
      },
    };
  }

  /** The job's recent events, oldest first, and how many the ring has dropped. */
  recent(jobId: string): { events: SequencedJobEvent[]; dropped: number } {
    const channel = this.channels.get(jobId);
    return channel ? { events: channel.ring.snapshot(), dropped: channel.ring.dropped } : { events: [], dropped: 0 };
  }

  emit(jobId: string, event: JobEvent): void {
    const channel = this.channel(jobId);
    const sequenced: SequencedJobEvent = { ...event, seq: ++channel.seq };
    // Status events are the store's to replay (a late viewer reads the job itself).
    if (event.type !== "status") channel.ring.push(sequenced);
    for (const listener of channel.listeners) {
      try {
        listener(sequenced);
      } catch (error) {
        process.stderr.write(`kitt web: a job viewer failed: ${describeError(error)}\n`);
      }
    }
  }

  /** The job ended: its events may be forgotten once nobody watches and newer jobs ended. */
  ended(jobId: string): void {
    const channel = this.channels.get(jobId);
    if (channel) channel.ended = true;
    this.forgetOld();
  }

  private channel(jobId: string): JobChannel {
    let channel = this.channels.get(jobId);
    if (!channel) {
      channel = { ring: new DropOldestBuffer(this.ringSize), listeners: new Set(), seq: 0, ended: false };
      this.channels.set(jobId, channel);
    }
    return channel;
  }

  private forgetOld(): void {
    const idle = [...this.channels.entries()].filter(([, channel]) => channel.ended && channel.listeners.size === 0);
    for (const [id] of idle.slice(0, Math.max(0, idle.length - this.keepFinished))) this.channels.delete(id);
  }
}
