/**
 * Shared set-up for the key-generation tests: seeded node keys and ceremonies, a cheating
 * dealer's tools (re-signing a changed message, sealing a chosen share), and a test-only
 * oracle that interpolates t shares to x and checks xG = H. Nothing outside tests ever
 * rebuilds x.
 */
import { bytesEqual, fromBase64Url, toBase64Url } from '../../../../shared/bytes.js';
import { encodePoint, generator, multiply, toAffine } from '../../../../shared/crypto/p256.js';
import { lagrangeCoefficient } from '../../../../shared/crypto/scalar-polynomial.js';
import { mod } from '../../../../shared/crypto/modular.js';
import { p256 } from '../../../../shared/crypto/p256.js';
import type { KeyShare, ThresholdPublicKey } from '../../../../shared/crypto/threshold-key.js';
import { createNodeCryptoProvider } from '../../../../gateway/crypto/node-provider.js';
import { type DkgCeremony, ceremonyDigest, shareSealContext } from '../../../../gateway/authorities/tc/dkg-ceremony.js';
import { type DkgMessage, signDkgMessage } from '../../../../gateway/authorities/tc/dkg-messages.js';
import { encodeScalar } from '../../../../gateway/authorities/tc/feldman.js';
import { sealToP256 } from '../../../../gateway/authorities/tc/p256-seal.js';
import { seededRandom } from '../../../portable/seeded-random.js';

export const provider = createNodeCryptoProvider();

export interface Fixture {
  readonly ceremony: DkgCeremony;
  readonly nodePrivateKeys: readonly Uint8Array[];
}

export function nodeKeys(count: number, seed: string): Uint8Array[] {
  const random = seededRandom(`node keys ${seed}`);
  return Array.from({ length: count }, () => {
    const key = random(32);
    key[0] = 1; // below the group order, not zero
    return key;
  });
}

export function fixture(threshold: number, trustees: number, ceremonyId = `tc-${threshold}-of-${trustees}`): Fixture {
  const nodePrivateKeys = nodeKeys(trustees, ceremonyId);
  return {
    ceremony: {
      ceremonyId,
      threshold,
      trustees,
      nodePublicKeys: nodePrivateKeys.map((key) => provider.p256PublicKey(key)),
    },
    nodePrivateKeys,
  };
}

/** `message` changed by `change` and signed again by its sender's key, as a cheating sender would. */
export function resign<M extends DkgMessage>(
  { ceremony, nodePrivateKeys }: Fixture,
  signer: number,
  message: M,
  change: (content: Omit<M, 'sig'>) => Omit<M, 'sig'>,
): M {
  const { sig: _sig, ...content } = message;
  return signed({ ceremony, nodePrivateKeys }, signer, change(content as Omit<M, 'sig'>));
}

/** A message made up by trustee `signer` and signed with its node key. */
export function signed<M extends DkgMessage>(
  { ceremony, nodePrivateKeys }: Fixture,
  signer: number,
  content: Omit<M, 'sig'>,
): M {
  return signDkgMessage<M>(provider, nodePrivateKeys[signer - 1]!, ceremonyDigest(ceremony), content);
}

/** Dealer `dealer`'s share for `recipient`, replaced by `share` (properly sealed). */
export function sealedShare(fx: Fixture, dealer: number, recipient: number, share: bigint): string {
  return sealedBytes(fx, dealer, recipient, encodeScalar(share));
}

/** Any plaintext sealed as dealer `dealer`'s share for `recipient`. */
export function sealedBytes(fx: Fixture, dealer: number, recipient: number, plaintext: Uint8Array): string {
  const context = shareSealContext(ceremonyDigest(fx.ceremony), dealer, recipient);
  const recipientKey = fx.ceremony.nodePublicKeys[recipient - 1]!;
  return toBase64Url(sealToP256(recipientKey, plaintext, context, seededRandom(`seal ${dealer} ${recipient}`)));
}

export function flipByte(base64url: string, at: number): string {
  const bytes = fromBase64Url(base64url);
  bytes[at]! ^= 1;
  return toBase64Url(bytes);
}

export function pointOf(scalar: bigint): Uint8Array {
  return encodePoint(toAffine(multiply(generator, mod(scalar, p256.n))));
}

/** Test-only oracle: the secret t shares interpolate to (Lagrange at 0). */
export function interpolateAtZero(shares: readonly KeyShare[]): bigint {
  const indices = shares.map((share) => share.index);
  let secret = 0n;
  for (const share of shares) secret += lagrangeCoefficient(indices, share.index, 0) * share.secret;
  return mod(secret, p256.n);
}

export function matchesPublicKey(key: ThresholdPublicKey, secret: bigint): boolean {
  return bytesEqual(pointOf(secret), key.publicKey);
}

/** Every k-element subset of `items`. */
export function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((subset) => [first!, ...subset]), ...subsets(rest, k)];
}
