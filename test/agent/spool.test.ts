/**
 * The agent's spool: items come back in the order they were appended, across re-opens; flushing
 * stops at the first item the server wants later and removes only what it took or refused; a
 * process killed while appending leaves whole items only, in order, and the spool carries on.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { Spool, type SpooledItem, type SpoolItem } from "../../src/agent/spool.js";
import { tempKittHome } from "../support/cli.js";

const log = (job: string, seq: number): SpoolItem => ({ kind: "events", job_id: job, batch: { events: [{ seq, type: "log", stream: "stdout", line: `line ${seq}` }] } });
const seqOf = (item: SpooledItem): number => (item.kind === "events" ? item.batch.events[0]!.seq : -1);

describe("agent spool", () => {
  it("keeps the order of appends, also appends made at once and across a re-open", async () => {
    const dir = join(tempKittHome(), "spool");
    const spool = await Spool.open(dir);
    await Promise.all(Array.from({ length: 50 }, (_, index) => spool.append(log("a", index + 1))));
    await spool.append({ kind: "finish", job_id: "a", finish: { status: "completed", exit_code: 0, error: null, run_id: "run-1" } });
    const again = await Spool.open(dir);
    await again.append({ kind: "command_result", command_id: "c1", result: { ok: true, output: "done" } });
    const items = await again.items();
    expect(await Spool.pendingCount(dir)).toBe(52);
    expect(items.slice(0, 50).map(seqOf)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    expect(items.slice(50).map((item) => item.kind)).toEqual(["finish", "command_result"]);
    expect(items.map((item) => item.name)).toEqual([...items.map((item) => item.name)].sort());
  });

  it("removes what was taken or refused, stops at what must wait, and delivers the rest in order later", async () => {
    const spool = await Spool.open(join(tempKittHome(), "spool"));
    for (let seq = 1; seq <= 6; seq++) await spool.append(log("b", seq));
    const seen: number[] = [];
    const left = await spool.flush(async (item) => {
      seen.push(seqOf(item));
      return seqOf(item) === 2 ? "refused" : seqOf(item) === 4 ? "later" : "taken";
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(left).toBe(3);
    expect((await spool.items()).map(seqOf)).toEqual([4, 5, 6]);
    const later: number[] = [];
    expect(await spool.flush(async (item) => (later.push(seqOf(item)), "taken"))).toBe(0);
    expect(later).toEqual([4, 5, 6]);
    expect(await spool.items()).toEqual([]);
  });

  it("removes a results item's archive with it, and sets aside an item it cannot read", async () => {
    const spool = await Spool.open(join(tempKittHome(), "spool"));
    const archive = spool.blobName(".tar.gz");
    await writeFile(join(spool.blobsDir, archive), "archive");
    await spool.append({ kind: "results", job_id: "c", run_id: "run-c", sha256: "0".repeat(64), archive });
    await writeFile(join(spool.dir, "000000000099.json"), "{ not json");
    await spool.flush(async () => "taken");
    expect(await readdir(spool.blobsDir)).toEqual([]);
    expect((await readdir(spool.dir)).sort()).toEqual(["000000000099.json.bad", "blobs"]);
  });

  it("survives a process killed while appending: whole items only, in order, and appends go on after them", async () => {
    const dir = join(tempKittHome(), "spool");
    const module = pathToFileURL(join(import.meta.dirname, "../../dist/agent/spool.js")).href;
    // Each item is large, so the kill lands inside writes; the child says when it has written some.
    const script = `
      const { Spool } = await import(${JSON.stringify(module)});
      const spool = await Spool.open(${JSON.stringify(dir)});
      const line = "x".repeat(4000);
      for (let seq = 1; ; seq++) {
        await spool.append({ kind: "events", job_id: "k", batch: { events: Array.from({ length: 50 }, (_, i) => ({ seq: seq * 100 + i, type: "log", stream: "stdout", line })) } });
        if (seq === 20) process.stdout.write("written\\n");
      }`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await once(child.stdout, "data");
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.kill("SIGKILL");
    await once(child, "close");

    const spool = await Spool.open(dir);
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    const items = await spool.items();
    expect(items.length).toBeGreaterThanOrEqual(20);
    const firsts = items.map((item) => (item.kind === "events" ? item.batch.events[0]!.seq : -1));
    expect(firsts).toEqual(items.map((_, index) => (index + 1) * 100));
    for (const item of items) expect(item.kind === "events" && item.batch.events.length).toBe(50);
    await spool.append(log("k", 1));
    expect((await spool.items()).at(-1)!.name > items.at(-1)!.name).toBe(true);
  });
});
