/**
 * `npm run firmware:bundle [-- --meter-grid <grid>/meter-grid.json]`: bundles the meter firmware
 * for the Moddable SDK. mcconfig compiles each TypeScript module separately and would have to
 * list every directory of `shared/` and `firmware/` the meter reaches; one esbuild bundle per
 * entry carries exactly the reachable modules instead, and the manifests include these bundles.
 *
 * Writes to `build/firmware/` (git-ignored):
 *   meter.js           firmware/platform/moddable/main.ts, the meter
 *   smoke.js           firmware/platform/moddable/smoke-main.ts, the platform smoke test
 *   meter-grid.json    the grid's meter file, linked into the firmware as data (a placeholder
 *                      when none was given, which the meter refuses at start)
 *
 * Moddable's own modules stay imports, resolved by mcconfig from the manifest.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const source = join(root, 'firmware/platform/moddable');
const out = join(root, 'build/firmware');

/** Module specifiers the Moddable SDK provides. */
const moddableModules = [
  'mqtt',
  'timer',
  'time',
  'preference',
  'crypt',
  'rng',
  'instrumentation',
  'Resource',
  'mc/config',
  'embedded:*',
];

const { values } = parseArgs({
  options: { 'meter-grid': { type: 'string' }, only: { type: 'string' } },
});

mkdirSync(out, { recursive: true });
const gridFile = join(out, 'meter-grid.json');
if (typeof values['meter-grid'] === 'string') {
  copyFileSync(values['meter-grid'], gridFile);
  console.log(`meter grid ${values['meter-grid']} -> ${gridFile}`);
} else if (!existsSync(gridFile)) {
  writeFileSync(gridFile, '{}\n');
  console.log(`no --meter-grid: ${gridFile} is a placeholder the meter will refuse`);
}

const entries: Record<string, string> = {
  meter: join(source, 'main.ts'),
  smoke: join(source, 'smoke-main.ts'),
};
const only = values.only;
for (const [name, entry] of Object.entries(entries)) {
  if (typeof only === 'string' && only !== name) continue;
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: join(out, `${name}.js`),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: moddableModules,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  console.log(`${name}: ${join(out, `${name}.js`)} (${Math.round(bytes / 1024)} KiB)`);
}
