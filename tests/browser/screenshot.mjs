// A screenshot of the colorize serve page for the docs: open SKETCH, paint the given
// strokes, wait for the coloured result and the "where to hint next" markers, save PNG.
// node screenshot.mjs --url URL --sketch FILE --out PNG [--strokes X0,Y0,X1,Y1,KEY;...]
//   [--style soft|flat|shaded]   (coordinates in sketch pixels; KEY: palette key 1-9)
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
for (const k of ["url", "sketch", "out"]) if (!args[k]) { console.error(`screenshot: --${k} is required`); process.exit(2); }
const profile = mkdtempSync(join(tmpdir(), "colorize-chromium-"));
let browser;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true,
    viewport: { width: 1366, height: 768 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(args.url);
  await page.waitForFunction(() => /takes hints|no hints/.test(document.getElementById("model").textContent));
  if (args.style) await page.selectOption("#style", args.style);
  await page.setInputFiles("#file", args.sketch);
  await page.waitForSelector('#result[data-status="done"]');
  const size = await page.evaluate(() => [document.getElementById("sketch").width, document.getElementById("sketch").height]);
  const strokes = (args.strokes ?? "").split(";").filter(Boolean).map((s) => s.split(","));
  for (const [i, s] of strokes.entries()) {
    const box = await page.locator("#hints").boundingBox();
    const at = (x, y) => [box.x + (+x + 0.5) * box.width / size[0], box.y + (+y + 0.5) * box.height / size[1]];
    await page.keyboard.press(s[4]);
    await page.mouse.move(...at(s[0], s[1]));
    await page.mouse.down();
    for (let k = 1; k <= 8; k++) await page.mouse.move(...at(+s[0] + (s[2] - s[0]) * k / 8, +s[1] + (s[3] - s[1]) * k / 8), { steps: 2 });
    await page.mouse.up();
    await page.waitForSelector(`#result[data-status="done"][data-hint-ops="${i + 1}"]`);
  }
  await page.waitForSelector(`#markers[data-status="done"][data-hint-ops="${strokes.length}"]`);
  await page.screenshot({ path: args.out });
  console.log(args.out);
} finally {
  if (browser) await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
