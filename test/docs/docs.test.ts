/** The docs match the code: the generated message reference is current, the README names every message. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { messageTypes } from '../../shared/protocol/messages.js';
import { messageReferencePath, renderMessageReference } from '../../tools/docs/message-reference.js';

test('docs/messages.md is what `npm run docs` generates from the schemas', () => {
  assert.is(
    readFileSync(messageReferencePath, 'utf8'),
    renderMessageReference(),
    'run `npm run docs` and commit the result',
  );
});

test('the README message table lists every message type', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const type of messageTypes) assert.ok(readme.includes(`| \`${type}\``), `README lacks a row for ${type}`);
});

test.run();
