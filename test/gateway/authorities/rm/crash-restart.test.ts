/**
 * RM on LevelDB killed with SIGKILL at random moments while commits and openings stream in,
 * then started again on the same directory: every request answered before a kill is answered
 * identically after it (the same challenge, the same blind signature), and no meter gets two
 * sessions for a period even when two different commits of it race across the kills. The seed
 * is printed; CRASH_SEED=<seed> replays a run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IssuanceSession } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { LevelRmStore } from '../../../../gateway/authorities/rm/level-rm-store.js';
import { decodeMessage, encodeMessage } from '../../../../shared/protocol/codec.js';
import { limits } from '../../../../shared/limits.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { AuthorityChild } from '../../../support/authority-child.js';
import { enrolMeter, makeAuthorities, makeRm, nowMs, periodIndex, provider } from '../../../support/authorities.js';
import { type Exchange, runCrashRounds } from '../../../support/crash-rounds.js';

const k = limits.minCandidates;
const meters = 10;

test('RM killed at random moments answers every answered request identically, one session per meter', async () => {
  const seed = process.env['CRASH_SEED'] ?? randomBytes(6).toString('hex');
  console.log(`RM crash test seed: ${seed}`);
  const authorities = makeAuthorities({ candidates: k });
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-rm-crash-'));
  try {
    const setupStore = await LevelRmStore.open(join(directory, 'db'));
    const setupRm = makeRm(authorities, { store: setupStore, config: { candidates: k } });
    const sessions = new Map<string, IssuanceSession>();
    const initial: Exchange[] = [];
    for (let m = 0; m < meters; m++) {
      const identity = await enrolMeter(setupRm, `crash-meter-${m}`);
      // Two different commits per meter, racing: at most one may ever get a challenge.
      for (const variant of ['a', 'b']) {
        const session = IssuanceSession.begin(
          provider,
          seededRandom(`${seed}/${m}/${variant}`),
          identity,
          authorities.keys,
          {
            requestId: `${m}${variant}`,
            periodIndex,
            candidates: k,
            timeMs: nowMs,
          },
        );
        const key = `${identity.meterId}/${variant}`;
        sessions.set(key, session);
        initial.push({ key: `${key}/commit`, session: identity.meterId, bytes: encodeMessage(session.commit) });
      }
    }
    await setupStore.close();

    const answers = await runCrashRounds({
      random: seededRandom(`${seed}/kills`),
      killedRounds: 4,
      maxRoundMs: 600,
      start: (round) =>
        AuthorityChild.start(
          {
            kind: 'rm',
            directory: join(directory, 'db'),
            seed: `${seed}/run-${round}`,
            nowMs,
            candidates: k,
            rmPrivateKey: authorities.rmPrivateKey,
            rmChallengeKey: authorities.rmChallengeKey,
            mmPrivateKey: authorities.mmPrivateKey,
            keys: { tcKey: authorities.keys.tcKey },
          },
          join(directory, 'setup.json'),
        ),
      initial,
      followUp: (key, reply) => {
        if (!key.endsWith('/commit')) return undefined;
        const decoded = decodeMessage(reply);
        if (!decoded.ok || decoded.value.type !== 'issuance.challenge') return undefined;
        const name = key.slice(0, -'/commit'.length);
        const opening = sessions.get(name)!.open(decoded.value, nowMs);
        return { key: `${name}/opening`, session: opening.meterId, bytes: encodeMessage(opening) };
      },
    });

    for (let m = 0; m < meters; m++) {
      const challenged = ['a', 'b'].filter((variant) => {
        const decoded = decodeMessage(answers.get(`crash-meter-${m}/${variant}/commit`)!);
        return decoded.ok && decoded.value.type === 'issuance.challenge';
      });
      assert.is(challenged.length, 1, `meter ${m}: exactly one of its two commits got a challenge`);
      const name = `crash-meter-${m}/${challenged[0]}`;
      const signature = decodeMessage(answers.get(`${name}/opening`)!);
      assert.ok(signature.ok && signature.value.type === 'issuance.blindSignature', `meter ${m} got its signature`);
      sessions.get(name)!.finalise(signature.value as never);
    }
    const store = await LevelRmStore.open(join(directory, 'db'));
    const stored = await store.sessions();
    assert.is(stored.length, meters, 'one stored session per meter');
    await store.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
