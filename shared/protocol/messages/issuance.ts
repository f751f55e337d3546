/**
 * DESIGN 4.2, pseudonym issuance: a fair blind signature with cut-and-choose over k candidates.
 * commit (meter) -> challenge (RM) -> opening (meter) -> blindSignature (RM).
 *
 * The transcript is attributable both ways: the meter signs its commit and its opening, the
 * opening names the commit (by hash) and RM's choice, and RM signs the challenge. So a
 * non-reproducing opening is evidence a third party can check, and RM cannot fabricate one.
 * Times are coarse: every `timeMs` here is the start of the sender's current period, so RM holds
 * no per-meter time finer than the period.
 */
import { limits } from '../../limits.js';
import {
  candidateIndex,
  ecdsaSignature,
  meterId,
  p256PublicKey,
  periodIndex,
  randomPrefix,
  requestId,
  rsaValue,
  sha256Digest,
  timeMs,
  traceSeed,
} from '../fields.js';
import { array, literal, object } from '../schema.js';

export const issuanceCommit = object({
  type: literal('issuance.commit'),
  requestId,
  meterId,
  periodIndex,
  /** k RFC 9474 blinded messages, one per candidate pseudonym. */
  blindedMessages: array(rsaValue, limits.minCandidates, limits.maxCandidates),
  /** The start of the meter's current period. */
  timeMs,
  sig: ecdsaSignature,
});

export const issuanceChallenge = object({
  type: literal('issuance.challenge'),
  requestId,
  meterId,
  periodIndex,
  /** j*: the candidate RM will sign; every other one must be opened. */
  chosenIndex: candidateIndex,
  /** SHA-256 of the canonical encoding of the signed commit this answers. */
  commitHash: sha256Digest,
  /** The start of RM's current period. */
  timeMs,
  /** By RM's challenge key (P-256), pinned in the meter. */
  sig: ecdsaSignature,
});

export const candidateOpening = object({
  index: candidateIndex,
  pseudonymPublicKey: p256PublicKey,
  /** The OAEP seed of this candidate's trace tag, so RM can re-encrypt it. */
  traceSeed,
  /** RFC 9474 Prepare prefix. */
  messagePrefix: randomPrefix,
  /** r^-1 mod n: with the prepared message it re-derives the blinded message. */
  blindingInverse: rsaValue,
});

export const issuanceOpening = object({
  type: literal('issuance.opening'),
  requestId,
  meterId,
  periodIndex,
  /** The j* of RM's challenge, and the hash of the commit it answered: what this opening opens. */
  chosenIndex: candidateIndex,
  commitHash: sha256Digest,
  openings: array(candidateOpening, limits.minCandidates - 1, limits.maxCandidates - 1),
  /** The start of the meter's current period. */
  timeMs,
  sig: ecdsaSignature,
});

export const issuanceBlindSignature = object({
  type: literal('issuance.blindSignature'),
  requestId,
  meterId,
  periodIndex,
  chosenIndex: candidateIndex,
  blindSignature: rsaValue,
  /** The start of RM's current period. */
  timeMs,
});
