/**
 * The replica is a pure state machine: gateway/ledger/pbft/ imports only relative modules (itself
 * and shared/), and reaches for no clock, randomness, timers, console or host globals. The
 * driver injects all of them, which is what lets the simulator replay a cluster from a seed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const folder = fileURLToPath(new URL('../../../../gateway/ledger/pbft/', import.meta.url));
const forbidden: readonly [string, RegExp][] = [
  ['Date', /\bDate\s*\.\s*now\b|\bnew\s+Date\b/],
  ['Math.random', /\bMath\s*\.\s*random\b/],
  ['timers', /\b(setTimeout|setInterval|setImmediate)\b/],
  ['process', /(?<![\w$.])process\s*[.[]/],
  ['Buffer', /(?<![\w$.])Buffer\b/],
  ['console', /(?<![\w$.])console\s*[.[]/],
  ['globalThis', /\bglobalThis\b/],
  ['performance', /(?<![\w$.])performance\s*\./],
];

test('gateway/ledger/pbft imports only relative modules and reads no hidden inputs', () => {
  const files = readdirSync(folder).filter((name) => name.endsWith('.ts'));
  assert.ok(files.length > 10);
  const problems: string[] = [];
  for (const file of files) {
    const code = readFileSync(folder + file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    for (const match of code.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const specifier = match[1]!;
      if (!specifier.startsWith('./') && !specifier.startsWith('../../../shared/'))
        problems.push(`${file}: imports ${specifier}`);
    }
    for (const [name, pattern] of forbidden) if (pattern.test(code)) problems.push(`${file}: uses ${name}`);
  }
  assert.equal(problems, []);
});

test.run();
