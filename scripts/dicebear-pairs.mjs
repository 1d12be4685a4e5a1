// Generates DiceBear "Adventurer" avatars (art CC BY 4.0, "Adventurer by Lisa Wischofsky via
// DiceBear"; code MIT) as (line art, colour) SVG pairs under the same names:
// DEST/color/adventurer-NNNN.svg and DEST/line/adventurer-NNNN.svg, seeds `adventurer-NNNN`
// (deterministic). Used by scripts/fetch-dicebear.sh.
//
//   node scripts/dicebear-pairs.mjs NODE_MODULES DEST COUNT
//
// NODE_MODULES holds @dicebear/core and @dicebear/adventurer (unpacked from `npm pack`). The
// style draws its outlines as black (#000) shapes under the coloured ones, so the line twin is
// the same SVG with every other fill painted white (a shape still hides the outlines it covers
// in the colour image) and the translucent shading removed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, dest, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (!modules || !dest || !Number.isInteger(count) || count < 1) {
  console.error('usage: node scripts/dicebear-pairs.mjs NODE_MODULES DEST COUNT');
  process.exit(2);
}
const load = (pkg) => import(pathToFileURL(resolve(modules, '@dicebear', pkg, 'lib/index.js')).href);
const { createAvatar } = await load('core');
const adventurer = await load('adventurer');

// Line twin: black stays black, `none` stays none, any other fill becomes white; shapes with an
// opacity (soft shading) go. The <mask> before the drawing is left alone (its white rect is the
// mask itself).
function lineTwin(svg) {
  const start = svg.indexOf('</mask>');
  if (start < 0) throw new Error('unexpected SVG: no </mask>');
  const head = svg.slice(0, start);
  const body = svg
    .slice(start)
    .replace(/<(path|circle|ellipse|rect|g)\b[^>]*\sopacity="[^"]*"[^>]*\/>/g, '')
    .replace(/\bfill="([^"]*)"/g, (_, c) => {
      const v = c.toLowerCase();
      return v === '#000' || v === '#000000' || v === 'none' ? `fill="${c}"` : 'fill="#fff"';
    });
  if (/opacity=/.test(body)) throw new Error('unexpected SVG: opacity on a container');
  return head + body;
}

mkdirSync(join(dest, 'color'), { recursive: true });
mkdirSync(join(dest, 'line'), { recursive: true });
const width = Math.max(4, String(count - 1).length);
for (let i = 0; i < count; i++) {
  const name = `adventurer-${String(i).padStart(width, '0')}`;
  const svg = createAvatar(adventurer, { seed: name }).toString();
  writeFileSync(join(dest, 'color', `${name}.svg`), svg);
  writeFileSync(join(dest, 'line', `${name}.svg`), lineTwin(svg));
}
console.error(`dicebear-pairs: ${count} adventurer avatars written to ${dest}`);
