// gaitlab web: upload with progress, follow the analysis until the report is ready, and review
// the annotated clip frame by frame. The pages work without it (plain form posts, the video's
// own controls); this only adds progress and frame stepping.
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
  for (const figure of document.querySelectorAll("figure.review")) setUpReview(figure);
});

// Video review: play/pause, one frame back or forward (buttons; left/right arrow keys or , and .
// while the clip has the focus), and a jump to each key moment. Positions are kept in the middle
// of a frame, so that rounding never shows the neighbouring one.
function setUpReview(figure) {
  const video = figure.querySelector("video");
  const fps = Number(figure.dataset.fps) || 30;
  const readout = figure.querySelector(".frame-readout");
  const play = figure.querySelector("[data-play]");
  const playText = play.textContent;
  const pauseText = play.dataset.pause || "❚❚";
  const frameOf = (t) => Math.floor(t * fps + 1e-6);
  const show = () => {
    const frame = frameOf(video.currentTime);
    readout.textContent = readout.dataset.template
      .replace("{frame}", String(frame))
      .replace("{time_s}", video.currentTime.toFixed(2));
    figure.dataset.frame = String(frame);
  };
  const seekFrame = (frame) => {
    const last = Number.isFinite(video.duration) ? frameOf(video.duration) - 1 : frame;
    video.currentTime = (Math.max(0, Math.min(frame, last)) + 0.5) / fps;
  };
  const step = (frames) => {
    video.pause();
    seekFrame(frameOf(video.currentTime) + frames);
  };
  for (const button of figure.querySelectorAll("[data-step]")) {
    button.addEventListener("click", () => step(Number(button.dataset.step)));
  }
  play.addEventListener("click", () => (video.paused ? video.play() : video.pause()));
  video.addEventListener("play", () => { play.textContent = pauseText; });
  video.addEventListener("pause", () => { play.textContent = playText; });
  for (const button of figure.querySelectorAll("button.moment")) {
    button.addEventListener("click", () => {
      video.pause();
      seekFrame(frameOf(Number(button.dataset.time) + 0.25 / fps));
    });
  }
  figure.addEventListener("keydown", (event) => {
    const back = event.key === "ArrowLeft" || event.key === ",";
    const forward = event.key === "ArrowRight" || event.key === ".";
    if (back || forward) {
      event.preventDefault();
      step(back ? -1 : 1);
    } else if (event.key === " " && event.target === figure) {
      event.preventDefault();
      play.click();
    }
  });
  video.addEventListener("seeked", show);
  video.addEventListener("timeupdate", show);
  video.addEventListener("loadedmetadata", show);
}

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
