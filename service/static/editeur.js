// Live diagnostics in the policy editor: the same codes, lines and help as `tamis valider`.
// Progressive: without JavaScript the « Vérifier » button gives the same list.
"use strict";
(function () {
  const source = document.getElementById("source");
  const zone = document.getElementById("diagnostics");
  if (!source || !zone) return;
  const url = window.location.pathname.replace(/\/politique$/, "/politique/diagnostics");
  let timer = null;
  let asked = 0;

  function show(diagnostics) {
    zone.replaceChildren();
    if (diagnostics.length === 0) {
      const ok = document.createElement("p");
      ok.className = "message";
      ok.textContent = "Aucun problème : la politique est valide.";
      zone.appendChild(ok);
      return;
    }
    const list = document.createElement("ul");
    list.className = "diagnostics";
    for (const d of diagnostics) {
      const item = document.createElement("li");
      item.className = d.severity;
      let text = `ligne ${d.line}, colonne ${d.column} : ${d.severity}[${d.code}] : ${d.message}`;
      if (d.suggestion) text += ` — aide : ${d.suggestion}`;
      item.textContent = text;
      list.appendChild(item);
    }
    zone.appendChild(list);
  }

  async function check() {
    const mine = ++asked;
    const answer = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "text/plain; charset=utf-8", Accept: "application/json" },
      body: source.value,
      credentials: "same-origin",
    });
    if (mine !== asked) return;
    const body = await answer.json().catch(() => null);
    if (body && body.diagnostics) show(body.diagnostics);
    else if (body && body.erreur) refused(body.erreur); // the session ended
  }

  // Said instead of the diagnostics, which would otherwise stay those of an older text.
  function refused(message) {
    const p = document.createElement("p");
    p.className = "erreur";
    p.setAttribute("role", "alert");
    p.textContent = message;
    zone.replaceChildren(p);
  }

  source.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
})();
