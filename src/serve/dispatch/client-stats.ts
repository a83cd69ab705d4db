/**
 * How hard the load generator itself was working, so a run can show when the client rather than
 * the engine was the limit: event-loop delay (how late timers fired), CPU use of the whole
 * process (all threads, as a share of one core: 150 means one and a half cores busy) and peak
 * resident memory.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export interface ClientStats {
  /** 99th percentile of event-loop delay, ms; the worst over the threads that sent requests. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /**
   * Process CPU time over wall time, in percent of one core. A paced run at a high rate reads
   * high even when the client has room: the dispatch timer checks the clock on every loop turn
   * in the last 2 ms before each send.
   */
  cpuPercent: number;
  peakRssBytes: number;
  /** Worker threads that sent requests; 0 when the main thread sent them. */
  workerThreads: number;
}

export interface EventLoopDelay {
  p99Ms: number;
  maxMs: number;
}

/** Samples resident memory while a run goes on. */
const RSS_SAMPLE_MS = 100;
/** Event-loop delay sampling period; short, to catch stalls of a few milliseconds. */
const DELAY_RESOLUTION_MS = 5;

/** Event-loop delay of the thread it is created on. */
export class EventLoopDelayMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });

  constructor() {
    this.histogram.enable();
  }

  stop(): EventLoopDelay {
    this.histogram.disable();
    if (this.histogram.count === 0) return { p99Ms: 0, maxMs: 0 };
    // The histogram holds whole sampling periods; the delay is what exceeds the period.
    const delayMs = (nanoseconds: number): number => Math.max(0, nanoseconds / 1e6 - DELAY_RESOLUTION_MS);
    return { p99Ms: delayMs(this.histogram.percentile(99)), maxMs: delayMs(this.histogram.max) };
  }
}

/** Process-wide CPU and memory over a run, plus this thread's event-loop delay. */
export class ClientStatsMonitor {
  private readonly startCpu = process.cpuUsage();
  private readonly startWall = performance.now();
  private peakRss = process.memoryUsage.rss();
  private readonly sampler: NodeJS.Timeout;
  private readonly delay = new EventLoopDelayMonitor();

  constructor() {
    this.sampler = setInterval(() => this.sampleRss(), RSS_SAMPLE_MS);
    this.sampler.unref();
  }

  /** Ends the measurement. `workerDelays` are the event-loop delays the worker threads measured. */
  stop(workerDelays: EventLoopDelay[] = []): ClientStats {
    clearInterval(this.sampler);
    this.sampleRss();
    const cpu = process.cpuUsage(this.startCpu);
    const wallMs = performance.now() - this.startWall;
    const mainDelay = this.delay.stop();
    // With workers, the main thread only collects records; the senders' loops are what matter.
    const delays = workerDelays.length > 0 ? workerDelays : [mainDelay];
    return {
      eventLoopDelayP99Ms: Math.max(...delays.map((delay) => delay.p99Ms)),
      eventLoopDelayMaxMs: Math.max(...delays.map((delay) => delay.maxMs)),
      cpuPercent: wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : 0,
      peakRssBytes: this.peakRss,
      workerThreads: workerDelays.length,
    };
  }

  private sampleRss(): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }
}
