/**
 * One cut-and-choose candidate: a fresh pseudonym key P, the committed core of its trace tag T
 * (TDH2 to the TC key, deterministic from a recorded seed), the prepared message M = (P, T, E) and
 * its RFC 9474 blinding. Everything needed to open it later (key, seed, prefix, inverse) is kept;
 * the tag's validity proof is made only for the candidate RM signs.
 */
import { toBase64Url } from '../../../shared/bytes.js';
import { decodePrivateScalar } from '../../../shared/crypto/ecdsa-p256.js';
import type { CryptoProvider } from '../../../shared/crypto/provider.js';
import type { RandomSource } from '../../../shared/crypto/random.js';
import {
  type BlindResult,
  blind,
  drawBlindingRandomness,
  gridbidBlindVariant,
  messagePrefixBytes,
} from '../../../shared/crypto/rsabssa.js';
import type { RsaPublicKey } from '../../../shared/crypto/rsa-key.js';
import type { ThresholdPublicKey } from '../../../shared/crypto/threshold-key.js';
import { isGridbidError } from '../../../shared/errors.js';
import type { MessageOf } from '../../../shared/protocol/messages.js';
import { preparedPseudonymMessage } from '../../../shared/pseudonym/pseudonym-message.js';
import { makeTraceTagCore, traceSeedBytes } from '../../../shared/pseudonym/trace-tag.js';

export interface AuthorityKeys {
  /** RM's RSABSSA key, pinned in the meter (a signer key chosen per meter could link signatures). */
  readonly rmKey: RsaPublicKey;
  /** TC's threshold key (TDH2 over P-256) that trace tags are encrypted to. */
  readonly tcKey: ThresholdPublicKey;
  /** MM's certificate key (P-256). */
  readonly mmPublicKey: Uint8Array;
  /** RM's challenge key (P-256): the meter opens candidates only for a challenge signed by it. */
  readonly rmChallengeKey: Uint8Array;
}

export interface Candidate {
  readonly pseudonymPrivateKey: Uint8Array;
  readonly pseudonymPublicKey: Uint8Array;
  readonly traceSeed: Uint8Array;
  /** c || U || Ubar: what M commits to. */
  readonly traceTagCore: Uint8Array;
  readonly messagePrefix: Uint8Array;
  readonly inputMessage: Uint8Array;
  readonly blinded: BlindResult;
}

export function drawP256PrivateKey(random: RandomSource): Uint8Array {
  for (;;) {
    const candidate = random(32);
    try {
      decodePrivateScalar(candidate);
      return candidate;
    } catch (error) {
      if (!isGridbidError(error)) throw error; // out of range: draw again (probability ~2^-32)
    }
  }
}

/**
 * `tagMeterId` is the meter's own id for an honest candidate; the parameter exists because the
 * cut-and-choose tests build cheating meters from the same parts.
 */
export function makeCandidate(
  provider: CryptoProvider,
  random: RandomSource,
  keys: AuthorityKeys,
  tagMeterId: string,
  periodIndex: number,
): Candidate {
  const pseudonymPrivateKey = drawP256PrivateKey(random);
  const pseudonymPublicKey = provider.p256PublicKey(pseudonymPrivateKey);
  const traceSeed = random(traceSeedBytes);
  const traceTagCore = makeTraceTagCore(provider.sha256, keys.tcKey, tagMeterId, traceSeed);
  const messagePrefix = random(messagePrefixBytes);
  const inputMessage = preparedPseudonymMessage(messagePrefix, pseudonymPublicKey, traceTagCore, periodIndex);
  const blinded = blind(
    provider.sha384,
    gridbidBlindVariant,
    keys.rmKey,
    inputMessage,
    drawBlindingRandomness(gridbidBlindVariant, keys.rmKey, random),
  );
  return { pseudonymPrivateKey, pseudonymPublicKey, traceSeed, traceTagCore, messagePrefix, inputMessage, blinded };
}

export function openCandidate(candidate: Candidate, index: number): MessageOf<'issuance.opening'>['openings'][number] {
  return {
    index,
    pseudonymPublicKey: toBase64Url(candidate.pseudonymPublicKey),
    traceSeed: toBase64Url(candidate.traceSeed),
    messagePrefix: toBase64Url(candidate.messagePrefix),
    blindingInverse: toBase64Url(candidate.blinded.inverse),
  };
}
