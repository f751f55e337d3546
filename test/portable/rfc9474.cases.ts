/**
 * RFC 9474 appendix A: all four RSABSSA variants, driven by the vectors' own randomness, with
 * every intermediate value (prepared message, encoding, blinded message, inverse, blind
 * signature, signature) compared.
 */
import { fromHex } from '../../shared/bytes.js';
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { modInverse } from '../../shared/crypto/modular.js';
import {
  type RsabssaVariant,
  blind,
  blindSign,
  finalize,
  prepare,
  rsabssaVariants,
  verify,
} from '../../shared/crypto/rsabssa.js';
import { publicPart } from '../../shared/crypto/rsa-key.js';
import vectors from '../vectors/rfc9474.json' with { type: 'json' };
import { CaseList, equalBytes, ok } from './harness.js';
import { hexBigInt, rsaKeyFromPrimes } from './rsa-vector-key.js';

const variantsByName = new Map<string, RsabssaVariant>(Object.values(rsabssaVariants).map((v) => [v.name, v]));

export function rfc9474Cases(provider: CryptoProvider): CaseList {
  const list = new CaseList(`RFC 9474 RSABSSA (${provider.name})`);
  for (const vector of vectors) {
    list.add(vector.name, () => {
      const variant = variantsByName.get(vector.name);
      ok(variant !== undefined, `known variant ${vector.name}`);
      const secretKey = rsaKeyFromPrimes(vector.n, vector.e, vector.d, vector.p, vector.q);
      const publicKey = publicPart(secretKey);
      const inputMessage = prepare(variant, fromHex(vector.msg), fromHex(vector.msg_prefix));
      equalBytes(inputMessage, fromHex(vector.input_msg), 'input_msg');
      const r = modInverse(hexBigInt(vector.inv), publicKey.n);
      const blinded = blind(provider.sha384, variant, publicKey, inputMessage, { salt: fromHex(vector.salt), r });
      if ('encoded_msg' in vector) equalBytes(blinded.encodedMessage, fromHex(vector.encoded_msg), 'encoded_msg');
      equalBytes(blinded.blindedMessage, fromHex(vector.blinded_msg), 'blinded_msg');
      equalBytes(blinded.inverse, fromHex(vector.inv), 'inv');
      const blindSignature = blindSign(provider, secretKey, blinded.blindedMessage);
      equalBytes(blindSignature, fromHex(vector.blind_sig), 'blind_sig');
      const signature = finalize(provider.sha384, variant, publicKey, inputMessage, blindSignature, blinded.inverse);
      equalBytes(signature, fromHex(vector.sig), 'sig');
      ok(verify(provider.sha384, variant, publicKey, inputMessage, signature), 'Verify accepts the signature');
      const other = inputMessage.slice();
      other[other.length - 1] = other[other.length - 1]! ^ 1;
      ok(!verify(provider.sha384, variant, publicKey, other, signature), 'Verify rejects another message');
    });
  }
  return list;
}
