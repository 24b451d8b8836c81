// gaitlab web: upload with progress, then follow the analysis until the report is ready.
// The pages work without it (plain form posts); this only adds progress.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  const upload = document.getElementById("upload");
  if (upload) setUpUpload(upload);
  const analysis = document.getElementById("analysis");
  if (analysis && ["queued", "running"].includes(analysis.dataset.state)) follow(analysis);
});

function setUpUpload(form) {
  const bar = document.getElementById("upload-progress");
  const message = document.getElementById("upload-message");
  form.addEventListener("submit", (event) => {
    const input = form.querySelector("input[type=file]");
    if (!input.files.length) return;
    event.preventDefault();
    const file = input.files[0];
    const maxBytes = Number(form.dataset.maxBytes);
    if (maxBytes && file.size > maxBytes) {
      message.textContent = form.dataset.msgTooLarge;
      message.className = "error";
      return;
    }
    const data = new FormData(form);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", data.get("csrf_token"));
    bar.hidden = false;
    bar.value = 0;
    message.className = "muted";
    message.textContent = form.dataset.msgUploading;
    form.querySelector("button").disabled = true;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        bar.value = Math.round((100 * e.loaded) / e.total);
        message.textContent = `${form.dataset.msgUploading} ${bar.value} %`;
      }
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        message.textContent = form.dataset.msgUploaded;
        window.location.reload();
      } else {
        form.querySelector("button").disabled = false;
        bar.hidden = true;
        message.className = "error";
        message.textContent = body.error || `${form.dataset.msgFailed} (HTTP ${xhr.status})`;
      }
    });
    xhr.addEventListener("error", () => {
      form.querySelector("button").disabled = false;
      message.className = "error";
      message.textContent = form.dataset.msgInterrupted;
    });
    xhr.send(data);
  });
}

function follow(section) {
  const url = section.dataset.statusUrl;
  const stage = document.getElementById("job-stage");
  const bar = document.getElementById("job-progress");
  const tick = async () => {
    let status;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      status = await response.json();
    } catch (_) {
      window.setTimeout(tick, 3000);  // the server may be restarting: keep trying
      return;
    }
    if (status.state === "done" || status.state === "failed" || status.state === "none") {
      window.location.reload();
      return;
    }
    if (stage && status.stage_text) {
      stage.textContent = status.total ? `${status.stage_text} (${status.done} / ${status.total})` : status.stage_text;
    }
    if (bar) {
      if (status.total) bar.value = Math.round((100 * status.done) / status.total);
      else bar.removeAttribute("value");
    }
    window.setTimeout(tick, 1000);
  };
  window.setTimeout(tick, 1000);
}
