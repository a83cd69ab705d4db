/**
 * The job event streams browsers read: every viewer of a job gets the same events in order, a
 * late viewer first gets the recent ones, `Last-Event-ID` skips what a viewer had, a viewer whose
 * connection is backed up is told how many events it missed and never holds the others up, and
 * every stream ends with the job's final status — also when the job ended where the hub never saw.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobEventHub } from "../../src/server/jobs/job-event-hub.js";
import { JobStreams, seenUpTo } from "../../src/server/jobs/job-streams.js";
import { claimNextJob, createJob, finishJob, getJob, type JobRecord } from "../../src/store/jobs.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";

let dir: string;
let store: ResultsStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kitt-job-streams-"));
  store = await openStore({ url: join(dir, "kitt.db") });
});
afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Reads a stream as it arrives; `messages` fills while it is read, `done` settles when it ends. */
function read(stream: ReadableStream<Uint8Array>): { messages: EventSourceMessage[]; done: Promise<void> } {
  const messages: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => messages.push(message) });
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) parser.feed(decoder.decode(chunk, { stream: true }));
  })();
  return { messages, done };
}

const seqs = (messages: EventSourceMessage[]) => messages.filter((m) => m.event === "log").map((m) => (JSON.parse(m.data) as { seq: number }).seq);

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A job as a runner holds it: created, then claimed (the only queued one in this store). */
const running = async (): Promise<JobRecord> => {
  const job = await createJob(store, { kind: "quick_test", request: {} });
  const claimed = await claimNextJob(store);
  expect(claimed?.id).toBe(job.id);
  return claimed!;
};

describe("job event streams", () => {
  it("sends every viewer the same events once, a late viewer the recent ones first, and ends all with the final status", async () => {
    const hub = new JobEventHub();
    const streams = new JobStreams(store, hub, { flushMs: 5 });
    const job = await running();
    const early = [read(streams.open(job, 0)), read(streams.open(job, 0))];
    for (let i = 0; i < 50; i++) hub.emit(job.id, { type: "log", stream: "stderr", line: `line ${i}` });
    await until(() => early.every((viewer) => seqs(viewer.messages).length === 50));
    const late = read(streams.open(job, 0));
    for (let i = 50; i < 80; i++) hub.emit(job.id, { type: "log", stream: "stderr", line: `line ${i}` });
    const ended = await finishJob(store, job.id, { status: "completed", exitCode: 0 });
    hub.emit(job.id, { type: "status", job: ended! });
    await Promise.all([...early, late].map((viewer) => viewer.done));
    const all = Array.from({ length: 80 }, (_, i) => i + 1);
    for (const viewer of [...early, late]) {
      expect(seqs(viewer.messages)).toEqual(all);
      expect(viewer.messages[0]!.event).toBe("status");
      const last = JSON.parse(viewer.messages.at(-1)!.data) as { type: string; job: JobRecord };
      expect([last.type, last.job.status]).toEqual(["status", "completed"]);
    }
    // An ended job's stream is its status, and only that.
    const after = read(streams.open((await getJob(store, job.id))!, 0));
    await after.done;
    expect(after.messages.map((m) => m.event)).toEqual(["status"]);
  });

  it("skips what a reconnecting viewer had (Last-Event-ID), and ignores ids of another server process", async () => {
    const hub = new JobEventHub();
    const streams = new JobStreams(store, hub, { flushMs: 5 });
    const job = await running();
    const first = read(streams.open(job, 0));
    for (let i = 0; i < 10; i++) hub.emit(job.id, { type: "log", stream: "stdout", line: `line ${i}` });
    await until(() => seqs(first.messages).length === 10);
    const lastId = first.messages.at(-1)!.id!;
    expect(seenUpTo(lastId)).toBe(10);
    const otherProcess = lastId.replace(/^[0-9a-f]{8}/, (epoch) => (epoch === "00000000" ? "11111111" : "00000000"));
    expect(seenUpTo(otherProcess)).toBe(0);
    expect(seenUpTo("garbage")).toBe(0);
    const resumed = read(streams.open(job, seenUpTo(first.messages[4]!.id)));
    hub.emit(job.id, { type: "log", stream: "stdout", line: "new" });
    await until(() => seqs(resumed.messages).includes(11));
    const ended = await finishJob(store, job.id, { status: "failed", exitCode: 1, error: "boom" });
    hub.emit(job.id, { type: "status", job: ended! });
    await Promise.all([first.done, resumed.done]);
    expect(seqs(resumed.messages)).toEqual([5, 6, 7, 8, 9, 10, 11]);
  });

  it("tells a viewer whose connection is backed up how many events it missed, while the others get them all", async () => {
    const hub = new JobEventHub();
    const streams = new JobStreams(store, hub, { flushMs: 5, viewerBytes: 4096 });
    const job = await running();
    const reading = read(streams.open(job, 0));
    // Nobody reads this one until the end: its queue fills, then it skips batches.
    const stalled = streams.open(job, 0);
    const line = "x".repeat(500);
    for (let i = 0; i < 200; i++) {
      hub.emit(job.id, { type: "log", stream: "stderr", line });
      if (i % 10 === 9) await until(() => seqs(reading.messages).length === i + 1);
    }
    const ended = await finishJob(store, job.id, { status: "completed", exitCode: 0 });
    hub.emit(job.id, { type: "status", job: ended! });
    await reading.done;
    expect(seqs(reading.messages)).toHaveLength(200);
    const slow = read(stalled);
    await slow.done;
    const got = seqs(slow.messages);
    const dropped = slow.messages.filter((m) => m.event === "dropped").map((m) => (JSON.parse(m.data) as { count: number }).count);
    expect(got.length).toBeLessThan(200);
    // Each event either arrived or was counted as missed, and none twice.
    expect(got.length + dropped.reduce((a, b) => a + b, 0)).toBe(200);
    expect(new Set(got).size).toBe(got.length);
    expect(JSON.parse(slow.messages.at(-1)!.data)).toMatchObject({ type: "status", job: { status: "completed" } });
  });

  it("keeps a quiet stream alive with a ping, and sends none while events flow", async () => {
    const hub = new JobEventHub();
    const streams = new JobStreams(store, hub, { flushMs: 5, pollMs: 20, keepAliveMs: 500 });
    const job = await running();
    const viewer = read(streams.open(job, 0));
    const busyUntil = performance.now() + 800;
    while (performance.now() < busyUntil) {
      hub.emit(job.id, { type: "log", stream: "stderr", line: "busy" });
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(viewer.messages.filter((m) => m.event === "ping")).toHaveLength(0);
    await until(() => viewer.messages.some((m) => m.event === "ping"));
    const ended = await finishJob(store, job.id, { status: "completed", exitCode: 0 });
    hub.emit(job.id, { type: "status", job: ended! });
    await viewer.done;
  });

  it("ends the stream when the job ended where this server's hub did not see it", async () => {
    const hub = new JobEventHub();
    const streams = new JobStreams(store, hub, { flushMs: 5, pollMs: 50 });
    const job = await running();
    const viewer = read(streams.open(job, 0));
    await finishJob(store, job.id, { status: "interrupted", exitCode: null, error: "the server stopped" });
    await viewer.done;
    expect(viewer.messages.map((m) => m.event)).toEqual(["status", "status"]);
    expect(JSON.parse(viewer.messages[1]!.data)).toMatchObject({ job: { status: "interrupted" } });
  });
});
