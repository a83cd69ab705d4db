/** The dashboard's stylesheet and icon, served as `/assets/kitt.css` and `/assets/favicon.svg` (a strict CSP allows no inline styles). */
export const KITT_CSS = `
:root { --fg: #1d2330; --muted: #5b6474; --line: #dde1e8; --bg: #f6f7f9; --accent: #2457c5; --bad: #b3261e; --warn: #9a5b00; --good: #1e7b34; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; max-width: none; padding: 0; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #1d2330; color: #fff; }
header.top .brand { font-weight: 700; font-size: 18px; color: #fff; text-decoration: none; letter-spacing: 0.04em; }
header.top nav { display: flex; gap: 4px; flex-wrap: wrap; flex: 1; }
header.top nav a { color: #cfd6e4; text-decoration: none; padding: 6px 10px; border-radius: 4px; }
header.top nav a:hover { background: #2e3648; color: #fff; }
header.top nav a[aria-current="page"] { background: #3a4560; color: #fff; }
header.top form { margin: 0; }
header.top button { background: transparent; color: #cfd6e4; border: 1px solid #4a556e; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 12px 0 4px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
.muted, .meta { color: var(--muted); }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px; }
.stats { display: flex; gap: 24px; flex-wrap: wrap; }
.stat .value { font-size: 22px; font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0; background: #fff; }
td, th { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; }
form.filters label, form.stacked label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
form.filters label.inline { flex-direction: row; align-items: center; gap: 6px; font-size: 14px; color: var(--fg); }
input, select, button { font: inherit; padding: 5px 8px; border: 1px solid #b9c0cc; border-radius: 4px; background: #fff; color: var(--fg); }
button, .button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); text-decoration: none; display: inline-block; padding: 5px 12px; border-radius: 4px; }
button.danger, .button.danger { background: var(--bad); border-color: var(--bad); }
.button.plain { background: #fff; color: var(--accent); }
.actions { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin: 8px 0; }
.pager { display: flex; gap: 12px; align-items: center; margin: 8px 0; }
.status-completed, .flag-better { color: var(--good); }
.status-failed, .status-interrupted, .status-lost, .flag-critical { color: var(--bad); font-weight: 600; }
.status-running, .flag-warning { color: var(--warn); font-weight: 600; }
.alert { border: 1px solid #f0c8a8; background: #fdf0e6; color: #8a3b12; padding: 10px 14px; border-radius: 4px; }
.notice { border: 1px solid #c6d6f5; background: #eef3fd; padding: 10px 14px; border-radius: 4px; }
pre.output { white-space: pre-wrap; word-break: break-word; margin: 0; max-height: 12em; overflow: auto; font-size: 12px; }
.login { max-width: 380px; margin: 10vh auto; }
.login form { display: flex; flex-direction: column; gap: 10px; }
.htmx-request { opacity: 0.6; transition: opacity 0.2s; }
section.chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 16px 12px; margin: 12px 0; }
form.stacked { display: flex; flex-direction: column; gap: 10px; max-width: 640px; }
form.stacked fieldset { border: 1px solid var(--line); border-radius: 6px; display: flex; flex-wrap: wrap; gap: 10px; }
form.stacked label.inline { flex-direction: row; align-items: center; gap: 6px; font-size: 14px; color: var(--fg); }
.status-cancelled, .status-queued { color: var(--muted); font-weight: 600; }
.status-online { color: var(--good); font-weight: 600; }
.status-offline, .status-revoked { color: var(--muted); font-weight: 600; }
code.secret { display: block; padding: 8px 10px; background: #11151c; color: #d7dce5; border-radius: 4px; word-break: break-all; user-select: all; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.panel form.filters + form.filters { margin-top: 10px; }
progress { width: 100%; height: 14px; }
.job-log { background: #11151c; color: #d7dce5; font: 12px/1.4 ui-monospace, monospace; padding: 8px 10px; border-radius: 4px; height: 24em; overflow: auto; white-space: pre-wrap; word-break: break-word; }
.job-log .stdout { color: #fff; }
.job-log .dropped { color: #e0b050; }
iframe.devon { width: 100%; height: 80vh; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
`;

export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d2330"/><text x="16" y="23" font-family="sans-serif" font-size="20" font-weight="700" fill="#fff" text-anchor="middle">k</text></svg>`;
