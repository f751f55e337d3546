/**
 * Linking attacks, generic over whatever the attacker holds. Each record (a certificate with
 * what is known about it, or a meter with what RM knows about it) is flattened into numeric
 * features (path to number) and strings. Every attack guesses a meter for each target:
 * - rank: order targets by one numeric feature and meters by another, pair them in order (the
 *   best one-to-one matching for any feature that grows with time, order or a counter);
 * - nearest, latest-before, earliest-after: each target takes the meter whose feature value is
 *   closest to its own, or the closest not after it, or not before it;
 * - shared string: a target takes the one meter that has a string equal to one of its strings,
 *   or containing it, or contained in it (ids carried over, e.g. `<id>.cert`).
 * Guessing at random, each attack links about one target of n correctly: the number of correct
 * guesses is close to Poisson(1) (the fixed points of a random permutation, or n guesses each
 * right with probability 1/n).
 */
import { toBase64Url } from '../../../../shared/bytes.js';

export interface Profile {
  readonly numbers: ReadonlyMap<string, number>;
  readonly strings: ReadonlySet<string>;
}

export interface Suspect {
  readonly meterId: string;
  readonly profile: Profile;
}

export interface AttackResult {
  readonly name: string;
  /** How many targets the attack linked to their true meter. */
  readonly correct: number;
}

/** Strings shorter than this are too common to link on (type names, statuses). */
const minLinkingChars = 6;

/** Flattens records into one profile; each record's paths are prefixed with its label. */
export function profileOf(records: readonly (readonly [label: string, value: unknown])[]): Profile {
  const numbers = new Map<string, number>();
  const strings = new Set<string>();
  const walk = (path: string, value: unknown): void => {
    if (typeof value === 'number') {
      if (!numbers.has(path)) numbers.set(path, value);
    } else if (typeof value === 'bigint') {
      strings.add(value.toString(16));
    } else if (typeof value === 'string') {
      if (value.length >= minLinkingChars) strings.add(value);
    } else if (value instanceof Uint8Array) {
      strings.add(toBase64Url(value));
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(`${path}.${i}`, item));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(path === '' ? key : `${path}.${key}`, item);
    }
  };
  for (const [label, value] of records) walk(label, value);
  return { numbers, strings };
}

function featureNames(profiles: readonly Profile[]): string[] {
  const names = new Set<string>();
  for (const profile of profiles) for (const name of profile.numbers.keys()) names.add(name);
  return [...names].sort();
}

function byFeature<T extends { profile: Profile }>(items: readonly T[], feature: string): T[] {
  return items
    .filter((item) => item.profile.numbers.has(feature))
    .sort((a, b) => a.profile.numbers.get(feature)! - b.profile.numbers.get(feature)!); // stable
}

/**
 * Runs every attack. `targets` are the records to link, `truth[i]` is target i's meter; present
 * the targets in an order that says nothing (shuffled), or every tie is broken by that order.
 */
export function runAttacks(
  targets: readonly Profile[],
  truth: readonly string[],
  suspects: readonly Suspect[],
): AttackResult[] {
  const indexed = targets.map((profile, index) => ({ profile, index }));
  const results: AttackResult[] = [];
  const score = (name: string, guesses: ReadonlyMap<number, string>): void => {
    let correct = 0;
    for (const [index, meterId] of guesses) if (truth[index] === meterId) correct++;
    results.push({ name, correct });
  };

  for (const f of featureNames(targets)) {
    const sortedTargets = byFeature(indexed, f);
    for (const g of featureNames(suspects.map((s) => s.profile))) {
      const sortedSuspects = byFeature(suspects, g);
      if (sortedSuspects.length === 0) continue;
      const rank = new Map<number, string>();
      sortedTargets.forEach((target, i) => {
        const suspect = sortedSuspects[i];
        if (suspect !== undefined) rank.set(target.index, suspect.meterId);
      });
      score(`rank ${f} ~ ${g}`, rank);
      const nearest = new Map<number, string>();
      const before = new Map<number, string>();
      const after = new Map<number, string>();
      for (const target of sortedTargets) {
        const x = target.profile.numbers.get(f)!;
        let best: Suspect | undefined;
        let latest: Suspect | undefined;
        let earliest: Suspect | undefined;
        for (const suspect of sortedSuspects) {
          const y = suspect.profile.numbers.get(g)!;
          if (best === undefined || Math.abs(y - x) < Math.abs(best.profile.numbers.get(g)! - x)) best = suspect;
          if (y <= x) latest = suspect;
          if (y >= x && earliest === undefined) earliest = suspect;
        }
        if (best !== undefined) nearest.set(target.index, best.meterId);
        if (latest !== undefined) before.set(target.index, latest.meterId);
        if (earliest !== undefined) after.set(target.index, earliest.meterId);
      }
      score(`nearest ${f} ~ ${g}`, nearest);
      score(`latest ${g} not after ${f}`, before);
      score(`earliest ${g} not before ${f}`, after);
    }
  }

  score('shared string', sharedStringLinks(targets, suspects));
  return results;
}

function sharedStringLinks(targets: readonly Profile[], suspects: readonly Suspect[]): Map<number, string> {
  // A string many meters have (a type name, a status, a key everyone holds) identifies no one.
  const holders = new Map<string, Set<string>>();
  for (const suspect of suspects) {
    for (const value of suspect.profile.strings) {
      let set = holders.get(value);
      if (set === undefined) holders.set(value, (set = new Set()));
      set.add(suspect.meterId);
    }
  }
  const identifying = [...holders]
    .filter(([, set]) => set.size === 1)
    .map(([value, set]) => [value, [...set][0]!] as const);
  const guesses = new Map<number, string>();
  targets.forEach((target, index) => {
    const matches = new Set<string>();
    for (const value of target.strings) {
      for (const [candidate, meterId] of identifying) {
        if (candidate === value || candidate.includes(value) || value.includes(candidate)) matches.add(meterId);
      }
    }
    if (matches.size === 1) guesses.set(index, [...matches][0]!);
  });
  return guesses;
}

/** P(X >= k) for X ~ Poisson(1): the chance that guessing links at least k targets correctly. */
export function poissonOneTail(k: number): number {
  let term = Math.exp(-1);
  for (let i = 1; i <= k; i++) term /= i; // P(X = k)
  let tail = 0;
  for (let i = k; term > 0 && i < k + 100; i++) {
    tail += term;
    term /= i + 1;
  }
  return tail;
}

/** Deterministic Fisher-Yates shuffle driven by `draw(n)` (uniform in 0..n-1). */
export function shuffled<T>(items: readonly T[], draw: (n: number) => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = draw(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
