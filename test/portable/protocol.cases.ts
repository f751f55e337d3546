/**
 * The protocol layer on any engine: canonical round trips of every message type, typed errors
 * for mutated bytes, and message signatures made and checked with the given provider.
 */
import { utf8Encode } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { GridbidError } from '../../shared/errors.js';
import { decodeMessage, encodeMessage } from '../../shared/protocol/codec.js';
import { type Message, messageTypes, signatureFields } from '../../shared/protocol/messages.js';
import { type SignatureField, signMessage, verifyMessageSignature } from '../../shared/protocol/signing.js';
import { CaseList, equal, equalBytes, ok } from './harness.js';
import { sampleMessage } from './sample-message.js';
import { seededRandom } from './seeded-random.js';

const samplesPerType = 10;
/**
 * Samples of the largest messages (an issuance commit or opening with 16 candidates, a proof):
 * each is tens of kilobytes, and 3 samples with 20 mutations each cover them as well while
 * keeping the XS run short (decoding them in XS takes most of a second).
 */
const samplesOfLargeTypes = 3;
const largeMessageBytes = 8_192;

export function protocolCases(provider: CryptoProvider): CaseList {
  const list = new CaseList(`protocol codec and signatures (${provider.name})`);
  const random = seededRandom('protocol-cases');
  for (const type of messageTypes) {
    list.add(`${type}: round trip and mutations`, () => {
      let samples = samplesPerType;
      for (let i = 0; i < samples; i++) {
        const message = sampleMessage(type, random) as unknown as Message;
        const encoded = encodeMessage(message);
        if (i === 0 && encoded.length > largeMessageBytes) samples = samplesOfLargeTypes;
        const decoded = decodeMessage(encoded);
        ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
        equalBytes(encodeMessage(decoded.value), encoded, 'canonical re-encoding');
        for (let j = 0; j < 20; j++) {
          const mutated = encoded.slice();
          const at = random(2)[0]! % mutated.length;
          mutated[at] = random(1)[0]!;
          const result = decodeMessage(mutated.subarray(0, mutated.length - (j % 3)));
          ok(result.ok || result.error instanceof GridbidError, 'typed error');
        }
      }
    });
  }
  const privateKey = random(32);
  privateKey[0] = 1;
  const publicKey = provider.p256PublicKey(privateKey);
  for (const type of messageTypes.filter((t) => signatureFields[t].length > 0)) {
    list.add(`${type}: sign, encode, decode, verify`, () => {
      let message = sampleMessage(type, random) as unknown as Message;
      for (const field of signatureFields[type])
        message = signMessage(provider, privateKey, message as never, field as SignatureField) as Message;
      const decoded = decodeMessage(encodeMessage(message));
      ok(decoded.ok, 'decodes');
      for (const field of signatureFields[type])
        ok(verifyMessageSignature(provider, publicKey, decoded.value, field as SignatureField), field);
      const tampered = { ...decoded.value, timeMs: (decoded.value as { timeMs: number }).timeMs ^ 1 } as Message;
      ok(
        !verifyMessageSignature(provider, publicKey, tampered, signatureFields[type][0] as SignatureField),
        'tampered fails',
      );
    });
  }
  list.add('typed errors for bad payloads', () => {
    const cases: Array<[string, string]> = [
      ['{', 'MALFORMED_JSON'],
      ['[]', 'NOT_AN_OBJECT'],
      ['{"type":"x"}', 'UNKNOWN_TYPE'],
      ['['.repeat(5000), 'MALFORMED_JSON'],
      ['{"type":"error","code":"A","message":"m","timeMs":1.5}', 'WRONG_TYPE'],
    ];
    for (const [text, code] of cases) {
      const result = decodeMessage(utf8Encode(text));
      equal(result.ok ? 'accepted' : result.error.code, code, text.slice(0, 30));
    }
  });
  return list;
}
