/**
 * Blindness (RFC 9474 section 7.3, perfect blindness of RSA blinding): nothing RM stores or sees
 * contains the final pseudonym, trace tag or signature, and RM's view of two meters' sessions is
 * equally consistent with either assignment of the two final credentials.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Credential } from '../../../../firmware/core/pseudonym/credential.js';
import { IssuanceSession } from '../../../../firmware/core/pseudonym/issuance-session.js';
import { bytesToBigInt, fromBase64Url, toBase64Url, toHex } from '../../../../shared/bytes.js';
import { modInverse, modPow } from '../../../../shared/crypto/modular.js';
import { pssEncode } from '../../../../shared/crypto/pss.js';
import type { MessageOf } from '../../../../shared/protocol/messages.js';
import { preparedPseudonymMessage } from '../../../../shared/pseudonym/pseudonym-message.js';
import { traceTagCore } from '../../../../shared/pseudonym/trace-tag.js';
import { seededRandom } from '../../../portable/seeded-random.js';
import { enrolMeter, makeAuthorities, nowMs, periodIndex, provider } from '../../../support/authorities.js';

const { rm, keys, rmPrivateKey } = makeAuthorities({ candidates: 16 });
const random = seededRandom('blindness');

interface Run {
  readonly credential: Credential;
  readonly commit: MessageOf<'issuance.commit'>;
  readonly reply: MessageOf<'issuance.blindSignature'>;
  readonly opening: MessageOf<'issuance.opening'>;
}

async function issue(meterId: string): Promise<Run> {
  const identity = await enrolMeter(rm, meterId);
  const meter = IssuanceSession.begin(provider, random, identity, keys, {
    requestId: 'r',
    periodIndex,
    candidates: 16,
    timeMs: nowMs,
  });
  const challenge = await rm.commit(meterId, meter.commit, nowMs);
  const opening = meter.open(challenge, nowMs);
  const reply = await rm.open(meterId, opening, nowMs);
  return { credential: meter.finalise(reply), commit: meter.commit, reply, opening };
}

let runs: Awaited<ReturnType<typeof issue>>[] = [];
let viewText = '';
test.before(async () => {
  runs = [await issue('meter-a'), await issue('meter-b')];
  viewText = JSON.stringify(await rm.view(), (_key, value: unknown) =>
    value instanceof Uint8Array ? toBase64Url(value) : value,
  );
});

test('RM never saw the chosen candidate opened', () => {
  for (const run of runs) {
    assert.not.ok(run.opening.openings.some((o) => o.index === run.reply.chosenIndex));
  }
});

test("RM's stored view contains no final pseudonym, tag, signature or their hashes", () => {
  for (const { credential } of runs) {
    for (const value of [
      credential.pseudonymPublicKey,
      credential.traceTag,
      credential.rmSignature,
      credential.messagePrefix,
      provider.sha256.digest(credential.pseudonymPublicKey),
    ]) {
      assert.not.ok(viewText.includes(toBase64Url(value)), 'base64url form found in RM view');
      assert.not.ok(viewText.includes(toHex(value)), 'hex form found in RM view');
    }
  }
});

/** The PSS-encoded message a credential's signature is on, as an integer. */
function encodedMessage(credential: Credential): bigint {
  const input = preparedPseudonymMessage(
    credential.messagePrefix,
    credential.pseudonymPublicKey,
    traceTagCore(credential.traceTag),
    credential.periodIndex,
  );
  return bytesToBigInt(pssEncode(provider.sha384, input, new Uint8Array(0), keys.rmKey.modulusBits - 1));
}

test('each session is consistent with each final credential: a blinding factor explains both pairings', () => {
  const { n, e, d } = rmPrivateKey;
  for (const session of runs) {
    const blinded = bytesToBigInt(fromBase64Url(session.commit.blindedMessages[session.reply.chosenIndex]!));
    const blindSignature = bytesToBigInt(fromBase64Url(session.reply.blindSignature));
    for (const { credential } of runs) {
      const m = encodedMessage(credential);
      // The unique r' with m * r'^e = blinded: RSA is a permutation, so it exists for any pairing.
      const r = modPow((blinded * modInverse(m, n)) % n, d, n);
      assert.is((m * modPow(r, e, n)) % n, blinded, 'blinded value explained');
      const signature = bytesToBigInt(credential.rmSignature);
      assert.is((signature * r) % n, blindSignature, 'blind signature explained');
    }
  }
});

test('the two credentials differ and both verify: the check above is not vacuous', () => {
  const [a, b] = runs.map((run) => run.credential);
  assert.not.equal(toHex(a!.pseudonymPublicKey), toHex(b!.pseudonymPublicKey));
  assert.not.equal(encodedMessage(a!), encodedMessage(b!));
});

test.run();
