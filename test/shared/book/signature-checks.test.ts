/**
 * Each signature is verified once per replica: a request whose signatures the replica checked
 * when it accepted the PRE-PREPARE (`precheck`) is not verified again when it executes, and the
 * remembered checks are bounded. Remembering never changes an answer: a forged signature is
 * refused however often it comes, and a book without the shared table gives the same results.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BookOfRecord } from '../../../shared/book/book.js';
import { CachedSignatureChecks } from '../../../shared/book/signature-checks.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { encodeMessage } from '../../../shared/protocol/codec.js';
import { signMessage } from '../../../shared/protocol/signing.js';
import { Driver, genesis, genesisTimeMs, minute, order, p1, provider, pseudonym } from './world.js';

/** The provider, counting the ECDSA verifications it really does. */
function counting(): { provider: CryptoProvider; verifications: () => number } {
  let count = 0;
  return {
    provider: {
      ...provider,
      ecdsaP256Verify: (key, message, signature) => {
        count++;
        return provider.ecdsaP256Verify(key, message, signature);
      },
    },
    verifications: () => count,
  };
}

const t = (minutes: number) => genesisTimeMs + minutes * minute;

test('a command prechecked before ordering is not verified again at execution', () => {
  const crypto = counting();
  const checks = new CachedSignatureChecks(crypto.provider);
  const book = new BookOfRecord(crypto.provider, genesis, { signatureChecks: checks });
  const driver = new Driver(book);
  const [seller, buyer] = [pseudonym('m-1'), pseudonym('m-2')];
  const commands = [
    seller!.certificate,
    buyer!.certificate,
    order(seller!, 'sell', 100, 50, 's'),
    order(buyer!, 'buy', 100, 60, 'b'),
  ];
  const payloads = commands.map((command) => encodeMessage(command));
  for (const payload of payloads) assert.ok(book.precheck(payload));
  const prechecked = crypto.verifications();
  assert.is(prechecked, 4);
  for (const payload of payloads) driver.ok(payload, t(1));
  assert.is(crypto.verifications(), prechecked, 'execution verified nothing again');
  assert.is(book.trades(p1).length, 1);
});

test('a forged signature fails the precheck and is refused at execution, every time', () => {
  const book = new BookOfRecord(provider, genesis);
  const driver = new Driver(book);
  const who = pseudonym('m-3');
  driver.ok(who.certificate, t(1));
  const { sig: _sig, ...fields } = order(who, 'sell', 100, 50, 's');
  const forged = encodeMessage(signMessage(provider, pseudonym('m-4').privateKey, fields));
  for (let i = 0; i < 3; i++) {
    assert.not.ok(book.precheck(forged));
    assert.is(driver.run(forged, t(1)).code, 'BAD_SIGNATURE');
  }
});

test('the table of remembered checks is bounded; a forgotten one is verified again', () => {
  const crypto = counting();
  const checks = new CachedSignatureChecks(crypto.provider, 2);
  const who = pseudonym('m-5');
  const book = new BookOfRecord(crypto.provider, genesis, { signatureChecks: checks });
  const orders = ['a', 'b', 'c'].map((id) => encodeMessage(order(who, 'sell', 10, 50, id)));
  for (const payload of orders) book.precheck(payload);
  assert.is(checks.size, 2);
  const before = crypto.verifications();
  book.precheck(orders[2]!);
  assert.is(crypto.verifications(), before, 'the newest is remembered');
  book.precheck(orders[0]!);
  assert.is(crypto.verifications(), before + 1, 'the oldest was forgotten and is verified again');
});

test.run();
