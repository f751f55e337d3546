/**
 * What one key-generation ceremony is: its id, the threshold t, and the roster of n trustees by
 * their P-256 node keys (trustee i at index i - 1). Every message is signed over a digest of all
 * of it, so a message from another ceremony, or from the same id with another roster or
 * threshold, never verifies here.
 */
import { createHash } from 'node:crypto';
import { bytesEqual, toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import { decodePoint } from '../../../shared/crypto/p256.js';
import { ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { identifier } from '../../../shared/protocol/fields.js';

export interface DkgCeremony {
  readonly ceremonyId: string;
  /** t: shares needed to use the key; each dealer's polynomial has degree t - 1. */
  readonly threshold: number;
  /** n: trustees, numbered 1..n. */
  readonly trustees: number;
  /** 65-byte P-256 node public keys, trustee i at index i - 1: they sign and receive shares. */
  readonly nodePublicKeys: readonly Uint8Array[];
}

/** Checks the parameters everyone must agree on before the ceremony starts. */
export function checkCeremony(ceremony: DkgCeremony): void {
  identifier.parse(ceremony.ceremonyId, 'ceremonyId');
  const { threshold, trustees, nodePublicKeys } = ceremony;
  ensure(
    Number.isSafeInteger(trustees) && trustees >= limits.minTrustees && trustees <= limits.maxTrustees,
    'OUT_OF_RANGE',
    `trustees must be ${limits.minTrustees}..${limits.maxTrustees}`,
    'trustees',
  );
  ensure(
    Number.isSafeInteger(threshold) && threshold >= limits.minTrustees && threshold <= trustees,
    'OUT_OF_RANGE',
    `threshold must be ${limits.minTrustees}..trustees`,
    'threshold',
  );
  ensure(nodePublicKeys.length === trustees, 'BAD_LENGTH', 'one node key per trustee', 'nodePublicKeys');
  nodePublicKeys.forEach((key, index) => {
    decodePoint(key);
    for (let other = 0; other < index; other++)
      ensure(!bytesEqual(key, nodePublicKeys[other]!), 'BAD_KEY', 'node keys repeat', `nodePublicKeys.${index}`);
  });
}

/** SHA-256 of the canonical JSON of the whole ceremony: what every signature is bound to. */
export function ceremonyDigest(ceremony: DkgCeremony): Uint8Array {
  const description = canonicalJsonBytes({
    ceremonyId: ceremony.ceremonyId,
    threshold: ceremony.threshold,
    trustees: ceremony.trustees,
    nodePublicKeys: ceremony.nodePublicKeys.map(toBase64Url),
  });
  return new Uint8Array(
    createHash('sha256').update(utf8Encode('gridbid/v1/tc.dkg/ceremony\n')).update(description).digest(),
  );
}

/** Additional data for dealer i's share sealed to trustee j. */
export function shareSealContext(digest: Uint8Array, dealer: number, recipient: number): Uint8Array {
  return canonicalJsonBytes({
    purpose: 'gridbid/v1/tc.dkg/share',
    ceremony: toBase64Url(digest),
    dealer,
    recipient,
  });
}
