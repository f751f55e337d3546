/**
 * The MQTT topic layout (DESIGN 7), one place for meters, gateways, tools and the dashboard.
 * Everything lives under `gridbid/v1/<grid>/`. Payloads are canonical JSON messages of
 * `shared/protocol` (requests and replies) or readable JSON (public market, chain and status).
 *
 *   meter/<meterId>/enrol        meter (enrolling or identity session) -> gateway: enrolment.request
 *   meter/<meterId>/rm           meter identity session -> RM: issuance.commit, issuance.opening
 *   meter/<meterId>/inbox        gateway -> that meter: enrolment.status, issuance.*, error
 *   pseudonym/<pid>/mm           anonymous session of P -> MM: certificate.request
 *   pseudonym/<pid>/ledger       anonymous session of P -> gateway intake: order, cancel, bill,
 *                                transaction.record, delivery.report, dispute
 *   pseudonym/<pid>/inbox        gateway -> anonymous session of P: certificate, book.result,
 *                                bills addressed to P, payments (transaction.record signed by
 *                                the buyer alone) for P to countersign, error
 *   operator/commands            operator and trustee accounts -> gateway: operator.enrolment, trustee.share
 *   register/<nonce>             anonymous registrant -> gateway (external broker only): an
 *                                enrolment.request, device.login or certificate.request asking
 *                                for broker credentials; <nonce> is fresh and random
 *   register/<nonce>/reply       gateway -> registrant: the answer, sealed to the key the request
 *                                proved (gateway/broker/registration-seal), or a bare error
 *   operator/results             gateway -> operator and trustee accounts: book.result, error
 *   operator/enrolments          gateway hosting RM, retained: the meters RM knows (pending first)
 *   operator/disputes            gateway, retained: open disputes with the respondent's certificate
 *   market/periods               gateway, retained: open periods and their gate closure
 *   market/<period>/trades       gateway: each trade as it is made
 *   market/<period>/depth        gateway, retained: best bid and ask, depth per price level
 *   chain/head                   gateway, retained: the last certified header
 *   node/<index>/status          gateway, retained, Last Will "offline": view, height, peers
 *   node/<index>/counters        gateway, retained: requests, refusals, sessions
 *
 * `<pid>` is a pseudonym's topic id: the first 32 hex digits of SHA-256 of its public key, so
 * topics stay short and carry nothing but the pseudonym. Meter ids and period indices are used
 * as they are; a topic level never holds `/`, `+`, `#` or a leading `$` (all checked).
 */
import { toHex } from '../bytes.js';
import type { HashFunction } from '../crypto/hash.js';
import { limits } from '../limits.js';

export const topicVersion = 'gridbid/v1';

/** Characters of one topic level gridbid writes (those of an identifier): no separator, no wildcard, not empty. */
const levelPattern = /^[A-Za-z0-9._:-]+$/;

export function isTopicLevel(value: string): boolean {
  return value.length <= limits.maxIdChars && levelPattern.test(value);
}

function level(value: string, what: string): string {
  if (!isTopicLevel(value)) throw new RangeError(`${what} ${JSON.stringify(value)} is not a topic level`);
  return value;
}

/** The topic id of a pseudonym: 32 lower-case hex digits of SHA-256(public key bytes). */
export function pseudonymTopicId(sha256: HashFunction, pseudonymPublicKey: Uint8Array): string {
  return toHex(sha256.digest(pseudonymPublicKey)).slice(0, 32);
}

export type MeterChannel = 'enrol' | 'rm' | 'inbox';
export type OperatorChannel = 'commands' | 'results' | 'enrolments' | 'disputes';
export type PseudonymChannel = 'mm' | 'ledger' | 'inbox';

/** Topic builders for one grid. */
export class GridTopics {
  readonly root: string;

  constructor(readonly gridId: string) {
    this.root = `${topicVersion}/${level(gridId, 'grid id')}`;
  }

  meter(meterId: string, channel: MeterChannel): string {
    return `${this.root}/meter/${level(meterId, 'meter id')}/${channel}`;
  }

  pseudonym(pid: string, channel: PseudonymChannel): string {
    return `${this.root}/pseudonym/${level(pid, 'pseudonym topic id')}/${channel}`;
  }

  /** Where an anonymous registrant asks an external broker's gateway for credentials. */
  registration(nonce: string): string {
    return `${this.root}/register/${level(nonce, 'registration nonce')}`;
  }

