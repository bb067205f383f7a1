// A progress bar for the Invitations.csv upload; without JavaScript the form posts as usual.
"use strict";
(function () {
  const form = document.getElementById("televersement");
  const bar = document.getElementById("progression");
  const zone = document.getElementById("bilan-lot");
  if (!form || !bar || !zone) return;

  function say(text, isError) {
    const p = document.createElement("p");
    p.textContent = text;
    if (isError) { p.className = "erreur"; p.setAttribute("role", "alert"); }
    zone.appendChild(p);
  }

  function report(summary) {
    zone.replaceChildren();
    if (summary.erreur) { say(summary.erreur, true); return; }
    const counts = Object.entries(summary.comptes).map(([d, n]) => `${d} ${n}`).join(", ");
    say(`${summary.decidees} invitation(s) décidée(s) : ${counts}.`, false);
    if (summary.rejetees.length) {
      say("Lignes rejetées :", false);
      const list = document.createElement("ul");
      for (const line of summary.rejetees) {
        const item = document.createElement("li");
        item.textContent = `ligne ${line}`;
        list.appendChild(item);
      }
      zone.appendChild(list);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    bar.value = 0;
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    });
    request.addEventListener("load", function () {
      bar.value = 100;
      try { report(JSON.parse(request.responseText)); }
      catch (_) { zone.replaceChildren(); say("Réponse illisible du service.", true); }
    });
    request.addEventListener("error", function () {
      zone.replaceChildren();
      say("Le service ne répond pas.", true);
    });
    request.send(new FormData(form));
  });
})();
