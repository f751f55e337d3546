/**
 * Message signatures: each signed message type verifies after a wire round trip, and any
 * change to any covered field, or a signature moved to another type, fails verification.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';
import { createPureCryptoProvider } from '../../../shared/crypto/pure-provider.js';
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import { type Message, type MessageType, messageTypes, signatureFields } from '../../../shared/protocol/messages.js';
import {
  type SignatureField,
  signMessage,
  signingBytes,
  verifyMessageSignature,
} from '../../../shared/protocol/signing.js';
import { seededRandom } from '../../portable/seeded-random.js';
import { arbitraryMessage } from './arbitrary-message.js';

const node = createNodeCryptoProvider();
const pure = createPureCryptoProvider(seededRandom('signing-test'));
const signerKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const otherKey = Uint8Array.from({ length: 32 }, (_, i) => 32 - i);
const signerPublic = node.p256PublicKey(signerKey);

const signedTypes = messageTypes.filter((type) => signatureFields[type].length > 0);

function signAll(message: Record<string, unknown>, provider = pure): Message {
  let signed = message as unknown as Message;
  for (const field of signatureFields[message.type as MessageType]) {
    signed = signMessage(provider, signerKey, signed as never, field as SignatureField) as Message;
  }
  return signed;
}

for (const type of signedTypes) {
  test(`${type}: signed by the meter-side signer, verified by OpenSSL after a wire round trip`, () => {
    fc.assert(
      fc.property(arbitraryMessage(type), (message) => {
        const signed = signAll(message);
        const decoded = decodeMessage(encodeMessage(signed));
        assert.ok(decoded.ok);
        for (const field of signatureFields[type]) {
          assert.ok(verifyMessageSignature(node, signerPublic, decoded.value, field as SignatureField), field);
        }
      }),
      { numRuns: 15 },
    );
  });

  test(`${type}: changing any covered field breaks the signature`, () => {
    fc.assert(
      fc.property(arbitraryMessage(type), arbitraryMessage(type), (message, other) => {
        const signed = signAll(message, node) as unknown as Record<string, unknown>;
        const lastField = signatureFields[type].at(-1)! as SignatureField;
        for (const key of Object.keys(other)) {
          if (key === 'type' || signatureFields[type].includes(key)) continue;
          if (JSON.stringify(other[key]) === JSON.stringify(signed[key])) continue;
          const changed = { ...signed, [key]: other[key] } as unknown as Message;
          assert.not.ok(verifyMessageSignature(pure, signerPublic, changed, lastField), `changed ${key}`);
        }
      }),
      { numRuns: 5 },
    );
  });
}

test('a signature by another key does not verify', () => {
  fc.assert(
    fc.property(arbitraryMessage('order'), (message) => {
      const signed = signMessage(node, otherKey, message as never);
      assert.not.ok(verifyMessageSignature(node, signerPublic, signed));
    }),
    { numRuns: 10 },
  );
});

test('domain separation: the same fields under another type sign different bytes', () => {
  fc.assert(
    fc.property(arbitraryMessage('cancel'), (message) => {
      const asCancel = signingBytes(message as never, 'sig');
      const asOther = signingBytes({ ...message, type: 'delivery.report' } as never, 'sig');
      assert.not.equal(asCancel, asOther);
    }),
    { numRuns: 10 },
  );
});

test('transaction.record: the seller countersigns the buyer signature', () => {
  fc.assert(
    fc.property(arbitraryMessage('transaction.record'), (message) => {
      const buyerSigned = signMessage(pure, otherKey, message as never, 'buyerSig') as Record<string, unknown>;
      const sellerSigned = signMessage(pure, signerKey, buyerSigned as never, 'sellerSig') as unknown as Message;
      assert.ok(verifyMessageSignature(node, node.p256PublicKey(otherKey), sellerSigned, 'buyerSig'));
      assert.ok(verifyMessageSignature(node, signerPublic, sellerSigned, 'sellerSig'));
      const swappedBuyerSig = {
        ...sellerSigned,
        buyerSig: (signMessage(pure, signerKey, message as never, 'buyerSig') as unknown as Record<string, string>)
          .buyerSig,
      };
      assert.not.ok(
        verifyMessageSignature(node, signerPublic, swappedBuyerSig as Message, 'sellerSig'),
        'seller signature covers buyerSig',
      );
    }),
    { numRuns: 10 },
  );
});

test.run();
