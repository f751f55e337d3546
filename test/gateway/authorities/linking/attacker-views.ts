/**
 * What each attacker holds, as profiles for `runAttacks`: RM's stored view split into per-meter
 * records (found generically, whatever RM's view looks like), RM's and MM's request logs, and
 * the public certificates.
 */
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { type Profile, type Suspect, profileOf } from './linking-attacks.js';
import type { LogEntry, World } from './issuance-world.js';

type Labelled = readonly [label: string, value: unknown];

function childrenOf(value: unknown): [string, unknown][] {
  if (value instanceof Map) return [...value.entries()].map(([key, item]) => [String(key), item]);
  if (Array.isArray(value)) return value.map((item, i) => [String(i), item]);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) return Object.entries(value);
  return [];
}

/** Every value found under a key named `key` in the subtree. */
function valuesNamed(value: unknown, key: string, out = new Set<unknown>()): Set<unknown> {
  for (const [name, item] of childrenOf(value)) {
    if (name === key && (typeof item === 'string' || typeof item === 'number')) out.add(item);
    else valuesNamed(item, key, out);
  }
  return out;
}

/**
 * Splits a stored view into records of one meter each: the largest subtrees that name exactly
 * one meter id. A record's label is its path with list positions as `*`, so the same kind of
 * record has the same feature names for every meter.
 */
export function meterRecords(view: unknown): Map<string, Labelled[]> {
  const records = new Map<string, Labelled[]>();
  const visit = (value: unknown, label: string): void => {
    const meters = valuesNamed(value, 'meterId');
    if (meters.size === 1) {
      const meterId = String([...meters][0]);
      records.set(meterId, [...(records.get(meterId) ?? []), [label, value]]);
      return;
    }
    if (meters.size === 0) return;
    const list = Array.isArray(value) || value instanceof Map;
    for (const [name, item] of childrenOf(value))
      visit(item, label === '' ? (list ? '*' : name) : `${label}.${list ? '*' : name}`);
  };
  visit(view, '');
  return records;
}

/** Records about period `periodIndex`, or about no period in particular (enrolment). */
function ofPeriod(records: readonly Labelled[], periodIndex: number): Labelled[] {
  return records.filter(([, value]) => {
    const periods = valuesNamed(value, 'periodIndex');
    return periods.size === 0 || periods.has(periodIndex);
  });
}

function logRecords(log: readonly LogEntry[], label: string): Labelled[] {
  return log.map((entry) => [`${label}.${entry.message.type}`, entry] as const);
}

/** Meters as RM knows them for one period: its stored view, and its request log if given. */
export function rmSuspects(world: World, periodIndex: number, withLog: boolean): Suspect[] {
  const records = meterRecords(world.rmView);
  return world.meterIds.map((meterId) => {
    const log = withLog
      ? world.rmLog.filter((e) => e.session === meterId && valuesNamed(e.message, 'periodIndex').has(periodIndex))
      : [];
    return {
      meterId,
      profile: profileOf([...ofPeriod(records.get(meterId) ?? [], periodIndex), ...logRecords(log, 'rmLog')]),
    };
  });
}

export interface Target {
  readonly certificate: MessageOf<'certificate'>;
  readonly meterId: string;
}

/** Certificates of one period with their owners, in MM's issue order. */
export function targetsOf(world: World, periodIndex: number): Target[] {
  return world.certificates
    .filter((c) => c.periodIndex === periodIndex)
    .map((certificate) => ({ certificate, meterId: world.owner.get(certificate.pseudonymPublicKey)! }));
}

/** A certificate as the public sees it; with `issueOrder`, also its place in MM's issue order. */
export function publicProfile(world: World, target: Target, withIssueOrder: boolean): Profile {
  const records: Labelled[] = [['certificate', target.certificate]];
  if (withIssueOrder) records.push(['issueOrder', world.certificates.indexOf(target.certificate)]);
  return profileOf(records);
}

/** A certificate with every request MM saw for its pseudonym (ids, client id, times). */
export function mmProfile(world: World, target: Target): Profile {
  const requests = world.mmLog.filter(
    (e) => 'pseudonymPublicKey' in e.message && e.message.pseudonymPublicKey === target.certificate.pseudonymPublicKey,
  );
  return profileOf([['certificate', target.certificate], ...logRecords(requests, 'mmLog')]);
}
