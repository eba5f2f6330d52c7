// Answers while typing (templates/knowledge/_suggest_panel.html): as the new request's title and description
// change, the knowledge base's suggestions are fetched (once typing pauses) and shown beside the form. The
// server renders the list, escaped; an answer that arrives after a newer one was asked for is dropped.
(function () {
  var panel = document.querySelector(".kb-suggest[data-suggest-url]");
  if (!panel) {
    return;
  }
  var form = panel.closest("form");
  var list = panel.querySelector(".kb-suggest-list");
  var title = form.elements.title;
  var description = form.elements.description;
  var PAUSE_MS = 350;
  var timer = null;
  var asked = 0;
  var lastWords = "";

  function words() {
    return ((title ? title.value : "") + " " + (description ? description.value : "")).trim().slice(0, 400);
  }

  function fetchSuggestions() {
    var typed = words();
    if (typed === lastWords) {
      return;
    }
    lastWords = typed;
    var ticket = ++asked;
    if (!typed) {
      list.innerHTML = "";
      return;
    }
    fetch(panel.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(typed), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (ticket === asked) {
          list.innerHTML = html;
        }
      })
      .catch(function () {});
  }

  function typed() {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, PAUSE_MS);
  }

  [title, description].forEach(function (field) {
    if (field) {
      field.addEventListener("input", typed);
    }
  });
  panel.classList.add("kb-live");
  fetchSuggestions();
})();
