// The trajectory viewer: filters over a light index, one page of rows in the DOM at a time, and an
// episode's details (gzip + base64, one string per episode) inflated only when it is opened.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const INDEX = JSON.parse($("viewer-index").textContent);
  const COL = {};
  INDEX.columns.forEach((c, i) => { COL[c] = i; });
  const ROWS = INDEX.index;
  const PAGE = 100;
  let details = null;  // parsed on first open
  let systems = null;
  let shown = [];
  let page = 0;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  async function inflate(b64) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  function fillOptions() {
    for (const select of document.querySelectorAll("#filters select[data-col]")) {
      const col = select.dataset.col;
      if (col === "run") {
        INDEX.runs.forEach((label, i) => select.append(el("option", { value: String(i) }, label)));
        continue;
      }
      const values = [...new Set(ROWS.map((r) => r[COL[col]]))].sort();
      for (const v of values) select.append(el("option", { value: String(v) }, String(v)));
    }
  }

  function matches(r, f) {
    if (f.run !== "" && r[COL.run] !== Number(f.run)) return false;
    for (const col of ["task", "skill", "org", "termination"]) {
      if (f[col] !== "" && String(r[COL[col]]) !== f[col]) return false;
    }
    const reward = r[COL.reward];
    if (f.reward === "1" && reward < 1 - 1e-9) return false;
    if (f.reward === "0" && reward > 0) return false;
    if (f.reward === "partial" && (reward <= 0 || reward >= 1 - 1e-9)) return false;
    if (f.infra === "yes" && !r[COL.infra]) return false;
    if (f.infra === "no" && r[COL.infra]) return false;
    return true;
  }

  function applyFilters() {
    const f = {};
    for (const key of ["run", "task", "skill", "org", "termination", "reward", "infra"]) f[key] = $("f-" + key).value;
    shown = [];
    for (let i = 0; i < ROWS.length; i++) if (matches(ROWS[i], f)) shown.push(i);
    page = 0;
    renderPage();
  }

  function renderPage() {
    const pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(Math.max(page, 0), pages - 1);
    const body = $("episode-list").tBodies[0];
    const rows = shown.slice(page * PAGE, (page + 1) * PAGE).map((i) => {
      const r = ROWS[i];
      const reward = r[COL.reward];
      const tr = el("tr", { "data-i": String(i) },
        el("td", {}, INDEX.runs[r[COL.run]]), el("td", {}, r[COL.task]), el("td", {}, r[COL.skill]), el("td", {}, r[COL.org]),
        el("td", { class: "num" }, r[COL.idx]), el("td", { class: "num" }, r[COL.trial]),
        el("td", { class: "num " + (reward >= 1 - 1e-9 ? "r1" : reward <= 0 ? "r0" : "") }, reward.toFixed(2)),
        el("td", {}, r[COL.termination] + (r[COL.infra] ? " ⚠" : "")), el("td", { class: "num" }, r[COL.turns]),
        el("td", { class: "num" }, r[COL.queries]));
      tr.addEventListener("click", () => openEpisode(i));
      return tr;
    });
    body.replaceChildren(...rows);
    $("count").textContent = `${shown.length} of ${ROWS.length} episodes`;
    $("page").textContent = `page ${page + 1} of ${pages}`;
  }

  function cellText(v) {
    return v === null || v === undefined ? "null" : String(v);
  }

  function obsTable(t) {
    const head = el("tr", {}, ...t.columns.map((c) => el("th", {}, c)));
    const rows = t.rows.map((row) => el("tr", {}, ...row.map((v) => el("td", { title: cellText(v) }, cellText(v)))));
    const note = t.total > t.shown ? ` (showing ${t.shown})` : "";
    return el("div", { class: "obs" }, el("div", { class: "label" }, `${t.total} record(s)${note}`),
      el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows)));
  }

  function renderTurn(t) {
    if (t.role === "assistant") {
      const box = el("div", { class: "turn assistant" + (t.kind === "invalid" ? " bad" : "") }, el("div", { class: "label" }, "agent"));
      if (t.thought) box.append(el("div", { class: "thought" }, t.thought));
      if (t.query !== undefined) {
        const pre = el("pre", { class: "code query" });
        pre.innerHTML = t.query;  // Pygments' output: the query text, escaped, in spans
        box.append(pre);
      }
      if (t.answer !== undefined) box.append(el("div", { class: "label" }, "answer"), el("pre", { class: "answer-text" }, t.answer));
      if (t.kind === "invalid") box.append(el("div", { class: "error" }, "invalid action: " + t.invalid), el("pre", {}, t.text));
      return box;
    }
    if (t.error) {
      return el("div", { class: "turn observation bad" }, el("div", { class: "label" }, "error"),
        ...t.error.map((e) => el("div", { class: "error" }, e)));
    }
    if (t.table) return el("div", { class: "turn observation" }, obsTable(t.table));
    const label = t.cut ? "observation (cut at the environment's observation_chars, as the agent saw it)" : t.role;
    return el("div", { class: "turn " + t.role }, el("div", { class: "label" }, label), el("pre", {}, t.text));
  }

  function show(v) {
    return v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v);
  }

  function renderEpisode(i, d) {
    const r = ROWS[i];
    const reward = r[COL.reward];
    const box = el("div", { class: "ep", "data-i": String(i) },
      el("h4", {}, `${INDEX.runs[r[COL.run]]} · ${r[COL.task]} #${r[COL.idx]} · trial ${r[COL.trial]}`),
      el("div", { class: "meta" }, `reward ${reward.toFixed(2)} · ${r[COL.termination]} · ${r[COL.turns]} turns · ${r[COL.queries]} queries · ${d.metric || "-"}`));
    box.append(el("div", { class: "label" }, "request"), el("pre", { class: "request" }, d.request || ""));
    if (d.guideline) {
      box.append(el("div", { class: "guideline" }, el("div", { class: "label" }, "memory guideline " + (d.memory || []).join(", ")), el("pre", {}, d.guideline)));
    }
    const sys = el("details", {}, el("summary", {}, "system prompt"));
    sys.addEventListener("toggle", async () => {
      if (!sys.open || sys.dataset.filled) return;
      systems = systems || await inflate(INDEX.systems);
      sys.append(el("pre", {}, systems[d.system] || ""));
      sys.dataset.filled = "1";
    });
    box.append(sys);
    for (const t of d.turns) box.append(renderTurn(t));
    if (d.infra_error) {
      box.append(el("div", { class: "turn bad" }, el("div", { class: "label" }, "infra error"), el("div", { class: "error" }, d.infra_error),
        d.traceback ? el("pre", {}, d.traceback) : null));
    }
    box.append(el("table", { class: "answer" },
      el("tr", {}, el("th", {}, "answer"), el("td", { class: "final-answer" }, show(d.response))),
      el("tr", {}, el("th", {}, "gold"), el("td", { class: "gold" }, show(d.expected))),
      el("tr", {}, el("th", {}, "extracted"), el("td", { class: "extracted" }, show(d.extracted))),
      el("tr", {}, el("th", {}, "scorer"), el("td", {}, `${d.metric || "-"}: ${d.detail || ""}`))));
    return box;
  }

  async function openEpisode(i) {
    details = details || JSON.parse($("viewer-details").textContent);
    const r = ROWS[i];
    const others = new Map();  // one episode of the same task and trial per other run
    for (let j = 0; j < ROWS.length; j++) {
      const o = ROWS[j];
      if (j !== i && o[COL.task_key] === r[COL.task_key] && o[COL.trial] === r[COL.trial] && o[COL.run] !== r[COL.run] && !others.has(o[COL.run])) {
        others.set(o[COL.run], j);
      }
    }
    const order = [i, ...[...others.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1])];
    const pane = $("episode");
    const boxes = [];
    for (const j of order) boxes.push(renderEpisode(j, await inflate(details[j])));
    pane.replaceChildren(...boxes);
    pane.hidden = false;
    for (const tr of $("episode-list").querySelectorAll("tr.open")) tr.classList.remove("open");
    const row = $("episode-list").querySelector(`tr[data-i="${i}"]`);
    if (row) row.classList.add("open");
    pane.scrollIntoView({ block: "nearest" });
  }

  fillOptions();
  for (const select of document.querySelectorAll("#filters select")) select.addEventListener("change", applyFilters);
  $("prev").addEventListener("click", () => { page -= 1; renderPage(); });
  $("next").addEventListener("click", () => { page += 1; renderPage(); });
  applyFilters();
})();
