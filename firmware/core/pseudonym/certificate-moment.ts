/**
 * When a meter asks MM for period E's certificate. The moment is drawn uniformly from a window
 * that E alone fixes (`limits.certificateWindowMs`, closing `limits.certificateWindowLeadMs`
 * before E starts, within the period before E), so the time MM sees is independent of when RM
 * issued the credential, provided issuance ended before the window opened. A meter that ends
 * issuance inside the window draws from the rest of it; one that ends after it closed (a
 * pseudonym for the current period) waits a delay drawn from up to a window's length, ending
 * before E does: such late meters mix only with each other.
 */
import { type RandomSource, randomBigIntBelow } from '../../../shared/crypto/random.js';
import { limits } from '../../../shared/limits.js';
import { periodEndMs, periodStartMs } from '../../../shared/time/period.js';

export interface CertificateWindow {
  readonly opensMs: number;
  readonly closesMs: number;
}

/**
 * The window for period `periodIndex`'s certificate. It closes `leadMs` (by default
 * `certificateWindowLeadMs`) before trading for the period does (`gateClosureLeadMs` before it
 * starts, 0 when not trading), so a certificate drawn anywhere in it is on the ledger in time and
 * still leaves time to bid. Every meter of a grid uses the same lead, so the window stays a
 * function of the period and the grid's rules alone.
 */
export function certificateWindow(
  periodIndex: number,
  periodMs: number,
  gateClosureLeadMs = 0,
  leadMs: number = limits.certificateWindowLeadMs,
): CertificateWindow {
  const closesMs = periodStartMs(periodIndex, periodMs) - gateClosureLeadMs - leadMs;
  const opensMs = Math.max(periodStartMs(periodIndex - 1, periodMs), closesMs - limits.certificateWindowMs);
  return { opensMs, closesMs };
}

/** How long to wait, from `nowMs`, before asking MM for period `periodIndex`'s certificate. */
export function certificateDelayMs(
  random: RandomSource,
  periodIndex: number,
  periodMs: number,
  nowMs: number,
  gateClosureLeadMs = 0,
  leadMs: number = limits.certificateWindowLeadMs,
): number {
  const window = certificateWindow(periodIndex, periodMs, gateClosureLeadMs, leadMs);
  const late = nowMs >= window.closesMs;
  const fromMs = late ? nowMs : Math.max(nowMs, window.opensMs);
  const untilMs = late
    ? Math.min(nowMs + limits.certificateWindowMs, periodEndMs(periodIndex, periodMs) - limits.certificateWindowLeadMs)
    : window.closesMs;
  if (untilMs <= fromMs) return 0;
  return fromMs - nowMs + Number(randomBigIntBelow(random, 0n, BigInt(untilMs - fromMs)));
}
