/**
 * Earlier estimates from the project's crypto notes (prototype measurements, or scaled from
 * them), shown beside our figures as "notes estimate": not a peer implementation and not the
 * paper. Each range's midpoint is used as the reference value.
 */
import type { Reference } from './figures.js';

function estimate(what: string, lowMs: number, highMs: number): Reference {
  return { label: `notes estimate: ${what}`, msPerOp: (lowMs + highMs) / 2 };
}

/** RM per registration: 20-60 ms at k = 20 (per opening ~1.05-3.16 ms) plus 1.1 ms BlindSign. */
export function rmRegistrationEstimate(candidates: number): Reference {
  const openings = candidates - 1;
  const low = openings * (20 / 19) + 1.1;
  const high = openings * (60 / 19) + 1.1;
  return estimate(`RM k=${candidates}, ${Math.round(low)}–${Math.round(high)} ms`, low, high);
}

/** A Node virtual meter on blindrsa-ts (Blind ~44 ms each): ~0.9 s at k = 20, ~45 ms per candidate. */
export function blindrsaMeterEstimate(candidates: number): Reference {
  const ms = candidates * 45;
  return { label: `notes estimate: blindrsa-ts meter k=${candidates}, ~${ms} ms`, msPerOp: ms };
}

/**
 * The trusted dealer the TC key generation replaced (Shoup threshold RSA-2048, BigInt
 * prototype): 1-4 s per dealt key, mostly the search for two 1024-bit safe primes.
 */
export const shoupDealingEstimate = estimate('replaced Shoup RSA dealing, 1–4 s', 1000, 4000);
