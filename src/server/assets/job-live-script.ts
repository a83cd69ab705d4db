/**
 * The job page's live updates: reads `/api/v1/jobs/{id}/events` (SSE) and updates the status,
 * the progress bar and the log. Served as an external file (the CSP allows no inline script);
 * every line is inserted as text, never as markup.
 */
export const JOB_LIVE_SCRIPT = `(() => {
  "use strict";
  const root = document.querySelector("[data-job-id]");
  if (!root || !window.EventSource) return;
  const FINAL = ["completed", "failed", "cancelled", "interrupted", "lost"];
  const MAX_LINES = 2000;
  const $ = (selector) => root.querySelector(selector);
  const status = $("[data-job-status]");
  const bar = $("progress");
  const label = $("[data-progress-label]");
  const log = $("[data-job-log]");
  const error = $("[data-job-error]");
  const runLink = $("[data-run-link]");
  const cancel = $("[data-cancel]");
  const showRun = (id) => {
    runLink.href = "/runs/" + encodeURIComponent(id);
    runLink.textContent = "Run " + id;
    runLink.parentElement.hidden = false;
  };
  const addLine = (text, kind) => {
    const line = document.createElement("div");
    line.className = "line " + kind;
    line.textContent = text;
    log.appendChild(line);
    while (log.childElementCount > MAX_LINES) log.firstElementChild.remove();
    log.scrollTop = log.scrollHeight;
  };
  const source = new EventSource("/api/v1/jobs/" + encodeURIComponent(root.dataset.jobId) + "/events");
  const on = (type, handle) => source.addEventListener(type, (message) => handle(JSON.parse(message.data)));
  on("status", (event) => {
    const job = event.job;
    status.textContent = job.status;
    status.className = "status-" + job.status;
    root.dataset.status = job.status;
    if (job.error) { error.textContent = job.error; error.hidden = false; }
    if (job.run_id) showRun(job.run_id);
    if (FINAL.includes(job.status)) {
      source.close();
      if (cancel) cancel.hidden = true;
      if (job.status === "completed" && bar.max > 0) bar.value = bar.max;
    }
  });
  on("progress", (event) => {
    bar.max = Math.max(event.total, 1);
    bar.value = Math.min(event.completed, bar.max);
    label.textContent = event.test + " · " + event.phase + " · " + event.completed + " / " + event.total + (event.failed ? " (" + event.failed + " failed)" : "") + (event.message ? " · " + event.message : "");
    root.dataset.progress = String(event.completed);
  });
  on("log", (event) => addLine(event.line, event.stream));
  on("run", (event) => showRun(event.run_id));
  on("dropped", (event) => addLine("… " + event.count + " earlier events not shown", "dropped"));
})();
`;
