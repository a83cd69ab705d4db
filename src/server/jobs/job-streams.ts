/**
 * The job event streams browsers read (Server-Sent Events), one broadcast per watched job
 * whatever the number of viewers: it takes the job's events from the hub once, turns each batch
 * into SSE bytes once, and hands the same bytes to every viewer's stream, at most every
 * `flushMs`. A hundred viewers therefore cost a hundred small enqueues per batch, not a hundred
 * timers, encodings and queues per event. A viewer whose connection is backed up skips batches
 * and is then told how many events it missed (a `dropped` event); it never holds the job or the
 * other viewers up. A viewer reconnecting with `Last-Event-ID` is not sent again what it had.
 */
import { randomUUID } from "node:crypto";
import { describeError } from "../../errors.js";
import { FINAL_JOB_STATUSES, getJob, type JobRecord } from "../../store/jobs.js";
import type { ResultsStore } from "../../store/results-store.js";
import type { JobEventHub } from "./job-event-hub.js";
import type { SequencedJobEvent } from "./job-events.js";

export interface JobStreamsOptions {
  /** How long events gather before they go out together (default 250 ms: a log a quarter of a second behind still reads as live, and a job that prints without pause costs each viewer four writes a second, not one per line). */
  flushMs?: number;
  /** How long a quiet stream waits before looking at the job in the store (default 2 s). */
  pollMs?: number;
  /** How long a stream may send nothing before it sends a keep-alive (default 15 s). */
  keepAliveMs?: number;
  /** Bytes one viewer may have waiting before it skips batches (default 1 MiB). */
  viewerBytes?: number;
}

/**
 * Event ids are `EPOCH-SEQ`, EPOCH naming this server process (sequence numbers start again in
 * the next one), so a browser reconnecting with `Last-Event-ID` gets only what it has not seen.
 */
const STREAM_EPOCH = randomUUID().slice(0, 8);

/** The sequence number a `Last-Event-ID` header says the viewer has seen (0: none of this process's). */
export function seenUpTo(lastEventId: string | undefined): number {
  const match = /^([0-9a-f]{8})-(\d{1,15})$/.exec(lastEventId ?? "");
  return match && match[1] === STREAM_EPOCH ? Number(match[2]) : 0;
}

export class JobStreams {
  private readonly broadcasts = new Map<string, JobBroadcast>();
  private readonly settings: Required<JobStreamsOptions>;

  constructor(
    private readonly store: ResultsStore,
    private readonly hub: JobEventHub,
    options: JobStreamsOptions = {},
  ) {
    this.settings = { flushMs: options.flushMs ?? 250, pollMs: options.pollMs ?? 2000, keepAliveMs: options.keepAliveMs ?? 15_000, viewerBytes: options.viewerBytes ?? 1 << 20 };
  }

  /** A viewer's stream: the job's status, its recent events after `after`, then live ones until the job ends. */
  open(job: JobRecord, after: number): ReadableStream<Uint8Array> {
    const first = encode(sseText({ type: "status", job, seq: 0 }));
    if (FINAL_JOB_STATUSES.has(job.status)) {
      return new ReadableStream({
        start(controller) {
          controller.enqueue(first);
          controller.close();
        },
      });
    }
    let broadcast = this.broadcasts.get(job.id);
    if (!broadcast) {
      broadcast = new JobBroadcast(job.id, this.store, this.hub, this.settings, () => this.broadcasts.delete(job.id));
      this.broadcasts.set(job.id, broadcast);
    }
    const target = broadcast;
    let viewer: Viewer | undefined;
    return new ReadableStream<Uint8Array>(
      {
        start(controller) {
          controller.enqueue(first);
          viewer = target.add(controller, after);
        },
        cancel() {
          if (viewer) target.remove(viewer);
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: this.settings.viewerBytes }),
    );
  }
}

interface Viewer {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** The last sequence number this viewer has (or had before it reconnected). */
  seen: number;
  /** Events it skipped while its connection was backed up, not yet reported. */
  missed: number;
}

class JobBroadcast {
  private readonly viewers = new Set<Viewer>();
  private readonly subscription: Disposable;
  private pending: SequencedJobEvent[] = [];
  /** The last sequence number handed to the viewers. */
  private sent = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly pollTimer: NodeJS.Timeout;
  private quiet = true;
  private lastSent = performance.now();
  private closed = false;

