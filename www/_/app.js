// The inspector page: reads the Worker's native answer (`GET /<key>?info`) and shows it
// to a person — summary, cost, EXIF, what every vendor route answers, the HEAD headers —
// or parses a local file in the browser with the core's web build (./local.js).
// Plain DOM, no dependencies; every request goes to this Worker only.

import { NUM, bytes, percent, costLine, objectPath, DIALECTS } from "./format.js";

const $ = (id) => document.getElementById(id);

/** Creates an element: h("td", { class: "x", title: "y" }, child, "text", …). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// ---------------------------------------------------------------- formatting

const FORMAT_NAMES = {
  jpeg: "JPEG", png: "PNG", gif: "GIF", bmp: "BMP", webp: "WebP", tiff: "TIFF", heic: "HEIC", avif: "AVIF",
};
const COLOR_NAMES = {
  srgb: "RGB", gray: "Greyscale", cmyk: "CMYK", ycck: "YCCK", ycbcr: "YCbCr", lab: "CIELAB", palette: "Indexed (palette)",
};
/** What a viewer does to the stored pixels to show them upright (EXIF Orientation). The
 * page draws an upright "F" as it is stored (class `o<N>` in style.css) beside an upright one. */
const ORIENTATIONS = {
  1: "shown as stored",
  2: "viewers mirror it left to right",
  3: "viewers turn it 180°",
  4: "viewers mirror it top to bottom",
  5: "viewers mirror it along the top-left diagonal",
  6: "viewers turn it 90° clockwise",
  7: "viewers mirror it along the top-right diagonal",
  8: "viewers turn it 90° counter-clockwise",
};
const IFD_TITLES = {
  ifd0: "IFD0 — main image",
  exif: "Exif sub-IFD",
  gps: "GPS",
  interop: "Interoperability",
  ifd1: "IFD1 — thumbnail",
};

// ---------------------------------------------------------------- the Worker's routes

/** Human messages for the native error codes (docs/native.schema.json). */
function explain(code, message, subject) {
  const s = subject;
  switch (code) {
    case "not_found":
      return `There is no object named ${s}. Keys are case-sensitive and include any folder path.`;
    case "unsupported_format":
      return `${cap(s)} is not an image this service can read (JPEG, PNG, GIF, WebP, BMP, TIFF, HEIC or AVIF).`;
    case "truncated":
      return `${cap(s)} looks like an image, but it ends before its header does: the file is incomplete.`;
    case "invalid_image":
      return `${cap(s)} looks like an image, but its header is damaged.`;
    case "read_budget_exceeded":
      return `The header of ${s} was not found within the bytes this Worker may read for one request.`;
    case "upstream_error":
      return `The origin server that holds ${s} did not answer properly, so it could not be read. Try again later.`;
    case "upstream_timeout":
      return `The origin server that holds ${s} took too long to answer. Try again later.`;
    case "object_changed":
      return `${cap(s)} changed while it was being read. Try again.`;
    case "access_denied":
      return `This Worker is not allowed to read ${s}.`;
    case "bad_request":
      return `The request was not understood: ${message}`;
    default:
      return `Something went wrong while reading ${s}: ${message || code}`;
  }
}
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

class Failure extends Error {
  constructor(text, detail) {
    super(text);
    this.detail = detail;
  }
}

/** `GET /<key>?info`, checked: the native answer, or a Failure a person can read. */
async function fetchInfo(key) {
  const subject = `“${key}”`;
  let res;
  try {
    res = await fetch(`${objectPath(key)}?info`, { cache: "no-store" });
  } catch (e) {
    throw new Failure(`Could not reach this Worker (${location.host}). Check the connection and try again.`, String(e));
  }
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  let body = null;
  if (type.includes("json")) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!body || typeof body !== "object") {
    throw new Failure(
      `This Worker answered ${res.status} with ${type || "no content type"} instead of the native JSON for ${subject}; it may be a version without the ?info route.`,
      text.slice(0, 300),
    );
  }
  if (body.error) {
    const { code, message } = body.error;
    throw new Failure(explain(code, message, subject), `HTTP ${res.status} · ${code}: ${message}`);
  }
  if (!res.ok) throw new Failure(`This Worker answered ${res.status} for ${subject}.`, text.slice(0, 300));
  // Fall back on Server-Timing for the cost when the answer has no read figures.
  if (!body.read || !body.read.ranges) {
    const st = res.headers.get("server-timing") ?? "";
    const m = st.match(/read;desc="(\d+) ranges?, (\d+) B";dur=([\d.]+)/);
    if (m) body.read = { ranges: Number(m[1]), bytes: Number(m[2]), ms: Number(m[3]) };
  }
  return body;
}

