/** Every portable suite, for the engines to run: Node through uvu, XS through its runner. */
import type { CryptoProvider } from '../../shared/crypto/provider.js';
import { bookCases } from './book.cases.js';
import type { CaseList } from './harness.js';
import { ledgerCases } from './ledger.cases.js';
import { marketCases } from './market.cases.js';
import { oaepCases } from './oaep.cases.js';
import { protocolCases } from './protocol.cases.js';
import { rfc6979Cases } from './rfc6979.cases.js';
import { rfc9380Cases } from './rfc9380.cases.js';
import { rfc9474Cases } from './rfc9474.cases.js';
import { sha2Cases } from './sha2.cases.js';
import { tdh2Cases } from './tdh2.cases.js';

/**
 * What some suites replay from a host that can make it (real keys, signed with node:crypto);
 * a suite whose input is not given is left out.
 */
export interface PortableInputs {
  /** The host's run of the book of record (`bookTranscript()` in book-scenario.ts). */
  readonly book?: unknown;
}

export function portableSuites(provider: CryptoProvider, inputs: PortableInputs = {}): CaseList[] {
  return [
    sha2Cases(provider),
    rfc6979Cases(provider),
    oaepCases(provider),
    rfc9474Cases(provider),
    rfc9380Cases(provider),
    tdh2Cases(provider),
    protocolCases(provider),
    marketCases(),
    ledgerCases(provider),
    ...(inputs.book === undefined ? [] : [bookCases(provider, inputs.book)]),
  ];
}