  constructor(
    private readonly jobId: string,
    private readonly store: ResultsStore,
    private readonly hub: JobEventHub,
    private readonly settings: Required<JobStreamsOptions>,
    private readonly forget: () => void,
  ) {
    // The hub replays its ring on subscribing: those events reach each viewer from `add`, not from here.
    let replaying = true;
    this.subscription = hub.subscribe(jobId, (event) => {
      if (replaying) {
        this.sent = Math.max(this.sent, event.seq);
        return;
      }
      this.pending.push(event);
      this.flushTimer ??= setTimeout(() => this.flush(), settings.flushMs);
    });
    replaying = false;
    this.pollTimer = setInterval(() => void this.poll(), settings.pollMs);
  }

  add(controller: ReadableStreamDefaultController<Uint8Array>, after: number): Viewer {
    const viewer: Viewer = { controller, seen: after, missed: 0 };
    const recent = this.hub.recent(this.jobId);
    let text = recent.dropped > 0 ? sseText({ type: "dropped", count: recent.dropped, seq: 0 }) : "";
    for (const event of recent.events) if (event.seq > after && event.seq <= this.sent) text += sseText(event);
    if (text !== "") controller.enqueue(encode(text));
    viewer.seen = Math.max(after, this.sent);
    this.viewers.add(viewer);
    return viewer;
  }

  remove(viewer: Viewer): void {
    this.viewers.delete(viewer);
    if (this.viewers.size === 0) this.close();
  }

  private flush(): void {
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    const end = batch.findIndex((event) => event.type === "status" && FINAL_JOB_STATUSES.has(event.job.status));
    const events = end === -1 ? batch : batch.slice(0, end + 1);
    if (events.length === 0) return;
    this.quiet = false;
    const firstSeq = events[0]!.seq;
    const shared = encode(events.map(sseText).join(""));
    for (const viewer of this.viewers) {
      const backedUp = (viewer.controller.desiredSize ?? 0) <= 0;
      if (backedUp && end === -1) {
        // It skips this batch and hears how many events it missed once it catches up.
        viewer.missed += events.filter((event) => event.seq > viewer.seen).length;
      } else if (backedUp || viewer.missed > 0 || viewer.seen >= firstSeq) {
        // Its own text: what it missed, then what it has not seen (a backed-up viewer only the job's end).
        const unseen = events.filter((event) => event.seq > viewer.seen);
        const sending = backedUp ? unseen.slice(-1) : unseen;
        const missed = viewer.missed + unseen.length - sending.length;
        const text = (missed > 0 ? sseText({ type: "dropped", count: missed, seq: sending[0]?.seq ?? 0 }) : "") + sending.map(sseText).join("");
        if (text !== "") viewer.controller.enqueue(encode(text));
        viewer.missed = 0;
      } else {
        viewer.controller.enqueue(shared);
      }
      viewer.seen = Math.max(viewer.seen, events.at(-1)!.seq);
    }
    this.sent = Math.max(this.sent, events.at(-1)!.seq);
    this.lastSent = performance.now();
    if (end !== -1) this.finish();
  }

  /** Quiet for a while: the job may have ended unseen (run by another server, or before the broadcast subscribed). */
  private async poll(): Promise<void> {
    if (!this.quiet) {
      this.quiet = true;
      return;
    }
    let job: JobRecord | undefined;
    try {
      job = await getJob(this.store, this.jobId);
    } catch (error) {
      process.stderr.write(`kitt web: job ${this.jobId}'s stream could not read the job: ${describeError(error)}\n`);
      return;
    }
    if (this.closed) return;
    if (job && !FINAL_JOB_STATUSES.has(job.status)) {
      if (performance.now() - this.lastSent >= this.settings.keepAliveMs) {
        this.sendAll(encode("event: ping\ndata: {}\n\n"));
        this.lastSent = performance.now();
      }
      return;
    }
    this.hub.ended(this.jobId);
    if (job) this.sendAll(encode(sseText({ type: "status", job, seq: 0 })));
    this.finish();
  }

  private sendAll(bytes: Uint8Array): void {
    for (const viewer of this.viewers) if ((viewer.controller.desiredSize ?? 0) > 0) viewer.controller.enqueue(bytes);
  }

  /** The job ended: every viewer's stream ends after what it was sent. */
  private finish(): void {
    for (const viewer of this.viewers) {
      try {
        viewer.controller.close();
      } catch {
        // Its reader already went away.
      }
    }
    this.viewers.clear();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearInterval(this.pollTimer);
    this.subscription[Symbol.dispose]();
    this.forget();
  }
}

/**
 * One event as SSE text. `type` never holds a line break and JSON text has none, so each field
 * is one line.
 */
function sseText(event: SequencedJobEvent): string {
  return `event: ${event.type}\nid: ${STREAM_EPOCH}-${event.seq}\ndata: ${JSON.stringify(event)}\n\n`;
}

function encode(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}
