/**
 * The key generation's messages, as plain JSON data, each signed by its sender's node key
 * (ECDSA P-256, raw r || s) over a domain line, the ceremony digest and the canonical JSON of the
 * message without its signature:
 * - `tc.dkg.deal`: dealer i's commitments A_ik = a_ik G (k = 0..t-1) and, for every other
 *   trustee j, s_ij = F_i(j) sealed to j's node key;
 * - `tc.dkg.complaint`: trustee j says dealer i's share for it is missing, does not open, or
 *   fails the commitments;
 * - `tc.dkg.reveal`: dealer i answers j's complaint with s_ij in clear, for everyone to check.
 */
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import { p256 } from '../../../shared/crypto/p256.js';
import { GridbidError, ensure } from '../../../shared/errors.js';
import { limits } from '../../../shared/limits.js';
import { ecdsaSignature, identifier, p256PublicKey, trusteeIndex } from '../../../shared/protocol/fields.js';
import { type InferShape, array, bytes, literal, object, oneOf } from '../../../shared/protocol/schema.js';
import { signBound, verifyBound } from './bound-signature.js';
import { sealOverheadBytes } from './p256-seal.js';

export const sealedShareBytes = p256.scalarBytes + sealOverheadBytes;

const sealedShare = object({ recipient: trusteeIndex, sealed: bytes(sealedShareBytes) });

export const dkgDeal = object({
  type: literal('tc.dkg.deal'),
  ceremonyId: identifier,
  dealer: trusteeIndex,
  /** A_i0 .. A_i(t-1), SEC 1 uncompressed. */
  commitments: array(p256PublicKey, 1, limits.maxTrustees),
  /** One entry per other trustee. */
  shares: array(sealedShare, 1, limits.maxTrustees - 1),
  sig: ecdsaSignature,
});

export const complaintReasons = ['missing', 'undecryptable', 'bad-share'] as const;
export type ComplaintReason = (typeof complaintReasons)[number];

export const dkgComplaint = object({
  type: literal('tc.dkg.complaint'),
  ceremonyId: identifier,
  complainer: trusteeIndex,
  dealer: trusteeIndex,
  reason: oneOf(complaintReasons),
  sig: ecdsaSignature,
});

export const dkgReveal = object({
  type: literal('tc.dkg.reveal'),
  ceremonyId: identifier,
  dealer: trusteeIndex,
  complainer: trusteeIndex,
  /** s_ij, 32 bytes big-endian. */
  share: bytes(p256.scalarBytes),
  sig: ecdsaSignature,
});

export type DkgDeal = InferShape<typeof dkgDeal.shape>;
export type DkgComplaint = InferShape<typeof dkgComplaint.shape>;
export type DkgReveal = InferShape<typeof dkgReveal.shape>;
export type DkgMessage = DkgDeal | DkgComplaint | DkgReveal;
export type DkgMessageType = DkgMessage['type'];

const schemas = { 'tc.dkg.deal': dkgDeal, 'tc.dkg.complaint': dkgComplaint, 'tc.dkg.reveal': dkgReveal } as const;

/** Checks an untrusted value's shape (types, sizes, no unknown fields); nothing cryptographic yet. */
export function parseDkgMessage(value: unknown): DkgMessage {
  ensure(typeof value === 'object' && value !== null && !Array.isArray(value), 'NOT_AN_OBJECT', 'expected an object');
  const type = (value as { type?: unknown }).type;
  ensure(typeof type === 'string', typeof type === 'undefined' ? 'MISSING_FIELD' : 'WRONG_TYPE', 'no type', 'type');
  if (!Object.prototype.hasOwnProperty.call(schemas, type))
    throw new GridbidError('UNKNOWN_TYPE', `not a key-generation message: ${type.slice(0, 40)}`, 'type');
  return schemas[type as DkgMessageType].parse(value, '') as DkgMessage;
}

/** The trustee whose node key signs `message`. */
export function senderOf(message: DkgMessage): number {
  return message.type === 'tc.dkg.complaint' ? message.complainer : message.dealer;
}

type Unsigned<M extends DkgMessage> = Omit<M, 'sig'>;

/** Signs a message for the ceremony with `digest` (see `ceremonyDigest`). */
export function signDkgMessage<M extends DkgMessage>(
  provider: CryptoProvider,
  nodePrivateKey: Uint8Array,
  digest: Uint8Array,
  message: Unsigned<M>,
): M {
  return signBound<M>(provider, nodePrivateKey, digest, message);
}

/** BAD_SIGNATURE unless the sender's node key signed `message` for this ceremony. */
export function verifyDkgMessage(
  provider: CryptoProvider,
  senderPublicKey: Uint8Array,
  digest: Uint8Array,
  message: DkgMessage,
): void {
  verifyBound(provider, senderPublicKey, digest, message, `trustee ${senderOf(message)}`);
}
