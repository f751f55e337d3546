/**
 * Architecture boundaries. `shared/` and `firmware/core/` run on XS (the meters) as well as Node,
 * and must be deterministic functions of their inputs. So they may import only each other's
 * relative modules (no Node builtins, no Moddable modules, no npm packages), and may not reach for
 * hidden inputs such as clocks, randomness or host globals. Inputs like these must be passed in.
 * And no module of `shared/`, `gateway/` or `firmware/` imports itself through others: modules
 * form layers, so each can be read, tested and changed from the bottom up.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

interface Violation {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
}

/** Forbidden globals. The lookbehind skips property names (`options.crypto`) and longer names. */
const HIDDEN_INPUTS: readonly { rule: string; pattern: RegExp }[] = [
  { rule: 'Date.now', pattern: /(?<![\w$.])Date\s*\.\s*now\b/g },
  { rule: 'new Date', pattern: /\bnew\s+Date\b/g },
  { rule: 'Math.random', pattern: /(?<![\w$.])Math\s*\.\s*random\b/g },
  { rule: 'performance', pattern: /(?<![\w$.])performance\s*[.[]/g },
  { rule: 'process', pattern: /(?<![\w$.])process\s*[.[]/g },
  { rule: 'setTimeout', pattern: /(?<![\w$.])setTimeout\b/g },
  { rule: 'setInterval', pattern: /(?<![\w$.])setInterval\b/g },
  { rule: 'setImmediate', pattern: /(?<![\w$.])setImmediate\b/g },
  { rule: 'crypto global', pattern: /(?<![\w$.])crypto\s*[.[]/g },
  { rule: 'globalThis', pattern: /(?<![\w$.])globalThis\b/g },
  { rule: 'require', pattern: /(?<![\w$.])require\s*\(/g },
  { rule: 'Buffer', pattern: /(?<![\w$.])Buffer\b/g },
  // XS has no console; diagnostics must go through an injected logger.
  { rule: 'console', pattern: /(?<![\w$.])console\s*[.[]/g },
];

/** Keywords after which `/` starts a regular expression rather than a division. */
const REGEX_KEYWORDS = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'instanceof',
  'yield',
  'await',
]);

/**
 * Blanks comments (in `code`) and additionally the contents of string, template and regex
 * literals (in `bare`), keeping offsets and newlines so that positions map back to lines. Quote
 * characters stay in `bare`, so an import specifier found there can be read from `code`.
 */
function maskSource(source: string): { code: string; bare: string } {
  const code = source.split('');
  const bare = source.split('');
  const blank = (target: string[], from: number, to: number): void => {
    for (let k = from; k < to; k++) if (target[k] !== '\n') target[k] = ' ';
  };
  const templateDepths: number[] = []; // brace depth at which each open `${` closes
  let depth = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && (next === '/' || next === '*')) {
      const close = next === '/' ? source.indexOf('\n', i) : source.indexOf('*/', i + 2);
      const end = close < 0 ? source.length : next === '/' ? close : close + 2;
      blank(code, i, end);
      blank(bare, i, end);
      i = end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      blank(bare, i + 1, j);
      i = j + 1;
    } else if (c === '`' || (c === '}' && templateDepths.at(-1) === depth)) {
      if (c === '}') templateDepths.pop();
      let j = i + 1;
      while (j < source.length && source[j] !== '`' && !(source[j] === '$' && source[j + 1] === '{')) {
        j += source[j] === '\\' ? 2 : 1;
      }
      blank(bare, i + 1, j);
      if (source[j] === '$') templateDepths.push(depth);
      i = source[j] === '$' ? j + 2 : j + 1;
    } else if (c === '/' && regexMayStart(bare, i)) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length && source[j] !== '\n' && (inClass || source[j] !== '/')) {
        if (source[j] === '[') inClass = true;
        if (source[j] === ']') inClass = false;
        j += source[j] === '\\' ? 2 : 1;
      }
      blank(bare, i + 1, j);
      i = j + 1;
    } else {
      if (c === '{') depth++;
      if (c === '}') depth--;
      i++;
    }
  }
  return { code: code.join(''), bare: bare.join('') };
}

