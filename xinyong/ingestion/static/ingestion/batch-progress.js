/*
 * Batch page: follow a submission batch while it is processed (vendored, no dependencies, no CDN).
 *
 * Polls the batch's status URL every few seconds, updates the status text (a polite live region) and the
 * rows processed so far, and reloads the page once the batch is finished so the counts, the receipt and the
 * rejected rows appear. Without JavaScript the page offers a refresh link instead.
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-batch-status-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-batch-status-url");
  var seconds = parseInt(box.getAttribute("data-poll-seconds"), 10) || 2;
  var statusText = document.getElementById("batch-status-text");
  var rowsText = document.getElementById("batch-progress-rows");
  var failures = 0;

  function schedule(delay) {
    window.setTimeout(poll, delay * 1000);
  }

  function poll() {
    window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (data.finished) {
          window.location.reload();
          return;
        }
        if (statusText && statusText.textContent !== data.text) {
          statusText.textContent = data.text;
        }
        if (rowsText) {
          rowsText.textContent = rowsText.textContent.replace(/\d[\d,]*/, String(data.progress_rows));
        }
        schedule(seconds);
      })
      .catch(function () {
        failures += 1;
        schedule(Math.min(60, seconds * Math.pow(2, failures)));
      });
  }

  schedule(seconds);
})();
