/**
 * The TC key made by a distributed key generation among the trustees (Joint-Feldman with
 * complaints), with no dealer: what callers need, from the files that implement it.
 * - `DkgTrustee`: one trustee's state machine (dkg-trustee.ts);
 * - `runCeremony`: all trustees in one process, for tests and demonstrations (dkg-run.ts);
 * - the ceremony's parameters and messages (dkg-ceremony.ts, dkg-messages.ts);
 * - `qualify` / `jointPublicKey`: the public end of the protocol (dkg-qualify.ts).
 */
export { type DkgCeremony, ceremonyDigest, checkCeremony } from './dkg-ceremony.js';
export {
  type ComplaintReason,
  type DkgComplaint,
  type DkgDeal,
  type DkgMessage,
  type DkgReveal,
  parseDkgMessage,
  senderOf,
  signDkgMessage,
  verifyDkgMessage,
} from './dkg-messages.js';
export { type Disqualification, type DkgTranscript, jointPublicKey, qualify } from './dkg-qualify.js';
export { type DkgPhase, type DkgResult, DkgTrustee, type DkgTrusteeOptions } from './dkg-trustee.js';
export {
  type CeremonyOptions,
  type CeremonyOutcome,
  type CeremonyProgress,
  type CeremonyStep,
  type RefusedMessage,
  runCeremony,
} from './dkg-run.js';