// ---------------------------------------------------------------- rendering

const state = { objectUrl: null, key: null, seq: 0 };

function setStatus(text) {
  $("status").textContent = text;
}

function showError(text, detail) {
  const box = $("error");
  box.replaceChildren(h("p", { class: "error-text" }, text));
  if (detail) box.append(h("details", {}, h("summary", {}, "Technical details"), h("pre", {}, detail)));
  box.hidden = false;
  $("result").hidden = true;
  setStatus("");
}

function clearError() {
  $("error").hidden = true;
  $("error").replaceChildren();
}

function fact(dl, term, ...value) {
  dl.append(h("div", { class: "fact" }, h("dt", {}, term), h("dd", {}, ...value)));
}

function yesNo(v) {
  return v == null ? "unknown" : v ? "yes" : "no";
}

/** The orientation as an "F" drawn as stored, an arrow, and the upright "F". */
function orientationGlyph(o) {
  const words = ORIENTATIONS[o] ?? ORIENTATIONS[1];
  return h(
    "span",
    { class: "orient" },
    h("span", { class: `glyph o${o}`, "aria-hidden": "true" }, "F"),
    h("span", { class: "arrow", "aria-hidden": "true" }, "→"),
    h("span", { class: "glyph", "aria-hidden": "true" }, "F"),
    h("span", { class: "orient-text" }, `${o} — ${words}`),
  );
}

function transformText(t) {
  if (t.type === "irot") return `rotate ${t.angle}° counter-clockwise`;
  if (t.type === "imir") return t.axis === 0 ? "mirror left to right" : "mirror top to bottom";
  if (t.type === "clap") return `crop to ${t.width} × ${t.height}`;
  return t.type;
}

function renderSummary(info, { src, name, local }) {
  const dl = $("facts");
  dl.replaceChildren();
  const fmt = FORMAT_NAMES[info.format] ?? info.format;
  fact(dl, "Format", `${fmt} `, h("span", { class: "muted" }, `(${info.mime})`));
  const read = info.read?.bytes;
  fact(
    dl,
    "File size",
    info.fileSize != null ? `${bytes(info.fileSize)} (${NUM.format(info.fileSize)} bytes)` : "unknown",
    info.fileSize && read != null ? h("span", { class: "muted" }, ` · ${bytes(read)} of it read (${percent(read, info.fileSize)})`) : "",
  );
  fact(dl, "Dimensions", h("span", { id: "dims" }, `${info.width} × ${info.height}`), " px as stored");
  fact(dl, "Displayed as", h("span", { id: "display-dims" }, `${info.displayWidth} × ${info.displayHeight}`), " px");
  if (info.format === "heic" || info.format === "avif") {
    // HEIF display follows the item's transform properties, not EXIF Orientation.
    const steps = (info.transforms ?? []).map(transformText);
    fact(
      dl,
      "Transforms",
      steps.length ? steps.join(", then ") : "none (shown as stored)",
      info.orientation ? h("span", { class: "muted" }, ` · EXIF Orientation ${info.orientation} is informational: HEIF viewers follow the transforms`) : "",
    );
  } else {
    fact(dl, "Orientation", info.orientation ? orientationGlyph(info.orientation) : "none recorded (upright)");
  }
  fact(dl, "Colour space", info.colorSpace ? COLOR_NAMES[info.colorSpace] ?? info.colorSpace : "unknown");
  if (info.bitDepth != null) fact(dl, "Bit depth", `${info.bitDepth} bits per sample`);
  fact(dl, "Alpha", yesNo(info.alpha));
  fact(dl, "Frames", info.frames != null ? `${info.frames}${info.animated ? " (animated)" : ""}` : "unknown");
  if (info.progressive != null) fact(dl, "Progressive", yesNo(info.progressive));
  if (info.taken) fact(dl, "Taken", info.taken);
  const cam = ["Make", "Model"].map((t) => info.exif?.ifd0?.[t]?.display).filter(Boolean);
  if (cam.length) fact(dl, "Camera", cam.join(" "));
  const o = info.object;
  if (!local && o) {
    if (o.source) fact(dl, "Read from", o.source === "r2" ? "R2 bucket" : "origin server");
    if (o.etag) fact(dl, "ETag", h("code", {}, o.etag));
    if (o.lastModified) fact(dl, "Last modified", o.lastModified);
    if (o.version) fact(dl, "Version", h("code", {}, o.version));
  }
  if (local) fact(dl, "File", name);

  const fig = $("preview");
  fig.replaceChildren();
  const alt = `${name}, ${info.displayWidth} × ${info.displayHeight} pixels`;
  const img = h("img", { alt, decoding: "async" });
  img.addEventListener("error", () => {
    fig.replaceChildren(
      h("p", { class: "no-preview" }, `This browser cannot display ${fmt} images; the facts beside come from the file’s header.`),
    );
  });
  img.src = src;
  fig.append(img, h("figcaption", {}, "Shown with its EXIF orientation applied, sized to fit."));
}

