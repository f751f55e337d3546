/**
 * MM on LevelDB killed with SIGKILL at random moments while certificate requests stream in,
 * then started again on the same directory: every request answered before a kill is answered
 * identically after it (the same certificate), no pseudonym gets two certificates even when two
 * different requests for it race across the kills, and no trace tag is certified twice. The
 * seed is printed; CRASH_SEED=<seed> replays a run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { certificateRequest } from '../../../../firmware/core/pseudonym/credential.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { decodeMessage, encodeMessage } from '../../../../shared/protocol/codec.js';
import { limits } from '../../../../shared/limits.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { AuthorityChild } from '../../../support/authority-child.js';
import { issueCredential, makeAuthorities, nowMs, periodMs, provider } from '../../../support/authorities.js';
import { type Exchange, runCrashRounds } from '../../../support/crash-rounds.js';

const k = limits.minCandidates;
const pseudonyms = 10;

test('MM killed at random moments answers every answered request identically, one certificate each', async () => {
  const seed = process.env['CRASH_SEED'] ?? randomBytes(6).toString('hex');
  console.log(`MM crash test seed: ${seed}`);
  const authorities = makeAuthorities({ candidates: k });
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-mm-crash-'));
  try {
    const initial: Exchange[] = [];
    const tags = new Set<string>();
    for (let p = 0; p < pseudonyms; p++) {
      const credential = await issueCredential(authorities, `mm-crash-${p}`, { random: seededRandom(`${seed}/${p}`) });
      tags.add(toBase64Url(credential.traceTag));
      // Two different requests for one pseudonym, on two sessions: at most one certificate.
      for (const variant of ['a', 'b']) {
        const clientId = `anon-${p}-${variant}`;
        const request = certificateRequest(provider, credential, { requestId: variant, clientId, nowMs, periodMs });
        initial.push({ key: `${p}/${variant}`, session: clientId, bytes: encodeMessage(request) });
      }
    }

    const answers = await runCrashRounds({
      random: seededRandom(`${seed}/kills`),
      killedRounds: 4,
      maxRoundMs: 300,
      start: (round) =>
        AuthorityChild.start(
          {
            kind: 'mm',
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
      followUp: () => undefined,
    });

    const certifiedTags = new Map<string, string>();
    for (let p = 0; p < pseudonyms; p++) {
      const certificates = ['a', 'b']
        .map((variant) => decodeMessage(answers.get(`${p}/${variant}`)!))
        .filter((decoded) => decoded.ok && decoded.value.type === 'certificate')
        .map((decoded) => (decoded as { value: MessageOf<'certificate'> }).value);
      assert.is(certificates.length, 1, `pseudonym ${p}: exactly one of its two requests got a certificate`);
      const [certificate] = certificates;
      assert.not.ok(certifiedTags.has(certificate!.traceTag), `pseudonym ${p}: its tag was certified once`);
      certifiedTags.set(certificate!.traceTag, certificate!.pseudonymPublicKey);
    }
    assert.equal(new Set(certifiedTags.keys()), tags);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
