/** Bundles on client links: order kept, bounds on messages and bytes, bad bundles refused with codes. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bundledMessages, encodeBundles, maxBundleMessages } from '../../../../gateway/ledger/node/client-bundle.js';
import { decodeNodeMessage } from '../../../../gateway/ledger/node/node-wire.js';
import { errorCode } from '../../../support/error-code.js';

const message = (i: number) => ({ type: 'reply', clientId: `c0-${i}`, requestSeq: i, result: 'x'.repeat(i % 7) });
const unbundle = (frames: readonly Uint8Array[]) =>
  frames.flatMap((frame) => [...bundledMessages(decodeNodeMessage(frame))]);

test('one message goes as itself, several as one array, in order', () => {
  const single = encodeBundles([message(1)]);
  assert.is(single.length, 1);
  assert.equal(decodeNodeMessage(single[0]!), message(1));
  const messages = Array.from({ length: 50 }, (_, i) => message(i));
  const frames = encodeBundles(messages);
  assert.is(frames.length, 1);
  assert.ok(Array.isArray(decodeNodeMessage(frames[0]!)));
  assert.equal(unbundle(frames), messages);
  assert.equal(encodeBundles([]), []);
});

test('bundles split at the message bound and at the byte bound', () => {
  const many = Array.from({ length: maxBundleMessages * 2 + 3 }, (_, i) => message(i));
  const frames = encodeBundles(many);
  assert.is(frames.length, 3);
  assert.equal(unbundle(frames), many);
  const maxBytes = 1_000;
  const bySize = encodeBundles(many.slice(0, 200), maxBytes);
  assert.ok(bySize.length > 1);
  for (const frame of bySize) assert.ok(frame.length <= maxBytes, `a frame of ${frame.length} bytes`);
  assert.equal(unbundle(bySize), many.slice(0, 200));
  // A message larger than the bound still leaves, alone.
  const large = { ...message(1), result: 'y'.repeat(5_000) };
  const alone = encodeBundles([message(0), large, message(2)], maxBytes);
  assert.is(alone.length, 3);
  assert.equal(unbundle(alone), [message(0), large, message(2)]);
});

test('an empty bundle and one over the message bound are refused with codes', () => {
  assert.is(
    errorCode(() => bundledMessages([])),
    'BAD_LENGTH',
  );
  assert.is(
    errorCode(() => bundledMessages(Array.from({ length: maxBundleMessages + 1 }, () => ({})))),
    'PAYLOAD_TOO_LARGE',
  );
  assert.equal(bundledMessages({ type: 'request' }), [{ type: 'request' }]);
  assert.equal(bundledMessages(null), [null]);
});

test.run();
