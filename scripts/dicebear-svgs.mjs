// Writes COUNT avatars of one DiceBear style as colour SVGs, DEST/STYLE-NNNN.svg, seeds
// `STYLE-NNNN` (deterministic). Their line art is made afterwards by `svg-outlines`. Used by
// scripts/fetch-open-peeps.sh.
//
//   node scripts/dicebear-svgs.mjs NODE_MODULES STYLE DEST COUNT
//
// NODE_MODULES holds @dicebear/core and @dicebear/STYLE (unpacked from `npm pack`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, style, dest, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (!modules || !style || !dest || !Number.isInteger(count) || count < 1) {
  console.error('usage: node scripts/dicebear-svgs.mjs NODE_MODULES STYLE DEST COUNT');
  process.exit(2);
}
const load = (pkg) => import(pathToFileURL(resolve(modules, '@dicebear', pkg, 'lib/index.js')).href);
const { createAvatar } = await load('core');
const art = await load(style);

mkdirSync(dest, { recursive: true });
const width = Math.max(4, String(count - 1).length);
for (let i = 0; i < count; i++) {
  const name = `${style}-${String(i).padStart(width, '0')}`;
  writeFileSync(join(dest, `${name}.svg`), createAvatar(art, { seed: name }).toString());
}
console.error(`dicebear-svgs: ${count} ${style} avatars written to ${dest}`);
