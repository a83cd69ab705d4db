/**
 * The SQLite file kitt's store runs on keeps prepared statements and builds rows from raw
 * arrays; both must stay invisible: the same rows as better-sqlite3's own objects, a statement
 * reused while an earlier run of it is still being iterated, and a schema change picked up.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { databaseTimeouts } from "../../src/store/database-timeouts.js";
import { openSqliteFile } from "../../src/store/sqlite-database.js";

const work = await mkdtemp(join(tmpdir(), "kitt-sqlite-statements-"));
afterAll(() => rm(work, { recursive: true, force: true }));

function database(name: string) {
  const db = openSqliteFile(join(work, name), databaseTimeouts({}));
  db.prepare("create table t (id integer primary key, name text, score real, data blob)").run([]);
  for (const [id, name, score] of [[1, "a", 0.5], [2, "b", null], [3, "c", 2]] as const) db.prepare("insert into t (id, name, score, data) values (?, ?, ?, ?)").run([id, name, score, Buffer.from([id])]);
  return db;
}

describe("SQLite statements", () => {
  it("returns rows as objects keyed by column name, null and blobs included", () => {
    const db = database("rows.db");
    const rows = db.prepare("select id, name, score, data, id * 10 as tenfold from t order by id").all([]);
    expect(rows).toEqual([
      { id: 1, name: "a", score: 0.5, data: Buffer.from([1]), tenfold: 10 },
      { id: 2, name: "b", score: null, data: Buffer.from([2]), tenfold: 20 },
      { id: 3, name: "c", score: 2, data: Buffer.from([3]), tenfold: 30 },
    ]);
    expect(db.prepare("select name from t where id = ?").all([9])).toEqual([]);
    db.close();
  });

  it("runs a statement again while an earlier run of the same SQL is still being iterated", () => {
    const db = database("busy.db");
    const sql = "select id from t order by id";
    const outer = db.prepare(sql).iterate([]);
    expect(outer.next().value).toEqual({ id: 1 });
    expect(db.prepare(sql).all([])).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect([...outer]).toEqual([{ id: 2 }, { id: 3 }]);
    db.close();
  });

  it("sees a column added after the same query ran", () => {
    const db = database("schema.db");
    expect(Object.keys(db.prepare("select * from t where id = 1").all([])[0] as object)).toEqual(["id", "name", "score", "data"]);
    db.prepare("alter table t add column note text default 'x'").run([]);
    expect(db.prepare("select * from t where id = 1").all([])).toEqual([{ id: 1, name: "a", score: 0.5, data: Buffer.from([1]), note: "x" }]);
    db.close();
  });
});
