// « Avant d'envoyer »: the draft's findings as you type (the « Vérifier » button does the same
// without JavaScript), and the note's length against LinkedIn's 300 characters. The checks as
// you type ask for a preview (?apercu=1), which is not journaled: only « Vérifier » journals
// the advice (a « conseil » record), not each keystroke.
"use strict";
(function () {
  const form = document.getElementById("brouillon");
  const zone = document.getElementById("constats");
  const length = document.getElementById("longueur");
  if (!form || !zone) return;
  let timer = null;
  let asked = 0;

  // A direction control (U+202E…) quoted from the draft is shown as \u202e, as the page
  // rendered by the server shows it, instead of reordering the rest of the line.
  const direction = /[\u202a-\u202e\u2066-\u2069]/g;
  const escaped = (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text.replace(direction, escaped);
    if (className) node.className = className;
    return node;
  }

  function show(advice) {
    if (advice.erreur) {
      const refused = element("p", advice.erreur, "erreur");
      refused.setAttribute("role", "alert");
      zone.replaceChildren(refused);
      return;
    }
    zone.replaceChildren(element("h2", `Verdict : ${advice.verdict}`));
    if (advice.constats.length === 0) zone.appendChild(element("p", "Aucun problème trouvé."));
    const list = element("ul", undefined, "constats");
    for (const c of advice.constats) {
      const item = element("li");
      item.appendChild(element("strong", `${c.gravite} [${c.code}] : ${c.constat}`));
      const lines = [];
      if (c.mots) lines.push(`Mots en cause : ${c.mots.join(", ")}`);
      lines.push(`Lu : ${c.preuve}`, `Source : ${c.guide}`, `Suggestion : ${c.suggestion}`);
      for (const line of lines) item.appendChild(element("span", line, "detail"));
      list.appendChild(item);
    }
    if (advice.constats.length) zone.appendChild(list);
    if (advice.modele) {
      zone.appendChild(element("h3", "Modèle de note à personnaliser"));
      zone.appendChild(element("pre", advice.modele, "source"));
    }
  }

  async function check() {
    const note = form.elements.message.value;
    // counted in characters, as the service counts them (note_trop_longue), not in the
    // UTF-16 units of .length: « 🦊 » is one character, not two
    if (length) length.textContent = `${[...note.trim()].length} caractères sur 300`;
    if (!form.elements.a.value.trim()) return;
    const mine = ++asked;
    const answer = await fetch(`${form.action}?apercu=1`, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new FormData(form),
      credentials: "same-origin",
    });
    if (mine !== asked) return;
    // a refusal (422: an address that is not a profile's; 401: the session ended) is JSON too
    const advice = await answer.json().catch(() => null);
    if (advice) show(advice);
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
})();
