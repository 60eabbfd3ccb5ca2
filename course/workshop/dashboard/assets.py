"""The dashboard's style and script, inlined into the page: a room with poor internet loads nothing else.

Kept as Python strings (not package data) so an installed course always has them.
The script only refreshes the live part of the page (page.live, fetched as HTML
rendered and escaped by the server) and says when it cannot; it carries no words
of its own: they come from the page's data attributes, which page.labels writes.
"""

from __future__ import annotations

CSS = """
:root { --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #b42318; --bad-bg: #ffe4e0; --hint: #8a5a00; --hint-bg: #fff3c4;
  --line: #d0d7de; --muted: #57606a; --ink: #1f2328; --paper: #ffffff; --soft: #f6f8fa; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.4 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans KR", sans-serif;
  color: var(--ink); background: var(--soft); }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem 1.5rem; padding: .8rem 1.5rem;
  background: var(--paper); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 3; }
h1 { font-size: 1.4rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
main { padding: 1rem 1.5rem 2rem; display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
.live-status { margin: 0; color: var(--muted); font-size: .9rem; }
.live-status::before { content: ""; display: inline-block; width: .6rem; height: .6rem; border-radius: 50%;
  background: var(--ok); margin-right: .4rem; }
.live-status.lost { color: var(--bad); font-weight: 600; }
.live-status.lost::before { background: var(--bad); }
.downloads { margin-left: auto; display: flex; gap: .8rem; }
.downloads a { color: var(--accent); text-decoration: none; border: 1px solid var(--line); border-radius: 6px;
  padding: .25rem .7rem; background: var(--paper); }
.downloads a:hover { background: var(--soft); }
.summary { display: flex; flex-wrap: wrap; gap: 2.5rem; }
.figure { color: var(--muted); }
.figure b { font-size: 2rem; color: var(--ink); margin-right: .3rem; }
.figure.alert b { color: var(--bad); }
.rule, .legend { color: var(--muted); font-size: .9rem; margin: 0 0 .6rem; }
.calm { margin: 0; color: var(--ok); }
.stuck-list { list-style: none; margin: 0; padding: 0; display: grid; gap: .6rem; max-height: 40vh;
  grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); align-items: start; }
.stuck-card { border: 1px solid var(--bad); border-left-width: 6px; border-radius: 6px; padding: .6rem .8rem;
  background: var(--bad-bg); }
.stuck-card .who b { font-size: 1.1rem; }
.stuck-card .why { color: var(--bad); font-weight: 600; }
.stuck-card .messages { margin: .3rem 0 0; padding-left: 1.1rem; white-space: pre-wrap; overflow-wrap: anywhere;
  font-size: .85rem; max-height: 6.5em; overflow: hidden; }
code { font-size: .85em; color: var(--muted); }
.scroll { overflow: auto; max-height: 70vh; }
table.grid { border-collapse: separate; border-spacing: 0; font-size: .95rem; }
.grid th, .grid td { padding: .2rem .35rem; border-bottom: 1px solid var(--line); white-space: nowrap;
  background: var(--paper); }
.grid thead th { position: sticky; top: 0; z-index: 1; font-weight: 600; }
.grid thead tr + tr th { top: 1.8rem; }
.grid th.chapter { text-align: left; border-left: 2px solid var(--line); color: var(--muted); max-width: 1px;
  overflow: hidden; text-overflow: ellipsis; }
.grid th.ex { font-size: .8rem; color: var(--muted); font-weight: 500; min-width: 2.2rem; text-align: center; }
.grid th.name { position: sticky; left: 0; z-index: 2; text-align: left; min-width: 8rem; }
.grid thead th.name { z-index: 3; }
.grid td.count, .grid td.time { text-align: right; font-variant-numeric: tabular-nums; }
.grid td.current { max-width: 16rem; overflow: hidden; text-overflow: ellipsis; }
.grid td.none { color: var(--muted); }
.grid td.current.done { color: var(--ok); }
td.cell, span.cell { text-align: center; font-weight: 700; font-variant-numeric: tabular-nums; min-width: 2.2rem;
  border: 2px solid var(--paper); border-radius: 6px; }
span.cell { display: inline-block; min-width: 1.8rem; padding: 0 .3rem; }
.cell.passed { background: var(--ok-bg); color: var(--ok); }
.cell.failed { background: var(--bad-bg); color: var(--bad); }
.cell.hinted { background: var(--hint-bg); color: var(--hint); font-weight: 600; }
.cell.untouched { background: var(--soft); }
span.cell.untouched { border: 1px solid var(--line); height: 1.2rem; vertical-align: middle; }
tr.stuck th, tr.stuck td.count, tr.stuck td.current, tr.stuck td.time { background: var(--bad-bg); }
tr.stuck th.name { box-shadow: inset 6px 0 0 var(--bad); padding-left: .8rem; }
tr.stuck td.time.long, tr.stuck td.current { color: var(--bad); font-weight: 600; }
.grid tfoot th, .grid tfoot td { border-bottom: 0; color: var(--muted); font-size: .8rem; text-align: center; }
.grid tfoot th.name { text-align: left; }
.grid td.empty { color: var(--muted); padding: 1rem; }
.rate-chart { width: 100%; max-height: 14rem; }
.rate-chart .track { fill: var(--soft); stroke: var(--line); stroke-width: .3; }
.rate-chart .fill { fill: var(--ok); }
.rate-chart .rate:hover .fill { fill: var(--accent); }
.rate-chart text { font-size: 7px; fill: var(--muted); text-anchor: middle; }
.rate-chart .chapter-label { font-size: 9px; font-weight: 700; fill: var(--ink); }
"""

SCRIPT = """
(function () {
  "use strict";
  var live = document.getElementById("live");
  var status = document.getElementById("live-status");
  var every = parseInt(live.dataset.poll, 10) || 2000;
  var last = null;

  function keepScroll(swap) {
    var before = {};
    Array.prototype.forEach.call(live.querySelectorAll(".scroll[id]"), function (el) {
      before[el.id] = [el.scrollLeft, el.scrollTop];
    });
    swap();
    Object.keys(before).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.scrollLeft = before[id][0]; el.scrollTop = before[id][1]; }
    });
  }

  function show(ok) {
    status.classList.toggle("lost", !ok);
    status.textContent = ok
      ? status.dataset.updated.replace("{time}", new Date().toLocaleTimeString())
      : status.dataset.lost;
  }

  function poll() {
    fetch(live.dataset.src, {
      credentials: "same-origin", cache: "no-cache", headers: { "X-XSRFToken": live.dataset.xsrf || "" }
    })
      .then(function (response) {
        if (!response.ok || response.headers.get("X-Dashboard-Part") !== "live") { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        if (html !== last) { keepScroll(function () { live.innerHTML = html; }); last = html; }
        show(true);
      })
      .catch(function () { show(false); })
      .then(function () { window.setTimeout(poll, every); });
  }

  window.setTimeout(poll, every);
})();
"""
