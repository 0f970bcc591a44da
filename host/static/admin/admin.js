// Progressive enhancement for the admin: live job progress and confirmations. Every page works
// without it. The admin's Content-Security-Policy runs no inline script, so pages carry their
// values in data-* attributes (data-jobs-poll, data-confirm) and this file reads them.
(function () {
  "use strict";

  var POLL_MS = 1000;

  function poller(container) {
    var url = container.getAttribute("data-jobs-poll");
    var timer = null;

    function update(job) {
      var bar = document.querySelector('progress[data-job-id="' + job.id + '"]');
      if (bar) {
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
      }
      setText('[data-job-percent="' + job.id + '"]', job.percent + "%");
      var status = document.querySelector('[data-job-status="' + job.id + '"]');
      if (status && status.textContent !== job.status) {
        status.textContent = job.status;
        status.className = "badge badge-" + job.status;
      }
      setText('[data-job-message="' + job.id + '"]', job.message);
      // A finished job cannot be cancelled any more; a failed or cancelled one can be retried.
      show('[data-job-action="cancel"][data-job-id="' + job.id + '"]', !job.finished);
      show('[data-job-action="retry"][data-job-id="' + job.id + '"]',
           job.status === "failed" || job.status === "cancelled");
    }

    function show(selector, visible) {
      document.querySelectorAll(selector).forEach(function (element) { element.hidden = !visible; });
    }

    function setText(selector, text) {
      var element = document.querySelector(selector);
      if (element && element.textContent !== text) element.textContent = text;
    }

    function shownIds() {
      var ids = {};
      document.querySelectorAll("progress[data-job-id]").forEach(function (bar) {
        ids[bar.getAttribute("data-job-id")] = true;
      });
      return ids;
    }

    function query(ids) {
      return Object.keys(ids).map(function (id) { return "id=" + encodeURIComponent(id); }).join("&");
    }

    function tick() {
      var ids = shownIds();
      fetch(url + "?" + query(ids), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (body) {
          var running = false;
          body.jobs.forEach(function (job) {
            if (!ids[String(job.id)]) return;
            update(job);
            if (!job.finished) running = true;
          });
          schedule(running ? POLL_MS : 0);
        })
        .catch(function () { schedule(POLL_MS * 5); }); // the server may be restarting: back off
    }

    function schedule(delay) {
      clearTimeout(timer);
      if (delay > 0) timer = setTimeout(tick, delay);
    }

    schedule(POLL_MS);
  }

  // <form data-confirm="Cancel job 7?">: ask before sending it. (Without this file the form is
  // sent without asking.)
  function confirmSubmit(event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }

  document.addEventListener("submit", confirmSubmit);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('[data-jobs-poll][data-polling="on"]').forEach(poller);
  });
})();