  registrationReply(nonce: string): string {
    return `${this.registration(nonce)}/reply`;
  }

  operatorCommands(): string {
    return `${this.root}/operator/commands`;
  }

  operatorResults(): string {
    return `${this.root}/operator/results`;
  }

  operatorEnrolments(): string {
    return `${this.root}/operator/enrolments`;
  }

  operatorDisputes(): string {
    return `${this.root}/operator/disputes`;
  }

  periods(): string {
    return `${this.root}/market/periods`;
  }

  trades(periodIndex: number): string {
    return `${this.root}/market/${periodLevel(periodIndex)}/trades`;
  }

  depth(periodIndex: number): string {
    return `${this.root}/market/${periodLevel(periodIndex)}/depth`;
  }

  chainHead(): string {
    return `${this.root}/chain/head`;
  }

  nodeStatus(index: number): string {
    return `${this.root}/node/${nodeLevel(index)}/status`;
  }

  nodeCounters(index: number): string {
    return `${this.root}/node/${nodeLevel(index)}/counters`;
  }

  /** Filters a subscriber uses: everything public (market, chain, nodes). */
  publicFilters(): string[] {
    return [`${this.root}/market/#`, `${this.root}/chain/#`, `${this.root}/node/#`];
  }

  /**
   * What a topic of this grid is, or undefined for anything else (another grid, a malformed
   * level, an unknown family). Filters with wildcards are not topics and parse to undefined.
   */
  parse(topic: string): ParsedTopic | undefined {
    const prefix = `${this.root}/`;
    if (!topic.startsWith(prefix)) return undefined;
    const levels = topic.slice(prefix.length).split('/');
    if (!levels.every(isTopicLevel)) return undefined;
    const [family, a, b, extra] = levels;
    if (extra !== undefined) return undefined;
    switch (family) {
      case 'meter':
        return a !== undefined && (b === 'enrol' || b === 'rm' || b === 'inbox')
          ? { family: 'meter', meterId: a, channel: b }
          : undefined;
      case 'pseudonym':
        return a !== undefined && /^[0-9a-f]{32}$/.test(a) && (b === 'mm' || b === 'ledger' || b === 'inbox')
          ? { family: 'pseudonym', pid: a, channel: b }
          : undefined;
      case 'register':
        if (a === undefined) return undefined;
        if (b === undefined) return { family: 'register', nonce: a, channel: 'request' };
        return b === 'reply' ? { family: 'register', nonce: a, channel: 'reply' } : undefined;
      case 'operator':
        return b === undefined && (a === 'commands' || a === 'results' || a === 'enrolments' || a === 'disputes')
          ? { family: 'operator', channel: a }
          : undefined;
      case 'market': {
        if (a === 'periods' && b === undefined) return { family: 'market', channel: 'periods' };
        const periodIndex = parsePeriodLevel(a);
        return periodIndex !== undefined && (b === 'trades' || b === 'depth')
          ? { family: 'market', channel: b, periodIndex }
          : undefined;
      }
      case 'chain':
        return a === 'head' && b === undefined ? { family: 'chain', channel: 'head' } : undefined;
      case 'node': {
        const index = parsePeriodLevel(a);
        return index !== undefined && (b === 'status' || b === 'counters')
          ? { family: 'node', index, channel: b }
          : undefined;
      }
      default:
        return undefined;
    }
  }
}

export type ParsedTopic =
  | { readonly family: 'meter'; readonly meterId: string; readonly channel: MeterChannel }
  | { readonly family: 'pseudonym'; readonly pid: string; readonly channel: PseudonymChannel }
  | { readonly family: 'operator'; readonly channel: OperatorChannel }
  | { readonly family: 'register'; readonly nonce: string; readonly channel: 'request' | 'reply' }
  | { readonly family: 'market'; readonly channel: 'periods' }
  | { readonly family: 'market'; readonly channel: 'trades' | 'depth'; readonly periodIndex: number }
  | { readonly family: 'chain'; readonly channel: 'head' }
  | { readonly family: 'node'; readonly index: number; readonly channel: 'status' | 'counters' };

function periodLevel(periodIndex: number): string {
  if (!Number.isSafeInteger(periodIndex) || periodIndex < 0) throw new RangeError(`bad index ${periodIndex}`);
  return String(periodIndex);
}

const nodeLevel = periodLevel;

function parsePeriodLevel(value: string | undefined): number | undefined {
  if (value === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}
