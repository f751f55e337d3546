/**
 * RM's and MM's LevelDB stores across a close and reopen: what was written reads back equal,
 * and the reopened authority answers as before. A stored value that is damaged (not JSON, the
 * wrong shape, not canonical, under another key) is a CORRUPT_RECORD error, never a TypeError,
 * and an endpoint answers it as INTERNAL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { certificateRequest } from '../../../firmware/core/pseudonym/credential.js';
import { IssuanceSession } from '../../../firmware/core/pseudonym/issuance-session.js';
import { LevelMmStore } from '../../../gateway/authorities/mm/level-mm-store.js';
import { MarketManager, defaultMmConfig } from '../../../gateway/authorities/mm/market-manager.js';
import { LevelRmStore } from '../../../gateway/authorities/rm/level-rm-store.js';
import { handleRmRequest } from '../../../gateway/authorities/rm/rm-endpoint.js';
import { limits } from '../../../shared/limits.js';
import { decodeMessage, encodeMessage } from '../../../shared/protocol/codec.js';
import { seededRandom } from '../../portable/seeded-random.js';
import { rejectionCode } from '../../support/async-error-code.js';
import {
  enrolMeter,
  issueCredential,
  makeAuthorities,
  makeRm,
  nowMs,
  periodIndex,
  periodMs,
  provider,
} from '../../support/authorities.js';

const k = limits.minCandidates;
const authorities = makeAuthorities({ candidates: k });

function withDirectory(body: (directory: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gridbid-reopen-'));
    try {
      await body(directory);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
}

async function putRaw(directory: string, key: string, value: string): Promise<void> {
  const db = new ClassicLevel<string, string>(directory, { valueEncoding: 'utf8' });
  await db.put(key, value);
  await db.close();
}

test(
  "RM's records read back equal after a reopen, and the reopened RM answers retries identically",
  withDirectory(async (directory) => {
    let store = await LevelRmStore.open(directory);
    const rm = makeRm(authorities, { store, random: seededRandom('reopen') });
    const identity = await enrolMeter(rm, 'reopen-meter');
    const meter = IssuanceSession.begin(provider, seededRandom('reopen-meter'), identity, authorities.keys, {
      requestId: 'r',
      periodIndex,
      candidates: k,
      timeMs: nowMs,
    });
    const challenge = await rm.commit(identity.meterId, meter.commit, nowMs);
    const opening = meter.open(challenge, nowMs);
    const reply = await rm.open(identity.meterId, opening, nowMs);
    const before = await rm.view();
    await store.close();

    store = await LevelRmStore.open(directory);
    const again = makeRm(authorities, { store, random: seededRandom('after') });
    assert.equal(await again.view(), before);
    assert.is(await store.meterCount(), 1);
    assert.equal(await again.commit(identity.meterId, meter.commit, nowMs), challenge);
    assert.equal(await again.open(identity.meterId, opening, nowMs), reply);
    meter.finalise(reply);
    await store.close();
  }),
);

test(
  'a damaged RM record is CORRUPT_RECORD, and the endpoint answers it as INTERNAL',
  withDirectory(async (directory) => {
    let store = await LevelRmStore.open(directory);
    const rm = makeRm(authorities, { store });
    const identity = await enrolMeter(rm, 'damaged');
    const meter = IssuanceSession.begin(provider, seededRandom('damaged'), identity, authorities.keys, {
      requestId: 'r',
      periodIndex,
      candidates: k,
      timeMs: nowMs,
    });
    await rm.commit(identity.meterId, meter.commit, nowMs);
    const session = (await store.session(identity.meterId, periodIndex))!;
    const meterRecord = (await store.meter(identity.meterId))!;
    await store.close();

    const sessionKey = `session/damaged/${String(periodIndex).padStart(9, '0')}`;
    const damages: [string, string][] = [
      ['meter/damaged', '{"meterId":'],
      ['meter/damaged', JSON.stringify({ ...meterRecord, status: 'trusted' })],
      ['meter/damaged', JSON.stringify({ ...meterRecord, flags: 'none' })],
      ['meter/damaged', JSON.stringify({ ...meterRecord, meterId: 'other' })],
      ['meter/damaged', ' ' + JSON.stringify(meterRecord)],
      [sessionKey, JSON.stringify({ ...session, commit: { type: 'issuance.commit' } })],
      [sessionKey, JSON.stringify({ ...session, outcome: { kind: 'signed', reply: null } })],
      [sessionKey, '[]'],
    ];
    for (const [key, value] of damages) {
      await putRaw(directory, key, value);
      store = await LevelRmStore.open(directory);
      const damaged = makeRm(authorities, { store });
      const code = key.startsWith('meter/')
        ? await rejectionCode(store.meter('damaged'))
        : await rejectionCode(store.session('damaged', periodIndex));
      assert.is(code, 'CORRUPT_RECORD', `${key} = ${value.slice(0, 60)}`);
      const answer = decodeMessage(
        await handleRmRequest(damaged, { meterId: 'damaged' }, encodeMessage(meter.commit), nowMs),
      );
      assert.ok(answer.ok && answer.value.type === 'error' && answer.value.code === 'INTERNAL', 'answered as INTERNAL');
      await store.close();
    }
  }),
);

test(
  "MM's certificates survive a reopen: the same request gets the same certificate, another is refused",
  withDirectory(async (directory) => {
    const newMm = (store: LevelMmStore) =>
      new MarketManager(provider, authorities.mmPrivateKey, authorities.keys.rmKey, defaultMmConfig(periodMs), store);
    let store = await LevelMmStore.open(directory);
    const credential = await issueCredential(authorities, 'mm-reopen');
    const request = certificateRequest(provider, credential, { requestId: 'a', clientId: 'anon', nowMs, periodMs });
    const certificate = await newMm(store).certify('anon', request, nowMs);
    await store.close();

    store = await LevelMmStore.open(directory);
    const mm = newMm(store);
    assert.equal(await mm.certificateOf(periodIndex, certificate.pseudonymPublicKey), certificate);
    assert.is(await store.certificateCount(periodIndex), 1);
    assert.equal(await mm.certify('anon', request, nowMs), certificate);
    const other = certificateRequest(provider, credential, { requestId: 'b', clientId: 'anon-2', nowMs, periodMs });
    assert.is(await rejectionCode(mm.certify('anon-2', other, nowMs)), 'ALREADY_CERTIFIED');
    // Forgetting ended periods removes the certificate and its tag, durably.
    await mm.prune(nowMs + 2 * periodMs);
    await store.close();
    store = await LevelMmStore.open(directory);
    assert.is(await newMm(store).certificateOf(periodIndex, certificate.pseudonymPublicKey), undefined);
    assert.is(await store.certificateCount(periodIndex), 0);
    await store.close();
  }),
);

test(
  'a damaged MM record is CORRUPT_RECORD',
  withDirectory(async (directory) => {
    let store = await LevelMmStore.open(directory);
    const credential = await issueCredential(authorities, 'mm-damaged');
    const mm = new MarketManager(
      provider,
      authorities.mmPrivateKey,
      authorities.keys.rmKey,
      defaultMmConfig(periodMs),
      store,
    );
    const request = certificateRequest(provider, credential, { requestId: 'a', clientId: 'anon', nowMs, periodMs });
    const certificate = await mm.certify('anon', request, nowMs);
    await store.close();
    const key = `certificate/${String(periodIndex).padStart(9, '0')}/${certificate.pseudonymPublicKey}`;
    for (const value of [
      'not json',
      '{}',
      JSON.stringify({ requestSig: request.sig, certificate: { ...certificate, sig: 1 }, traceTagCore: 'x' }),
    ]) {
      await putRaw(directory, key, value);
      store = await LevelMmStore.open(directory);
      assert.is(await rejectionCode(store.certificate(periodIndex, certificate.pseudonymPublicKey)), 'CORRUPT_RECORD');
      await store.close();
    }
  }),
);

test.run();
