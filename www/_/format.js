// Pure helpers of the inspector page (no DOM): units, the cost sentence, the Worker's
// routes. Imported by app.js, and by the Node tests.

export const NUM = new Intl.NumberFormat("en");
/** A number and its unit never part at a line break. */
const NBSP = "\u00a0";

/** Decimal units, as the example reads: "12.3 KB of 4.2 MB". */
export function bytes(n) {
  if (n == null || !Number.isFinite(n)) return "unknown";
  if (n < 1000) return `${n}${NBSP}B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}${NBSP}${units[u]}`;
}

export function percent(part, whole) {
  if (!whole) return null;
  const p = (100 * part) / whole;
  if (p >= 10) return `${p.toFixed(0)}${NBSP}%`;
  if (p >= 1) return `${p.toFixed(1)}${NBSP}%`;
  return `${p.toFixed(2)}${NBSP}%`;
}

/** "read 12.3 KB of 4.2 MB (0.29 %) in 1 range, 3.1 ms" */
export function costLine(read, size, what = "range") {
  const parts = [`Read ${bytes(read.bytes)}`];
  if (size) parts.push(` of ${bytes(size)} (${percent(read.bytes, size)})`);
  parts.push(` in ${read.ranges} ${what}${read.ranges === 1 ? "" : "s"}`);
  if (read.ms != null && Number.isFinite(read.ms)) parts.push(`, ${read.ms.toFixed(1)} ms`);
  return parts.join("");
}

/** The object's URL path: each key segment percent-encoded (the Worker decodes once). */
export function objectPath(key) {
  return "/" + key.split("/").map(encodeURIComponent).join("/");
}

export const DIALECTS = [
  { id: "oss", label: "OSS", name: "Alibaba Cloud OSS", query: "x-oss-process=image/info" },
  { id: "tos", label: "TOS", name: "Volcengine TOS", query: "x-tos-process=image/info" },
  { id: "qingstor", label: "QingStor", name: "QingStor", query: "image&action=info" },
  { id: "obs", label: "OBS IMG", name: "Huawei Cloud OBS", query: "x-image-process=image/info" },
  // COS and Qiniu share `?imageInfo`; a COS signature parameter picks COS.
  { id: "cos", label: "COS", name: "Tencent Cloud COS", query: "q-sign-algorithm=sha1&imageInfo" },
  { id: "qiniu", label: "Qiniu", name: "Qiniu Kodo", query: "imageInfo" },
  { id: "native", label: "Native", name: "imginfo-edge native", query: "info" },
];

