/**
 * The cluster file's `application` field: absent or `digest-log` runs the placeholder; `book`
 * needs a genesis file, read relative to the cluster file, and runs the book of record with its
 * precheck in the request policy; anything else is refused with BAD_INPUT naming the field.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterToJson, parseCluster, readClusterFile } from '../../../../gateway/ledger/node/cluster-config.js';
import { DigestLogApp } from '../../../../gateway/ledger/node/digest-log-app.js';
import { nodeApplication } from '../../../../gateway/ledger/node/node-application.js';
import { BookOfRecord } from '../../../../shared/book/book.js';
import { toBase64Url } from '../../../../shared/bytes.js';
import { encodeMessage } from '../../../../shared/protocol/codec.js';
import { GridbidError } from '../../../../shared/errors.js';
import type { Request } from '../../../../gateway/ledger/pbft/messages.js';
import { genesis, order, provider, pseudonym } from '../../../shared/book/world.js';

const base = {
  format: 'gridbid-pbft-cluster/1',
  genesisTimeMs: 0,
  replicas: Array.from({ length: 4 }, (_, i) => ({ host: '127.0.0.1', port: 7001 + i, publicKey: 'A'.repeat(87) })),
  clients: [],
};

function refusal(value: unknown): { code: string; field: string | undefined } {
  try {
    parseCluster(value);
  } catch (error) {
    if (error instanceof GridbidError) return { code: error.code, field: error.path };
    throw error;
  }
  throw new Error('accepted');
}

function requestOf(payload: Uint8Array): Request {
  return { payload: toBase64Url(payload) } as unknown as Request;
}

test('absent or digest-log: the placeholder, with no precheck', () => {
  for (const value of [base, { ...base, application: { kind: 'digest-log' } }]) {
    const chosen = nodeApplication(parseCluster(value), provider);
    assert.ok(chosen.application instanceof DigestLogApp);
    assert.is(chosen.precheck, undefined);
  }
});

test('a book without a genesis file, or an unknown kind, is refused naming the field', () => {
  assert.equal(refusal({ ...base, application: { kind: 'book' } }), {
    code: 'BAD_INPUT',
    field: 'application.genesisFile',
  });
  const unknown = refusal({ ...base, application: { kind: 'ledger' } });
  assert.ok(unknown.field?.startsWith('application'), `field ${unknown.field}`);
});

test('book: the genesis file is read relative to the cluster file; the precheck passes signed orders only', () => {
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-node-app-'));
  try {
    mkdirSync(join(directory, 'grid'));
    writeFileSync(join(directory, 'grid', 'genesis.json'), JSON.stringify(genesis));
    const clusterFile = join(directory, 'cluster.json');
    writeFileSync(
      clusterFile,
      JSON.stringify({ ...base, application: { kind: 'book', genesisFile: 'grid/genesis.json' } }),
    );
    const { config } = readClusterFile(clusterFile);
    assert.equal(config.application, { kind: 'book', genesisFile: join(directory, 'grid', 'genesis.json') });
    assert.equal(parseCluster(clusterToJson(config)), config, 'round-trips');
    const chosen = nodeApplication(config, provider);
    assert.ok(chosen.application instanceof BookOfRecord);
    const precheck = chosen.precheck!;
    const seller = pseudonym('m-s')!;
    const signed = order(seller, 'sell', 100, 100, 's1');
    assert.ok(precheck(requestOf(encodeMessage(signed))));
    const forged = { ...signed, energyWh: 101 };
    assert.not.ok(precheck(requestOf(encodeMessage(forged))));
    assert.not.ok(precheck(requestOf(new TextEncoder().encode('{"type":"order"'))));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
