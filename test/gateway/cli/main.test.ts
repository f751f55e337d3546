/**
 * The `gridbid` command line: every command has --help; an unknown command or flag, or a bad
 * value, is one line naming it with exit code 2; `genesis` writes a grid and `keys` a key file
 * that `keys --show` reads back; nothing is overwritten.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commands, main } from '../../../gateway/cli/main.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('help: overall and per command', async () => {
  const overall = await run('--help');
  assert.is(overall.code, 0);
  for (const command of commands) {
    assert.ok(overall.out.includes(command.name), command.name);
    const help = await run(command.name, '--help');
    assert.is(help.code, 0);
    assert.ok(help.out.startsWith(`gridbid ${command.name}`), help.out);
  }
  assert.is((await run()).code, 2);
});

test('usage errors name what is wrong, exit code 2', async () => {
  const unknown = await run('frobnicate');
  assert.is(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);
  const flag = await run('genesis', '--colour', 'red');
  assert.is(flag.code, 2);
  assert.match(flag.err, /--colour/);
  const value = await run('genesis', '--dir', '/nonexistent-dir-for-test', '--grid', 'g', '--nodes', 'four');
  assert.is(value.code, 2);
  assert.match(value.err, /--nodes must be an integer/);
  const missing = await run('genesis', '--grid', 'g');
  assert.match(missing.err, /--dir is required/);
});

test('genesis writes a grid once; keys writes and shows a key, never overwriting', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-cli-'));
  try {
    const grid = join(directory, 'grid');
    const made = await run('genesis', '--dir', grid, '--grid', 'cli-grid', '--trustees', '3', '--threshold', '2');
    assert.is(made.code, 0, made.err);
    assert.match(made.out, /gridbid node --config .*node-3\.json/);
    const again = await run('genesis', '--dir', grid, '--grid', 'cli-grid');
    assert.is(again.code, 2);
    assert.match(again.err, /not empty/);
    const file = join(directory, 'operator.json');
    const written = await run('keys', '--out', file);
    assert.is(written.code, 0);
    const shown = await run('keys', '--show', file);
    assert.is(shown.out.split('\n').slice(-2).join('\n'), written.out.split('\n').slice(-2).join('\n'));
    assert.match(shown.out, /fingerprint [0-9a-f]{16}/);
    assert.is((await run('keys', '--out', file)).code, 2);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
