// The colorize serve page in a real browser: Debian's Chromium driven by playwright-core.
// Loads the page, uploads a sketch, paints a stroke, waits for the coloured result, checks
// its size and that the hinted colour shows where the stroke was, saves the hints PNG and a
// screenshot, then undoes the stroke and checks the colour goes back. Then switches the
// style selector to flat (checks a new request goes out with it and the picture changes),
// ticks and unticks "keep the paper's tone" (each re-colours and asks for suggestions, with
// and without keep_paper),
// saves a screenshot in flat style (serve-page-flat.png) and the layers download (.ora).
// Throughout, the "where to hint next" markers: shown numbered where /api/suggest says,
// asked for again after the stroke (the stroked area, --stroke-area, loses its marker), not
// asked for again on a style change, switched off and on (no request while off); a
// screenshot with them (serve-page-suggest.png).
//
// node page.test.mjs --url URL --sketch PNG --out DIR --stroke X0,Y0,X1,Y1 [--key 5]
//   [--colour #1e88e5] [--max-distance 90] [--extra-strokes X0,Y0,X1,Y1,KEY;...]
//   [--stroke-area X0,Y0,X1,Y1] [--toggle-stroke X0,Y0,X1,Y1,KEY]
// Coordinates are sketch pixels. Exits non-zero, saying why, when anything fails.
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const url = need("url"), sketchPath = need("sketch"), out = need("out");
const stroke = need("stroke").split(",").map(Number);
const key = args.key ?? "5";
const hint = hexToRgb(args.colour ?? "#1e88e5");
const maxDistance = Number(args["max-distance"] ?? 90);
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

function need(name) {
  if (!args[name]) { console.error(`page.test: --${name} is required`); process.exit(2); }
  return args[name];
}
function hexToRgb(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }
function distance(a, b) { return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]); }
function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

// PNG header: width, height, colour type (6 = RGBA).
function pngHeader(buf) {
  const sig = buf.subarray(0, 8).toString("hex");
  if (sig !== "89504e470d0a1a0a") throw new Error("not a PNG");
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), colourType: buf[25] };
}