function renderCost(read, size, local) {
  const line = local
    ? `${costLine(read, size, "slice")} of your file`
    : costLine(read, size);
  $("cost-line").textContent = line;
  const pct = size ? Math.min(100, (100 * read.bytes) / size) : 0;
  const bar = $("cost-bar");
  bar.setAttribute("aria-label", line);
  bar.firstElementChild.style.width = `${Math.max(pct, 0.4)}%`;
  $("cost-note").textContent = local
    ? "Only these bytes were read from your disk (File.slice), by the same driver the Worker runs."
    : "Ranged reads the Worker made to answer: the same figures as its Server-Timing header.";
}

function rawText(v) {
  const s = JSON.stringify(v);
  return s.length > 240 ? `${s.slice(0, 240)}… (${s.length} characters)` : s;
}

function clip(s, n = 300) {
  return s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s;
}

function renderExif(info) {
  const box = $("exif-tables");
  box.replaceChildren();
  const gps = $("gps");
  gps.hidden = !info.gps;
  if (info.gps) {
    const { lat, lon, alt } = info.gps;
    const coords = `${lat.toFixed(6)}, ${lon.toFixed(6)}`;
    const href = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=15/${lat}/${lon}`;
    gps.replaceChildren(
      h("strong", {}, "Location: "),
      h("span", { id: "gps-decimal" }, coords),
      alt != null ? ` · altitude ${alt.toFixed(1)} m` : "",
      " · ",
      h("a", { href, rel: "noreferrer noopener", target: "_blank" }, "open in OpenStreetMap", h("span", { class: "visually-hidden" }, " (new tab)")),
    );
  }
  const groups = info.exif ? Object.entries(info.exif) : [];
  $("raw-toggle-row").hidden = groups.length === 0;
  if (info.exifError) box.append(h("p", { class: "warn" }, `The EXIF block could not be read: ${info.exifError}`));
  if (!groups.length) {
    box.append(h("p", { class: "muted" }, "No EXIF in this image."));
    return;
  }
  const order = Object.keys(IFD_TITLES);
  groups.sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  for (const [ifd, tags] of groups) {
    const rows = Object.entries(tags).map(([name, t]) =>
      h(
        "tr",
        { "data-tag": name },
        h("th", { scope: "row" }, name, h("span", { class: "tagno" }, ` 0x${t.tag.toString(16).padStart(4, "0")}`)),
        h("td", { class: "val", title: `raw${t.type ? ` ${t.type}` : ""}: ${rawText(t.value)}` }, clip(t.display ?? "")),
        h("td", { class: "raw" }, h("code", {}, rawText(t.value))),
      ),
    );
    box.append(
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { class: "exif-table", id: `ifd-${ifd}` },
          h("caption", {}, `${IFD_TITLES[ifd] ?? ifd} (${rows.length} tag${rows.length === 1 ? "" : "s"})`),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Tag"), h("th", { scope: "col" }, "Value"), h("th", { scope: "col", class: "raw" }, "Raw value"))),
          h("tbody", {}, rows),
        ),
      ),
    );
  }
}

// ---------------------------------------------------------------- dialect tabs

function curl(url, flags = "-s") {
  return `curl ${flags} '${url.replaceAll("'", "'\\''")}'`;
}

function renderTabs(key) {
  const tabs = $("tabs");
  const panels = $("panels");
  tabs.replaceChildren();
  panels.replaceChildren();
  const base = `${location.origin}${objectPath(key)}`;
  DIALECTS.forEach((d, i) => {
    const url = `${base}?${d.query}`;
    const tab = h(
      "button",
      { type: "button", role: "tab", id: `tab-${d.id}`, "aria-controls": `panel-${d.id}`, "aria-selected": String(i === 0), tabindex: i === 0 ? "0" : "-1", title: d.name },
      d.label,
    );
    const cmdId = `cmd-${d.id}`;
    const panel = h(
      "div",
      { role: "tabpanel", id: `panel-${d.id}`, "aria-labelledby": `tab-${d.id}`, class: "panel", tabindex: "0", hidden: i !== 0 },
      h("p", { class: "panel-title" }, d.name, " — ", h("code", {}, `?${d.query}`)),
      h("div", { class: "cmd" }, h("code", { id: cmdId }, curl(url)), h("button", { type: "button", class: "copy", "data-copy": cmdId }, "Copy")),
      h("p", { class: "answer-status muted" }, "Loading…"),
      h("pre", { class: "body", tabindex: "0", "aria-label": `${d.name} response body` }),
    );
    panel.dataset.url = url;
    tab.addEventListener("click", () => selectTab(d.id));
    tabs.append(tab);
    panels.append(panel);
  });
  selectTab(DIALECTS[0].id, false);
}

function selectTab(id, focus = true) {
  for (const tab of $("tabs").querySelectorAll('[role="tab"]')) {
    const on = tab.id === `tab-${id}`;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    if (on && focus) tab.focus();
  }
  for (const p of $("panels").children) p.hidden = p.id !== `panel-${id}`;
  const panel = $(`panel-${id}`);
  if (panel && !panel.dataset.loaded) {
    panel.dataset.loaded = "1";
    loadDialect(panel);
  }
}

async function loadDialect(panel) {
  const seq = state.seq;
  const status = panel.querySelector(".answer-status");
  const pre = panel.querySelector(".body");
  try {
    const res = await fetch(panel.dataset.url, { cache: "no-store" });
    const text = await res.text();
    if (seq !== state.seq) return;
    const type = res.headers.get("content-type") ?? "no content type";
    const timing = res.headers.get("server-timing");
    status.textContent = `HTTP ${res.status} · ${type}${timing ? ` · ${timing}` : ""}`;
    pre.dataset.exact = text;
    pre.textContent = shown(text);
    panel.dataset.status = String(res.status);
  } catch (e) {
    if (seq !== state.seq) return;
    status.textContent = "The request failed: the Worker could not be reached.";
    pre.textContent = String(e);
  }
}

/** The body as shown: exact, or re-indented when it is JSON and the person asked. */
function shown(text) {
  if (!$("indent-toggle").checked) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
$("indent-toggle").addEventListener("change", () => {
  for (const pre of $("panels").querySelectorAll("pre.body[data-exact]")) pre.textContent = shown(pre.dataset.exact);
});

$("tabs").addEventListener("keydown", (ev) => {
  const tabs = [...$("tabs").querySelectorAll('[role="tab"]')];
  const i = tabs.indexOf(document.activeElement);
  if (i < 0) return;
  const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
  if (next === undefined) return;
  ev.preventDefault();
  const t = tabs[(next + tabs.length) % tabs.length];
  selectTab(t.id.slice(4));
});

// ---------------------------------------------------------------- HEAD

const HEAD_ORDER = ["content-type", "content-length", "etag", "last-modified", "accept-ranges"];

async function renderHead(key) {
  const url = `${location.origin}${objectPath(key)}`;
  $("head-cmd").textContent = curl(url, "-sI");
  const body = $("head-table").tBodies[0];
  body.replaceChildren(h("tr", {}, h("td", { colspan: "2", class: "muted" }, "Loading…")));
  const seq = state.seq;
  try {
    const res = await fetch(objectPath(key), { method: "HEAD", cache: "no-store" });
    if (seq !== state.seq) return;
    const rows = [...res.headers.entries()];
    const rank = (k) => {
      const i = HEAD_ORDER.indexOf(k);
      return i >= 0 ? i : k.startsWith("x-obs-") ? 10 : 20;
    };
    rows.sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
    body.replaceChildren(
      h("tr", {}, h("th", { scope: "row" }, "status"), h("td", {}, `${res.status} ${res.statusText}`)),
      ...rows.map(([k, v]) => h("tr", { "data-header": k, class: k.startsWith("x-obs-") ? "obs" : null }, h("th", { scope: "row" }, k), h("td", {}, h("code", {}, v)))),
    );
  } catch (e) {
    if (seq !== state.seq) return;
    body.replaceChildren(h("tr", {}, h("td", { colspan: "2" }, `The HEAD request failed: ${e}`)));
  }
}

// ---------------------------------------------------------------- copy buttons

document.addEventListener("click", async (ev) => {
  const btn = ev.target.closest("button.copy");
  if (!btn) return;
  const text = $(btn.dataset.copy)?.textContent ?? "";
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    // Not a secure context, or no permission: select the text for the person to copy.
    const range = document.createRange();
    range.selectNodeContents($(btn.dataset.copy));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    ok = document.execCommand?.("copy") ?? false;
  }
  btn.textContent = ok ? "Copied" : "Press Ctrl+C";
  setStatus(ok ? "Command copied to the clipboard." : "The command is selected: press Ctrl+C to copy it.");
  setTimeout(() => (btn.textContent = "Copy"), 2000);
});

$("raw-toggle").addEventListener("change", (ev) => {
  $("exif").classList.toggle("show-raw", ev.target.checked);
});

// ---------------------------------------------------------------- loading an object

/** Page URL for a key: `/?key=photos/a.jpg` (slashes left readable). */
function pageUrl(key) {
  return key ? `/?key=${encodeURIComponent(key).replaceAll("%2F", "/")}` : "/";
}

function revokePreview() {
  if (state.objectUrl) URL.revokeObjectURL(state.objectUrl);
  state.objectUrl = null;
}

/** Objects larger than this are not downloaded for the preview until asked. */
const PREVIEW_AUTO_BYTES = 25e6;

async function loadKey(key) {
  const seq = ++state.seq;
  revokePreview();
  clearError();
  state.key = key;
  document.title = `${key} — imginfo-edge inspector`;
  setStatus(`Reading “${key}”…`);
  let info;
  try {
    info = await fetchInfo(key);
  } catch (e) {
    if (seq !== state.seq) return;
    document.title = "imginfo-edge inspector";
    showError(e.message, e.detail);
    return;
  }
  if (seq !== state.seq) return;
  $("result-title").textContent = key;
  for (const id of ["dialects", "head"]) $(id).hidden = false;
  const big = info.fileSize != null && info.fileSize > PREVIEW_AUTO_BYTES;
  renderSummary(info, { src: big ? "" : objectPath(key), name: key, local: false });
  if (big) {
    const fig = $("preview");
    const btn = h("button", { type: "button" }, `Show the image (downloads ${bytes(info.fileSize)})`);
    btn.addEventListener("click", () => renderSummary(info, { src: objectPath(key), name: key, local: false }));
    fig.replaceChildren(btn);
  }
  renderCost(info.read ?? { ranges: 0, bytes: 0 }, info.fileSize, false);
  renderExif(info);
  renderTabs(key);
  renderHead(key);
  $("result").hidden = false;
  setStatus(`Loaded “${key}”: ${FORMAT_NAMES[info.format] ?? info.format}, ${info.width} × ${info.height}.`);
}

async function loadFile(file) {
  const seq = ++state.seq;
  revokePreview();
  clearError();
  setStatus(`Parsing “${file.name}” in your browser…`);
  let info;
  try {
    const { inspectFile } = await import("./local.js");
    info = await inspectFile(file);
  } catch (e) {
    if (seq !== state.seq) return;
    showError(`The in-browser parser could not be loaded, so “${file.name}” was not read.`, String(e?.stack ?? e));
    return;
  }
  if (seq !== state.seq) return;
  if (info.error) {
    const { code, message } = info.error;
    const text =
      code === "upstream_error"
        ? `Your browser could not read the file “${file.name}”: ${message}`
        : explain(code, message, `your file “${file.name}”`);
    showError(text, `${code}: ${message}`);
    return;
  }
  document.title = `${file.name} (local) — imginfo-edge inspector`;
  state.objectUrl = URL.createObjectURL(file);
  $("result-title").textContent = `Your file: ${file.name} (parsed here, not uploaded)`;
  renderSummary(info, { src: state.objectUrl, name: file.name, local: true });
  renderCost(info.read, info.fileSize ?? file.size, true);
  renderExif(info);
  for (const id of ["dialects", "head"]) $(id).hidden = true;
  $("result").hidden = false;
  setStatus(`Parsed your file “${file.name}”: ${FORMAT_NAMES[info.format] ?? info.format}, ${info.width} × ${info.height}.`);
}

/**
 * A presigned URL of an object on this Worker (any vendor's: OSS, OBS, S3/R2, TOS, COS,
 * Qiniu, QingStor), pasted instead of a key: for private buckets (ACCESS_MODE = "signed").
 * Its signature covers one GET of the object, so the page reads the ranges the parser
 * asks for through it (Range is not signed) and parses them here, as for a local file.
 */
async function loadSigned(text) {
  const seq = ++state.seq;
  revokePreview();
  clearError();
  let url;
  try {
    url = new URL(text, location.origin);
  } catch {
    showError("That is not a URL or an object key.");
    return;
  }
  if (url.origin !== location.origin) {
    showError(`Paste a signed URL of this Worker (${location.host}); this page reads nothing from other sites.`);
    return;
  }
  const key = decodeURIComponent(url.pathname.replace(/^\/+/, ""));
  setStatus(`Reading “${key}” through the signed URL…`);
  let size;
  try {
    const res = await fetch(url, { headers: { range: "bytes=0-0" }, cache: "no-store" });
    const body = res.status === 206 ? "" : await res.text();
    if (seq !== state.seq) return;
    const total = (res.headers.get("content-range") ?? "").match(/\/(\d+)$/);
    if (res.status !== 206 || !total) {
      const type = res.headers.get("content-type") ?? "";
      const code = body.match(/<Code>([^<]+)<\/Code>|"(?:code|Code|error)":\s*"([^"]+)"/);
      const why = code ? ` (${code[1] ?? code[2]})` : "";
      showError(
        res.status === 200 && type.includes("json")
          ? "This URL asks for a vendor's image-info answer; paste a signed URL of the object itself (a plain GET) to inspect it here."
          : `This Worker refused the signed URL for “${key}”: HTTP ${res.status}${why}.`,
        body.slice(0, 500),
      );
      return;
    }
    size = Number(total[1]);
  } catch (e) {
    if (seq !== state.seq) return;
    showError(`Could not reach this Worker (${location.host}).`, String(e));
    return;
  }
  let info;
  try {
    const { inspectSignedUrl } = await import("./local.js");
    info = await inspectSignedUrl(url.href, size);
  } catch (e) {
    if (seq !== state.seq) return;
    showError(`The in-browser parser could not be loaded, so “${key}” was not read.`, String(e?.stack ?? e));
    return;
  }
  if (seq !== state.seq) return;
  if (info.error) {
    const { code, message } = info.error;
    showError(explain(code, message, `“${key}”`), `${code}: ${message}`);
    return;
  }
  document.title = `${key} (signed URL) — imginfo-edge inspector`;
  $("result-title").textContent = `${key} (through the signed URL)`;
  const big = size > PREVIEW_AUTO_BYTES;
  renderSummary(info, { src: big ? "" : url.href, name: key, local: false });
  renderCost(info.read, size, false);
  renderExif(info);
  // The vendor answers and HEAD would be unsigned requests: the bucket is private.
  for (const id of ["dialects", "head"]) $(id).hidden = true;
  $("result").hidden = false;
  setStatus(`Loaded “${key}” through the signed URL: ${FORMAT_NAMES[info.format] ?? info.format}, ${info.width} × ${info.height}.`);
}

/** A signed URL rather than a key: an absolute http(s) URL, or a path with a query. */
const isSignedUrl = (v) => /^https?:\/\//i.test(v) || (v.startsWith("/") && v.includes("?"));

$("key-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (isSignedUrl($("key").value.trim())) {
    loadSigned($("key").value.trim());
    return;
  }
  const key = $("key").value.replace(/^\/+/, "");
  if (!key) {
    showError("Type the key of an object first, for example photos/IMG_0001.jpg.");
    $("key").focus();
    return;
  }
  if (location.pathname + location.search !== pageUrl(key)) history.pushState({ key }, "", pageUrl(key));
  loadKey(key);
});

function fromUrl() {
  const key = new URLSearchParams(location.search).get("key") ?? "";
  $("key").value = key;
  if (key) loadKey(key);
  else {
    state.seq++;
    $("result").hidden = true;
    clearError();
    setStatus("");
  }
}
addEventListener("popstate", fromUrl);

// ---------------------------------------------------------------- local files

$("file").addEventListener("change", (ev) => {
  const f = ev.target.files?.[0];
  if (f) loadFile(f);
});
let dragDepth = 0;
addEventListener("dragenter", (ev) => {
  if (![...(ev.dataTransfer?.types ?? [])].includes("Files")) return;
  dragDepth++;
  document.body.classList.add("dragging");
});
addEventListener("dragleave", () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) document.body.classList.remove("dragging");
});
addEventListener("dragover", (ev) => ev.preventDefault());
addEventListener("drop", (ev) => {
  ev.preventDefault();
  dragDepth = 0;
  document.body.classList.remove("dragging");
  const f = ev.dataTransfer?.files?.[0];
  if (f) loadFile(f);
});

// ---------------------------------------------------------------- bucket listing

async function loadListing() {
  if (document.body.dataset.listing !== "on") return; // off by default (LIST_OBJECTS)
  let res;
  try {
    res = await fetch("/_/api/list", { cache: "no-store" });
  } catch {
    return;
  }
  if (!res.ok) return;
  const { objects = [], truncated } = await res.json();
  const ul = $("objects");
  ul.replaceChildren(
    ...objects.map((o) =>
      h("li", {}, h("a", { href: pageUrl(o.key), "data-key": o.key }, o.key), o.size != null ? h("span", { class: "muted" }, ` ${bytes(o.size)}`) : ""),
    ),
  );
  $("listing").querySelector("summary").textContent = `Objects in the bucket (${objects.length}${truncated ? "+" : ""})`;
  $("objects-more").hidden = !truncated;
  $("objects-more").textContent = "Only the first 1000 keys are listed; type a key to open any other.";
  $("listing").hidden = false;
}
$("objects").addEventListener("click", (ev) => {
  const a = ev.target.closest("a[data-key]");
  if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
  ev.preventDefault();
  history.pushState({ key: a.dataset.key }, "", a.getAttribute("href"));
  fromUrl();
});

loadListing();
fromUrl();
