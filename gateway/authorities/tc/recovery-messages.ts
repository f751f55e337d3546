/**
 * Re-issuing a lost share: what one recovery is, and its two messages, signed by helper node
 * keys over the recovery's digest:
 * - `tc.recovery.mask`: helper i gives helper k (i < k) a random mask z_ik sealed to k's node
 *   key, and publishes Z_ik = z_ik G so the recipient can check contributions;
 * - `tc.recovery.contribution`: helper i's masked lambda_i(j) x_i, sealed to the recipient.
 */
import { createHash } from 'node:crypto';
import { bytesEqual, toBase64Url, utf8Encode } from '../../../shared/bytes.js';
import { canonicalJsonBytes } from '../../../shared/codec/canonical-json.js';
import { decodePoint, p256 } from '../../../shared/crypto/p256.js';
import type { ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { ecdsaSignature, identifier, p256PublicKey, trusteeIndex } from '../../../shared/protocol/fields.js';
import { type InferShape, bytes, literal, object } from '../../../shared/protocol/schema.js';
import { sealOverheadBytes } from './p256-seal.js';

export interface RecoveryRequest {
  readonly recoveryId: string;
  readonly key: ThresholdPublicKey;
  /** j: the trustee whose share is re-made. */
  readonly lost: number;
  /** Exactly t other trustees. */
  readonly helpers: readonly number[];
  /** 65-byte node public keys of all n trustees, trustee i at index i - 1. */
  readonly nodePublicKeys: readonly Uint8Array[];
  /** Where the re-made share goes: j's node key (a new one if j lost its old one too). */
  readonly recipientPublicKey: Uint8Array;
}

const sealedScalar = bytes(p256.scalarBytes + sealOverheadBytes);

export const recoveryMask = object({
  type: literal('tc.recovery.mask'),
  recoveryId: identifier,
  from: trusteeIndex,
  to: trusteeIndex,
  /** Z_ik = z_ik G. */
  commitment: p256PublicKey,
  /** z_ik sealed to helper k. */
  sealed: sealedScalar,
  sig: ecdsaSignature,
});

export const recoveryContribution = object({
  type: literal('tc.recovery.contribution'),
  recoveryId: identifier,
  helper: trusteeIndex,
  /** lambda_i(j) x_i + sum_{k > i} z_ik - sum_{k < i} z_ki, sealed to the recipient. */
  sealed: sealedScalar,
  sig: ecdsaSignature,
});

export type RecoveryMask = InferShape<typeof recoveryMask.shape>;
export type RecoveryContribution = InferShape<typeof recoveryContribution.shape>;

/** Checks the request everyone must agree on; returns the helpers in ascending order. */
export function checkRecoveryRequest(request: RecoveryRequest): number[] {
  identifier.parse(request.recoveryId, 'recoveryId');
  const { key, lost, nodePublicKeys } = request;
  const n = key.trustees;
  ensure(
    Number.isSafeInteger(n) && n >= limits.minTrustees && n <= limits.maxTrustees,
    'OUT_OF_RANGE',
    'bad trustee count',
  );
  ensure(
    Number.isSafeInteger(key.threshold) && key.threshold >= limits.minTrustees && key.threshold <= n,
    'OUT_OF_RANGE',
    'bad threshold',
  );
  ensure(key.verificationKeys.length === n, 'BAD_LENGTH', 'one verification key per trustee', 'key');
  ensure(nodePublicKeys.length === n, 'BAD_LENGTH', 'one node key per trustee', 'nodePublicKeys');
  ensure(Number.isSafeInteger(lost) && lost >= 1 && lost <= n, 'OUT_OF_RANGE', 'no such trustee', 'lost');
  const helpers = [...request.helpers].sort((a, b) => a - b);
  ensure(helpers.length === key.threshold, 'BAD_LENGTH', `exactly t = ${key.threshold} helpers`, 'helpers');
  helpers.forEach((helper, position) => {
    ensure(Number.isSafeInteger(helper) && helper >= 1 && helper <= n, 'OUT_OF_RANGE', 'no such trustee', 'helpers');
    ensure(helper !== lost, 'BAD_INPUT', 'the trustee who lost its share cannot help', 'helpers');
    ensure(position === 0 || helper !== helpers[position - 1], 'BAD_INPUT', 'helpers repeat', 'helpers');
  });
  for (const point of [key.publicKey, ...key.verificationKeys, ...nodePublicKeys, request.recipientPublicKey])
    decodePoint(point);
  return helpers;
}

/** SHA-256 of everything the recovery is about: every signature and seal is bound to it. */
export function recoveryDigest(request: RecoveryRequest, helpers: readonly number[]): Uint8Array {
  const description = canonicalJsonBytes({
    recoveryId: request.recoveryId,
    threshold: request.key.threshold,
    trustees: request.key.trustees,
    publicKey: toBase64Url(request.key.publicKey),
    verificationKeys: request.key.verificationKeys.map(toBase64Url),
    lost: request.lost,
    helpers: [...helpers],
    nodePublicKeys: request.nodePublicKeys.map(toBase64Url),
    recipientPublicKey: toBase64Url(request.recipientPublicKey),
  });
  return new Uint8Array(
    createHash('sha256').update(utf8Encode('gridbid/v1/tc.recovery/request\n')).update(description).digest(),
  );
}

export function maskSealContext(digest: Uint8Array, from: number, to: number): Uint8Array {
  return canonicalJsonBytes({ purpose: 'gridbid/v1/tc.recovery/mask', recovery: toBase64Url(digest), from, to });
}

export function contributionSealContext(digest: Uint8Array, helper: number): Uint8Array {
  return canonicalJsonBytes({ purpose: 'gridbid/v1/tc.recovery/contribution', recovery: toBase64Url(digest), helper });
}

/** Keeps the one message per key that `keyOf` names; a second, different one is BAD_SHARE. */
export function onePerKey<M extends { readonly sig: string }>(
  messages: readonly M[],
  keyOf: (message: M) => string,
): Map<string, M> {
  const kept = new Map<string, M>();
  for (const message of messages) {
    const key = keyOf(message);
    const earlier = kept.get(key);
    if (earlier === undefined) kept.set(key, message);
    else if (!sameContent(earlier, message))
      throw new GridbidError('BAD_SHARE', `two different messages for ${key}: the sender equivocates`);
  }
  return kept;
}

function sameContent(a: object, b: object): boolean {
  const { sig: _a, ...left } = a as { sig: string };
  const { sig: _b, ...right } = b as { sig: string };
  return bytesEqual(
    canonicalJsonBytes(left as Parameters<typeof canonicalJsonBytes>[0]),
    canonicalJsonBytes(right as Parameters<typeof canonicalJsonBytes>[0]),
  );
}