mkdirSync(out, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), "colorize-chromium-"));
let sketch = /\.png$/i.test(sketchPath) ? pngHeader(readFileSync(sketchPath)) : null;
let browser;
const started = Date.now();
try {
  // A new, empty profile for every run (Playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    timeout: 60_000,
    viewport: { width: 1366, height: 768 },
    acceptDownloads: true,
    // Without the background-networking flags a closed network makes Chromium misbehave.
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = browser;
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("requestfailed", (r) => {
    // A superseded colouring is cancelled on purpose.
    if (!/\/api\/(colorize|suggest)$/.test(r.url())) problems.push(`request failed: ${r.url()}`);
  });
  // The suggestions the server gave, in order, and how many were asked for.
  const suggested = [];
  let suggestRequests = 0;
  page.on("request", (r) => { if (r.url().endsWith("/api/suggest")) suggestRequests++; });
  page.on("response", async (r) => {
    if (r.url().endsWith("/api/suggest") && r.ok()) suggested.push(await r.json().catch(() => null));
  });
  const markers = () => page.$$eval(".marker", (ms) => ms.map((m) => {
    const b = m.getBoundingClientRect();
    return { n: m.textContent, x: +m.dataset.x, y: +m.dataset.y, cx: b.x + b.width / 2, cy: b.y + b.height / 2 };
  }));

  await page.goto(url);
  await page.waitForFunction(() => /takes hints|no hints/.test(document.getElementById("model").textContent));
  check(/takes hints/.test(await page.textContent("#model")), "the page lists a model that takes hints");

  // Upload: the file picker (drop and paste feed the same function).
  await page.setInputFiles("#file", sketchPath);
  await page.waitForSelector('#result[data-status="done"]');
  const shown = await page.evaluate(() => ({ width: document.getElementById("sketch").width, height: document.getElementById("sketch").height }));
  check(!sketch || (shown.width === sketch.width && shown.height === sketch.height), `the page shows the sketch at its size (${shown.width}x${shown.height})`);
  sketch = shown;
  const size = await page.evaluate(() => [document.getElementById("result").naturalWidth, document.getElementById("result").naturalHeight]);
  check(size[0] === sketch.width && size[1] === sketch.height, `the result is the sketch's size (${size} vs ${sketch.width},${sketch.height})`);

  const along = (s) => Array.from({ length: 9 }, (_, i) => [s[0] + (s[2] - s[0]) * i / 8, s[1] + (s[3] - s[1]) * i / 8]);
  const sampleAt = (points) => page.evaluate((pts) => {
    const img = document.getElementById("result");
    const c = document.createElement("canvas"); c.width = img.naturalWidth; c.height = img.naturalHeight;
    const x = c.getContext("2d"); x.drawImage(img, 0, 0);
    const sum = [0, 0, 0];
    for (const [px, py] of pts) {
      const d = x.getImageData(Math.round(px), Math.round(py), 1, 1).data;
      for (let k = 0; k < 3; k++) sum[k] += d[k] / pts.length;
    }
    return sum.map(Math.round);
  }, points);
  const before = await sampleAt(along(stroke));

  // Where to hint next: numbered markers at the server's points, over the sketch.
  await page.waitForSelector('#markers[data-status="done"][data-hint-ops="0"]');
  const box0 = await page.locator("#hints").boundingBox();
  const shownMarkers = await markers();
  const answer = suggested.at(-1)?.suggestions ?? [];
  check(shownMarkers.length >= 1 && shownMarkers.length <= 5 && shownMarkers.length === answer.length,
    `the page shows the server's suggestions as markers (${shownMarkers.length} of ${answer.length})`);
  check(shownMarkers.every((m, i) => m.n === String(i + 1) && m.x === answer[i].x && m.y === answer[i].y),
    `the markers are numbered 1..${shownMarkers.length} in the server's order at its points`);
  // On its point, moved in just enough to show whole when the point is by an edge (.85rem).
  const inset = 0.85 * parseFloat(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize));
  const clampTo = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
  const onPoint = (m) =>
    Math.abs(m.cx - clampTo(box0.x + (m.x + 0.5) * box0.width / sketch.width, box0.x + inset, box0.x + box0.width - inset)) < 2
    && Math.abs(m.cy - clampTo(box0.y + (m.y + 0.5) * box0.height / sketch.height, box0.y + inset, box0.y + box0.height - inset)) < 2;
  check(shownMarkers.every(onPoint), "each marker sits on its point of the sketch as displayed, whole inside it");
  const inArea = (m, a) => a && m.x >= a[0] && m.x <= a[2] && m.y >= a[1] && m.y <= a[3];
  const strokeArea = args["stroke-area"]?.split(",").map(Number);
  if (strokeArea) check(shownMarkers.some((m) => inArea(m, strokeArea)), "a marker points into the area the stroke will paint");
  const requestsBeforeStroke = suggestRequests;

  // Paint: pick the colour by keyboard, then drag the mouse over the hint layer.
  const box = await page.locator("#hints").boundingBox();
  const toScreen = (sx, sy) => [box.x + (sx + 0.5) * box.width / sketch.width, box.y + (sy + 0.5) * box.height / sketch.height];
  const paint = async (s, k) => {
    await page.keyboard.press(k);
    const [x0, y0] = toScreen(s[0], s[1]);
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    for (const [sx, sy] of along(s).slice(1)) await page.mouse.move(...toScreen(sx, sy), { steps: 2 });
    await page.mouse.up();
  };
  await paint(stroke, key);
  check(await page.getAttribute(".swatch[aria-pressed=true]", "data-colour") === args.colour?.toLowerCase() || !args.colour,
    `key ${key} picks the stroke colour`);
  await page.waitForSelector('#result[data-status="done"][data-hint-ops="1"]');
  const after = await sampleAt(along(stroke));
  const [dBefore, dAfter] = [distance(before, hint), distance(after, hint)];
  console.log(`colour along the stroke: before ${before} (distance ${dBefore.toFixed(1)}), after ${after} (distance ${dAfter.toFixed(1)}) to hint ${hint}`);
  check(dAfter <= maxDistance, `the hinted colour shows where the stroke was (distance ${dAfter.toFixed(1)} <= ${maxDistance})`);
  check(dAfter < dBefore - 20, "the stroke moved the colour towards the hint");
  await page.waitForSelector('#markers[data-status="done"][data-hint-ops="1"]');
  check(suggestRequests > requestsBeforeStroke, "the stroke asks for new suggestions");
  const afterStroke = await markers();
  if (strokeArea) check(!afterStroke.some((m) => inArea(m, strokeArea)) && afterStroke.length === shownMarkers.length - 1,
    `the painted area loses its marker (${shownMarkers.length} -> ${afterStroke.length} markers)`);
  const timing = await page.textContent("#timing");
  check(/\d+ ms on the server/.test(timing), `the page shows the time taken (${timing})`);

  for (const extra of (args["extra-strokes"] ?? "").split(";").filter(Boolean)) {
    const v = extra.split(",");
    await paint(v.slice(0, 4).map(Number), v[4]);
  }
  if (args["extra-strokes"]) {
    const n = 1 + args["extra-strokes"].split(";").filter(Boolean).length;
    await page.waitForSelector(`#result[data-status="done"][data-hint-ops="${n}"]`);
  }

  // The hints download: an RGBA PNG of the sketch's size, for colorize infer --hints.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save-hints")]);
  const hintsFile = join(out, "hints.png");
  await download.saveAs(hintsFile);
  const h = pngHeader(readFileSync(hintsFile));
  check(h.width === sketch.width && h.height === sketch.height && h.colourType === 6, `the hints download is an RGBA PNG of the sketch's size (${h.width}x${h.height}, type ${h.colourType})`);
  const [resultDownload] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Control+s")]);
  const resultFile = join(out, "result.png");
  await resultDownload.saveAs(resultFile);
  const r = pngHeader(readFileSync(resultFile));
  check(r.width === sketch.width && r.height === sketch.height, "Ctrl+S downloads the result PNG at the sketch's size");

  await page.screenshot({ path: join(out, "serve-page.png") });
  console.log(`screenshot: ${join(out, "serve-page.png")}`);
  // The markers for the hints as they are now, for the docs (serve-page-suggest.png).
  const opsPainted = await page.getAttribute("#result", "data-hint-ops");
  await page.waitForSelector(`#markers[data-status="done"][data-hint-ops="${opsPainted}"]`);
  await page.screenshot({ path: join(out, "serve-page-suggest.png") });
  console.log(`screenshot: ${join(out, "serve-page-suggest.png")} (markers ${(await markers()).map((m) => `${m.n}@${m.x},${m.y}`).join(" ")})`);

  if (!args["extra-strokes"]) {
    // Undo by keyboard: the page colours again without the stroke.
    await page.keyboard.press("Control+z");
    await page.waitForSelector('#result[data-status="done"][data-hint-ops="0"]');
    const undone = await sampleAt(along(stroke));
    check(distance(undone, before) < 12, `undo brings the colour back (${undone} vs ${before})`);
  }
  // Style: a change re-colours at once, the style in the request (the server names the
  // style it used in X-Colorize-Style). Flat is shown last, for the screenshot; when flat is
  // already the default, soft goes first so that the selector really changes.
  const resultPixels = () => page.evaluate(() => {
    const img = document.getElementById("result");
    const c = document.createElement("canvas"); c.width = img.naturalWidth; c.height = img.naturalHeight;
    const x = c.getContext("2d"); x.drawImage(img, 0, 0);
    return Array.from(x.getImageData(0, 0, c.width, c.height).data);
  });
  // The suggestions follow the style (flat keeps the paper around the drawing white): each
  // style change asks for them again, with the style.
  const opsNow = await page.getAttribute("#result", "data-hint-ops");
  await page.waitForSelector(`#markers[data-status="done"][data-hint-ops="${opsNow}"]`);
  const suggestBeforeStyle = suggestRequests;
  const initialStyle = await page.inputValue("#style");
  for (const style of initialStyle === "flat" ? ["soft", "flat"] : ["flat"]) {
    const pixelsBefore = await resultPixels();
    const answered = page.waitForResponse((r) => r.url().endsWith("/api/colorize") && r.headers()["x-colorize-style"] === style);
    await page.selectOption("#style", style);
    await answered;
    check(true, `choosing ${style} sends a new request with style=${style}`);
    await page.waitForSelector(`#result[data-status="done"][data-style="${style}"]`);
    const pixelsAfter = await resultPixels();
    let diff = 0;
    for (let i = 0; i < pixelsAfter.length; i++) diff += Math.abs(pixelsAfter[i] - pixelsBefore[i]);
    diff /= pixelsAfter.length;
    check(pixelsAfter.length === pixelsBefore.length && diff > 0.5, `the result changes with the style (mean ${diff.toFixed(2)} levels)`);
  }
  await page.waitForSelector(`#markers[data-status="done"][data-hint-ops="${opsNow}"]`);
  check(suggestRequests > suggestBeforeStyle && (await markers()).length >= 1,
    `a new style asks for suggestions again and markers are shown (${suggestRequests - suggestBeforeStyle} asked)`);
  // Keeping the paper's tone: ticking the box re-colours with keep_paper=1 (the server says
  // which it did in X-Colorize-Paper); unticking it re-colours with the paper levelled.
  for (const on of [true, false]) {
    const paper = on ? "kept" : "levelled";
    const answered = page.waitForResponse((r) => r.url().endsWith("/api/colorize") && r.headers()["x-colorize-paper"] === paper);
    // The suggestions are asked for again, measured on the sketch the network colours.
    // (Chromium does not show a multipart body with a file to the test: the server's answer
    // says what it measured.)
    const asked = page.waitForResponse((r) => r.url().endsWith("/api/suggest") && r.headers()["x-colorize-paper"] === paper);
    await page.setChecked("#keep-paper", on);
    await answered;
    check(true, `${on ? "ticking" : "unticking"} "keep the paper's tone" re-colours with the paper ${paper}`);
    await asked;
    check(true, `and asks where to hint next on the paper ${paper}`);
    await page.waitForSelector('#result[data-status="done"]');
  }
  await page.screenshot({ path: join(out, "serve-page-flat.png") });
  console.log(`screenshot: ${join(out, "serve-page-flat.png")}`);

  // The layers download: an OpenRaster zip whose first entry is `mimetype`, stored.
  const [oraDownload] = await Promise.all([page.waitForEvent("download"), page.click("#save-ora")]);
  check(oraDownload.suggestedFilename().endsWith("_flat.ora"), `the layers download is named for the style (${oraDownload.suggestedFilename()})`);
  const oraFile = join(out, "layers.ora");
  await oraDownload.saveAs(oraFile);
  const z = readFileSync(oraFile);
  const nameLen = z.readUInt16LE(26), start = 30 + nameLen + z.readUInt16LE(28);
  const first = z.subarray(30, 30 + nameLen).toString();
  const mimetype = z.subarray(start, start + z.readUInt32LE(18)).toString();
  check(z.subarray(0, 4).toString("latin1") === "PK\x03\x04" && z.readUInt16LE(8) === 0 && first === "mimetype" && mimetype === "image/openraster",
    `the layers download is OpenRaster (first entry ${first} = ${mimetype}, ${z.length} bytes)`);

  // Suggestions off: the markers go and a stroke asks for none; on again: they come back.
  if (args["toggle-stroke"]) {
    await page.uncheck("#suggest-on");
    check((await markers()).length === 0, "switching suggestions off hides the markers");
    const asked = suggestRequests;
    const ops = Number(await page.getAttribute("#result", "data-hint-ops"));
    const t = args["toggle-stroke"].split(",");
    await paint(t.slice(0, 4).map(Number), t[4]);
    await page.waitForSelector(`#result[data-status="done"][data-hint-ops="${ops + 1}"]`);
    check(suggestRequests === asked && (await markers()).length === 0, "no suggestions are asked for while they are off");
    await page.check("#suggest-on");
    await page.waitForSelector(`#markers[data-status="done"][data-hint-ops="${ops + 1}"]`);
    check(suggestRequests === asked + 1 && (await markers()).length >= 1, "switching them on again shows fresh markers");
  }

  check(problems.length === 0, `no page errors (${problems.join("; ") || "none"})`);
  writeFileSync(join(out, "colours.json"), JSON.stringify({ before, after, hint, dBefore, dAfter }) + "\n");
  console.log(`page.test: passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(`page.test: FAILED: ${e.message}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
