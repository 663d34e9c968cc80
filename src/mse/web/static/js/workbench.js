// The protocol workbench: conditional items, autosave, inline errors, section state.
// Conditions are the same data the server validates with (forms/conditions.py); the server stays the
// authority: it re-checks every save and clears items that are not applicable.
(function () {
  "use strict";
  var form = document.getElementById("protocol-form");
  if (!form) return;
  var root = document.querySelector(".workbench");
  var protocolId = root.getAttribute("data-protocol");
  var facts = JSON.parse(form.getAttribute("data-facts") || "[]");
  var stateEl = document.getElementById("autosave-state");
  var locked = !form.querySelector("button[type=submit]");
  var timer = null, saving = false, pending = false;

  function values() {
    var data = {};
    form.querySelectorAll(".item[data-key]").forEach(function (el) {
      var key = el.getAttribute("data-key");
      var inputs = el.querySelectorAll("input, textarea, select");
      var list = [], scalar = null;
      inputs.forEach(function (i) {
        if (i.type === "hidden" || i.name === "csrf_token") return;
        if (i.type === "checkbox") { if (i.checked) list.push(i.value); }
        else if (i.type === "radio") { if (i.checked && i.value) scalar = i.value; }
        else if (i.name === key && i.value.trim()) scalar = i.value.trim();
      });
      var box = el.querySelector("input[type=checkbox]");
      if (box && el.classList.contains("item--boolean")) data[key] = box.checked;
      else if (list.length) data[key] = list;
      else if (scalar !== null) data[key] = scalar;
    });
    return data;
  }

  function filled(v) { return !(v === undefined || v === null || v === "" || v === false || (Array.isArray(v) && !v.length)); }

  function age(data, fact) {
    var b = data[fact.birth], o = data[fact.on];
    if (!b || !o) return null;
    var bd = new Date(b), od = new Date(o);
    if (isNaN(bd) || isNaN(od) || od < bd) return null;
    var months = (od.getFullYear() - bd.getFullYear()) * 12 + (od.getMonth() - bd.getMonth()) - (od.getDate() < bd.getDate() ? 1 : 0);
    return fact.unit === "years" ? Math.floor(months / 12) : months;
  }

  function holds(c, data, f) {
    if (c.all) return c.all.every(function (x) { return holds(x, data, f); });
    if (c.any) return c.any.some(function (x) { return holds(x, data, f); });
    if (c.not) return !holds(c.not, data, f);
    if (c.fact) {
      var v = f[c.fact];
      if (v === null || v === undefined) return false;
      return (c.lt === undefined || v < c.lt) && (c.ge === undefined || v >= c.ge);
    }
    if (c.count) return c.count.filter(function (k) { return filled(data[k]); }).length >= (c.ge || 1);
    var value = data[c.key];
    if (!c.in) return filled(value);
    if (Array.isArray(value)) return value.some(function (x) { return c.in.indexOf(x) >= 0; });
    return value !== undefined && c.in.indexOf(String(value)) >= 0;
  }

  function refresh() {
    var data = values(), f = {};
    facts.forEach(function (fact) { f[fact.name] = age(data, fact); });
    form.querySelectorAll(".item[data-shown-if]").forEach(function (el) {
      var shown = holds(JSON.parse(el.getAttribute("data-shown-if")), data, f);
      el.hidden = !shown;
      // A hidden item is not applicable: its fields are not sent (the value stays in the page if it comes back).
      if (!locked) el.querySelectorAll("input, textarea, select").forEach(function (i) { i.disabled = !shown; });
    });
    form.querySelectorAll(".item[data-required-if]").forEach(function (el) {
      var req = holds(JSON.parse(el.getAttribute("data-required-if")), data, f);
      var mark = el.querySelector(".req");
      var label = el.querySelector("legend, .item__label");
      if (req && !mark && label) { mark = document.createElement("span"); mark.className = "req"; mark.setAttribute("aria-hidden", "true"); mark.textContent = " *"; label.appendChild(mark); }
      if (!req && mark && !el.hasAttribute("data-required")) mark.remove();
    });
  }

  function idOf(key) { return "item-i-" + key.replace(/\./g, "-").replace(/[()]/g, "_"); }

  function showProblems(problems) {
    form.querySelectorAll(".field-error").forEach(function (p) { p.textContent = ""; });
    form.querySelectorAll(".item--invalid").forEach(function (el) { el.classList.remove("item--invalid"); });
    (problems || []).forEach(function (p) {
      var key = p.field, el = document.getElementById(idOf(key));
      while (!el && key.indexOf(".") > 0) { key = key.substring(0, key.lastIndexOf(".")); el = document.getElementById(idOf(key)); }
      if (!el) return;
      var box = el.querySelector(".field-error");
      if (box) { box.textContent = (box.textContent ? box.textContent + " " : "") + (p.severity === "warning" ? "Внимание: " : "") + p.message; }
      if (p.severity !== "warning") el.classList.add("item--invalid");
    });
  }

  function node(tag, text, cls) {
    var el = document.createElement(tag);
    if (text) el.textContent = text;
    if (cls) el.className = cls;
    return el;
  }

  function showSummary(body) {
    var target = document.getElementById("summary-body");
    if (!target) return;
    target.textContent = "";
    if (body.missing.length) {
      target.appendChild(node("h3", "Не заполнены обязательные пункты (" + body.missing.length + ")"));
      var ul = target.appendChild(node("ul", null, "missing-list"));
      body.missing.forEach(function (m) {
        var a = node("a", m.code + ". " + m.label);
        a.href = "#" + idOf(m.key);
        var li = ul.appendChild(node("li"));
        li.appendChild(a);
        li.appendChild(node("span", " — " + m.section, "muted"));
      });
    }
    [["error", "Ошибки"], ["warning", "Предупреждения (не препятствуют подписанию)"]].forEach(function (kind) {
      var list = body.problems.filter(function (p) { return (p.severity || "error") === kind[0]; });
      if (!list.length) return;
      target.appendChild(node("h3", kind[1]));
      var ul = target.appendChild(node("ul", null, "missing-list"));
      list.forEach(function (p) {
        var a = node("a", p.message);
        a.href = "#" + idOf(p.field);
        ul.appendChild(node("li")).appendChild(a);
      });
    });
    if (body.ready) target.appendChild(node("p", "Протокол заполнен и может быть подписан.", "notice notice--ok"));
    Object.keys(body.sections).forEach(function (code) {
      var s = body.sections[code], badge = document.querySelector("[data-badge='" + code + "']");
      if (!badge) return;
      badge.textContent = s.errors ? "ошибок: " + s.errors : (s.missing ? "не заполнено: " + s.missing : "✓");
      badge.parentElement.className = "section-nav__link section-nav__link--" + s.state;
    });
  }

  function save() {
    if (locked) return;
    if (saving) { pending = true; return; }
    saving = true;
    stateEl.textContent = "Сохранение…";
    var body = new FormData(form);
    fetch("/protocols/" + protocolId + "/autosave", { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": form.querySelector("[name=csrf_token]").value, "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
      .then(function (res) {
        if (res.body.saved) {
          form.querySelector("[name=revision]").value = res.body.revision;
          stateEl.textContent = "Сохранено в " + res.body.saved_at;
          showProblems(res.body.problems);
          showSummary(res.body);
        } else {
          stateEl.textContent = res.body.message || "Не сохранено";
          if (res.body.problems) showProblems(res.body.problems);
        }
      })
      .catch(function () { stateEl.textContent = "Нет связи с сервером: изменения не сохранены, повторим при следующем изменении"; })
      .then(function () { saving = false; if (pending) { pending = false; save(); } });
  }

  function changed() {
    refresh();
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 800);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function (e) { e.preventDefault(); if (timer) clearTimeout(timer); refresh(); save(); });
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var table = form.querySelector("table[data-table='" + button.getAttribute("data-add-row") + "'] tbody");
      var last = table.lastElementChild, copy = last.cloneNode(true), n = table.children.length;
      copy.querySelectorAll("input").forEach(function (i) {
        i.value = ""; i.name = i.name.replace(/\.(\d+)\.([^.]+)$/, "." + n + ".$2");
      });
      table.appendChild(copy);
      copy.querySelector("input").focus();
    });
  });
  // The decision support beside the protocol: the suggestion for what is saved now (on demand: each read is audited).
  var aside = document.getElementById("decision-aside");
  function recalc() {
    var out = document.getElementById("decision-aside-body");
    out.textContent = "Расчёт…";
    fetch("/api/v1/cases/" + aside.getAttribute("data-case") + "/decision", { credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        out.textContent = "";
        var s = res.body.suggestion || {};
        if (!res.ok || !s.steps) { out.appendChild(node("p", (res.body.detail || s.error || "Расчёт невозможен: заполните пункты 23, 78, 79"), "muted")); return; }
        var lines = [];
        if (s.final_percent !== null && s.final_percent !== undefined) lines.push(s.final_percent + " % — " + s.degree + " степень");
        lines.push(s.outcome_label);
        if (s.term) lines.push(s.term.text || s.term.fnsi_label);
        lines.forEach(function (t) { out.appendChild(node("p", t, "decision-aside__line")); });
        var n = (res.body.departures || []).length;
        out.appendChild(node("p", n ? "Расхождений с протоколом: " + n : "Протокол совпадает с расчётом", n ? "field-error" : "muted"));
      })
      .catch(function () { out.textContent = "Нет связи с сервером"; });
  }
  if (aside) { document.getElementById("decision-recalc").addEventListener("click", recalc); }
  refresh();
  // The page is interactive once the conditions have been applied (bench/protocol/workbench.py reads this mark).
  if (window.performance && performance.mark) performance.mark("workbench-ready");
})();
