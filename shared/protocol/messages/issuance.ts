/**
 * DESIGN 4.2, pseudonym issuance: a fair blind signature with cut-and-choose over k candidates.
 * commit (meter) -> challenge (RM) -> opening (meter) -> blindSignature (RM).
 */
import { limits } from '../../limits.js';
import {
  candidateIndex,
  ecdsaSignature,
  meterId,
  oaepSeed,
  p256PublicKey,
  periodIndex,
  randomPrefix,
  requestId,
  rsaValue,
  timeMs,
} from '../fields.js';
import { array, literal, object } from '../schema.js';

export const issuanceCommit = object({
  type: literal('issuance.commit'),
  requestId,
  meterId,
  periodIndex,
  /** k RFC 9474 blinded messages, one per candidate pseudonym. */
  blindedMessages: array(rsaValue, limits.minCandidates, limits.maxCandidates),
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
  timeMs,
});

export const candidateOpening = object({
  index: candidateIndex,
  pseudonymPublicKey: p256PublicKey,
  /** The OAEP seed of this candidate's trace tag, so RM can re-encrypt it. */
  traceSeed: oaepSeed,
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
  openings: array(candidateOpening, limits.minCandidates - 1, limits.maxCandidates - 1),
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
  timeMs,
});