/** Decides regex versus division from the previous significant token (comments already blank). */
function regexMayStart(bare: string[], at: number): boolean {
  let k = at - 1;
  while (k >= 0 && /\s/.test(bare[k] ?? '')) k--;
  const previous = bare[k];
  if (previous === undefined) return true;
  if (/[\w$]/.test(previous)) {
    let start = k;
    while (start > 0 && /[\w$]/.test(bare[start - 1] ?? '')) start--;
    return REGEX_KEYWORDS.has(bare.slice(start, k + 1).join(''));
  }
  return !/[)\]'"`]/.test(previous);
}

/** Folders a file may import from, by where it lives. */
function allowedRoots(file: string): string[] {
  if (file.startsWith('shared/')) return ['shared/'];
  if (file.startsWith('firmware/core/')) return ['firmware/core/', 'shared/'];
  throw new Error(`${file} is not under a scanned root`);
}

/** Checks one file; `file` is its repository-relative path with forward slashes. */
function scanSource(file: string, source: string): Violation[] {
  const { code, bare } = maskSource(source);
  const violations: Violation[] = [];
  const lineAt = (offset: number): number => source.slice(0, offset).split('\n').length;
  const report = (offset: number, rule: string): void => {
    violations.push({ file, line: lineAt(offset), rule });
  };

  const checkSpecifier = (offset: number, specifier: string): void => {
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
      report(offset, `non-relative import "${specifier}"`);
      return;
    }
    const target = posix.normalize(posix.join(posix.dirname(file), specifier));
    const roots = allowedRoots(file);
    if (!roots.some((root) => target.startsWith(root))) {
      report(offset, `import "${specifier}" resolves outside ${roots.join(' and ')}`);
    }
  };
  /** Reads the string literal whose opening quote is at `quote` (from `code`, which keeps it). */
  const literalAt = (quote: number): string | undefined => {
    const delimiter = code[quote];
    const close = code.indexOf(delimiter ?? '', quote + 1);
    const text = code.slice(quote + 1, close);
    return close < 0 || (delimiter === '`' && text.includes('${')) ? undefined : text;
  };

  // Static `import ... from`, `export ... from` and side-effect `import '...'`.
  for (const match of bare.matchAll(/(?<![\w$.])(?:from|import)\s*(['"])/g)) {
    const quote = match.index + match[0].length - 1;
    checkSpecifier(match.index, literalAt(quote) ?? '');
  }
  // Dynamic `import(...)` (and type-level `import('...')`): only literal specifiers can be checked.
  for (const match of bare.matchAll(/(?<![\w$.])import\s*\(\s*/g)) {
    const argument = match.index + match[0].length;
    const specifier = /['"`]/.test(bare[argument] ?? '') ? literalAt(argument) : undefined;
    if (specifier === undefined) report(match.index, 'dynamic import with a computed specifier');
    else checkSpecifier(match.index, specifier);
  }
  // Triple-slash directives are comments to the masker but pull in ambient types such as Node's.
  for (const match of source.matchAll(/^[ \t]*\/\/\/[ \t]*<reference\b/gm)) {
    report(match.index, 'triple-slash reference directive');
  }
  for (const { rule, pattern } of HIDDEN_INPUTS) {
    for (const match of bare.matchAll(pattern)) report(match.index, `hidden input or host global: ${rule}`);
  }
  return violations.sort((a, b) => a.line - b.line);
}

/** Relative imports of one file (static, re-exports and literal dynamic ones), as repository paths. */
function relativeImports(file: string, source: string): string[] {
  const { code, bare } = maskSource(source);
  const targets: string[] = [];
  const add = (quote: number): void => {
    const delimiter = code[quote];
    const close = code.indexOf(delimiter ?? '', quote + 1);
    const specifier = close < 0 ? '' : code.slice(quote + 1, close);
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) return;
    targets.push(posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts'));
  };
  for (const match of bare.matchAll(/(?<![\w$.])(?:from|import)\s*(['"])/g)) add(match.index + match[0].length - 1);
  for (const match of bare.matchAll(/(?<![\w$.])import\s*\(\s*(['"`])/g)) add(match.index + match[0].length - 1);
  return targets;
}

/** Every import cycle of a module graph, each as the path that closes it (Tarjan's components). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop() ?? node;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    const selfImport = (graph.get(node) ?? []).includes(node);
    if (component.length > 1 || selfImport) cycles.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(root: string): string[] {
  if (!existsSync(repoRoot + root)) return [];
  return readdirSync(repoRoot + root, { recursive: true, encoding: 'utf8' })
    .map((relative) => posix.join(root, relative.split('\\').join('/')))
    .filter((file) => /\.[mc]?tsx?$/.test(file))
    .sort();
}

test('shared/ and firmware/core/ import only portable code and read no hidden inputs', () => {
  const files = [...sourceFiles('shared'), ...sourceFiles('firmware/core')];
  assert.ok(files.length > 0, 'no source files found under shared/: the scan would pass vacuously');
  const violations = files.flatMap((file) => scanSource(file, readFileSync(repoRoot + file, 'utf8')));
  const lines = violations.map((v) => `${v.file}:${v.line}: ${v.rule}`);
  assert.equal(lines, [], `boundary violations:\n${lines.join('\n')}`);
});

test('the scanner reports each forbidden construct and ignores comments and strings', () => {
  const forbidden: readonly [source: string, rule: string][] = [
    ["import { readFileSync } from 'node:fs';", 'non-relative import "node:fs"'],
    ["import fs from 'fs';", 'non-relative import "fs"'],
    ["import Timer from 'timer';", 'non-relative import "timer"'],
    ["import { Client } from 'mqtt';", 'non-relative import "mqtt"'],
    ["import Crypt from 'crypt';", 'non-relative import "crypt"'],
    ["import {\n  x,\n} from 'some-package';", 'non-relative import "some-package"'],
    ["import type { Buf } from '@scope/pkg/sub.js';", 'non-relative import "@scope/pkg/sub.js"'],
    ["import 'side-effect';", 'non-relative import "side-effect"'],
    ["export * from 'pkg';", 'non-relative import "pkg"'],
    ['export { a } from "pkg";', 'non-relative import "pkg"'],
    ["const m = await import('node:crypto');", 'non-relative import "node:crypto"'],
    ['const m = await import(`os`);', 'non-relative import "os"'],
    ['const m = await import(name);', 'dynamic import with a computed specifier'],
    ["import { x } from '../../gateway/x.js';", 'import "../../gateway/x.js" resolves outside shared/'],
    ["import { x } from '../../firmware/core/x.js';", 'import "../../firmware/core/x.js" resolves outside shared/'],
    ['/// <reference types="node" />', 'triple-slash reference directive'],
    ['const t = Date.now();', 'hidden input or host global: Date.now'],
    ['const t = new Date();', 'hidden input or host global: new Date'],
    ['const r = Math.random();', 'hidden input or host global: Math.random'],
    ['const t = performance.now();', 'hidden input or host global: performance'],
    ['const e = process.env.X;', 'hidden input or host global: process'],
    ['setTimeout(f, 1);', 'hidden input or host global: setTimeout'],
    ['const h = setInterval(f, 1);', 'hidden input or host global: setInterval'],
    ['setImmediate(f);', 'hidden input or host global: setImmediate'],
    ['crypto.getRandomValues(bytes);', 'hidden input or host global: crypto global'],
    ['const g = globalThis;', 'hidden input or host global: globalThis'],
    ["const fs = require('fs');", 'hidden input or host global: require'],
    ['const b = Buffer.from(bytes);', 'hidden input or host global: Buffer'],
    ['console.log(x);', 'hidden input or host global: console'],
    // Still found after a template literal with a nested template and a regex containing `//`.
    ['const s = `a${`b${c}`}d`;\nconst re = /\\/\\//;\nconst t = Date.now();', 'hidden input or host global: Date.now'],
  ];
  for (const [source, rule] of forbidden) {
    const rules = scanSource('shared/crypto/sample.ts', source).map((v) => v.rule);
    assert.ok(rules.includes(rule), `expected "${rule}" for:\n${source}\ngot: ${JSON.stringify(rules)}`);
  }

  // Line numbers point at the offending line.
  assert.equal(scanSource('shared/a.ts', 'const a = 1;\n\nconst t = Date.now();'), [
    { file: 'shared/a.ts', line: 3, rule: 'hidden input or host global: Date.now' },
  ]);

  // Firmware core may import shared/ and itself, but nothing else outside.
  assert.equal(
    scanSource('firmware/core/meter.ts', "import { a } from '../../shared/bytes.js';\nimport { b } from './b.js';"),
    [],
  );
  assert.equal(
    scanSource('firmware/core/meter.ts', "import { a } from '../host/timer.js';").map((v) => v.rule),
    ['import "../host/timer.js" resolves outside firmware/core/ and shared/'],
  );

  const clean = [
    '/** Never call Date.now() or Math.random() here; process.env and require() are off limits. */',
    "import { concatBytes } from '../bytes.js';",
    "import type { CryptoProvider } from './provider.js';",
    '// setTimeout, globalThis, Buffer, crypto.subtle, performance.now(), new Date(',
    "const message = 'use crypto.getRandomValues or Date.now() on the host, not here';",
    'const template = `no ${"setTimeout"} here, nor Buffer`;',
    'const pattern = /process\\.env|\\/\\/ not a comment/;',
    'const view = new ArrayBuffer(8); const shared = SharedArrayBuffer;',
    'const provider = { crypto: options.crypto.subtle, performance: stats.performance.now() };',
    'const ratio = a / b / c; const dated = updatedAt;',
    'const items = Array.from(list);',
  ].join('\n');
  assert.equal(scanSource('shared/crypto/clean.ts', clean), []);
});

test('no import cycle in shared/, gateway/ or firmware/', () => {
  const files = [...sourceFiles('shared'), ...sourceFiles('gateway'), ...sourceFiles('firmware')];
  assert.ok(files.length > 50, 'too few source files found: the check would pass vacuously');
  const graph = new Map(files.map((file) => [file, relativeImports(file, readFileSync(repoRoot + file, 'utf8'))]));
  const cycles = importCycles(graph).map((cycle) => cycle.join(' <-> '));
  assert.equal(cycles, [], `import cycles:\n${cycles.join('\n')}`);
});

test('the cycle check finds direct, long, self and type-only cycles, and passes layers', () => {
  const graphOf = (sources: Record<string, string>): Map<string, string[]> =>
    new Map(Object.entries(sources).map(([file, source]) => [file, relativeImports(file, source)]));
  const cycles = importCycles(
    graphOf({
      'gateway/a.ts': "import { b } from './b.js';",
      'gateway/b.ts': "import { a } from './a.js';",
      'gateway/x/c.ts': "import type { D } from '../y/d.js';",
      'gateway/y/d.ts': "export { e } from './e.js';",
      'gateway/y/e.ts': "const c = await import('../x/c.js');",
      'gateway/self.ts': "import './self.js';",
      'gateway/low.ts': '// imports nothing',
      'gateway/high.ts': "import { low } from './low.js';\nimport { a } from './a.js';",
    }),
  );
  assert.equal(cycles, [
    ['gateway/a.ts', 'gateway/b.ts'],
    ['gateway/self.ts'],
    ['gateway/x/c.ts', 'gateway/y/d.ts', 'gateway/y/e.ts'],
  ]);
  assert.equal(importCycles(graphOf({ 'gateway/low.ts': '', 'gateway/high.ts': "import './low.js';" })), []);
});

test.run();
