/**
 * `gridbid genesis` writes a grid every part of the system can start from: the genesis document
 * passes the book's checks and names every key written; the cluster file runs the book from it;
 * each node config parses and points into the grid; each trustee's share matches its public
 * verification key (no dealer: the shares come from the key generation); secrets are 0600 in a
 * 0700 directory. Bad node configs are refused naming the field.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeCryptoProvider } from '../../../gateway/crypto/node-provider.js';
import { readP256Key, readRsaKey, readServiceAccount, readTrusteeKey } from '../../../gateway/grid/key-files.js';
import { makeGrid } from '../../../gateway/grid/make-grid.js';
import { parseNodeConfig, readNodeConfig } from '../../../gateway/grid/node-config.js';
import { readClusterFile, readPrivateKey, replicaKeyFile } from '../../../gateway/ledger/node/cluster-config.js';
import { readGenesis } from '../../../shared/book/genesis.js';
import { bytesEqual, fromBase64Url, toBase64Url } from '../../../shared/bytes.js';
import { encodePoint, generator, multiply, toAffine } from '../../../shared/crypto/p256.js';
import { GridbidError } from '../../../shared/errors.js';

const provider = createNodeCryptoProvider();

test('a grid: genesis, cluster, node configs and keys agree', () => {
  const directory = mkdtempSync(join(tmpdir(), 'gridbid-grid-'));
  try {
    const lines: string[] = [];
    const made = makeGrid(provider, {
      directory,
      gridId: 'test-grid',
      nodes: 4,
      host: '127.0.0.1',
      replicaBasePort: 7400,
      mqttBasePort: 7410,
      wsBasePort: 7420,
      trustees: 5,
      threshold: 3,
      operators: 1,
      genesisTimeMs: 1_900_000 * 900_000 + 123_456,
      mmNode: 1,
      onProgress: (line) => lines.push(line),
    });
    assert.ok(lines.some((line) => line.includes('key generation')));
    const rules = readGenesis(provider.sha256, JSON.parse(readFileSync(join(directory, 'genesis.json'), 'utf8')));
    assert.is(rules.genesis.timeMs, 1_900_000 * 900_000, 'aligned to its period');
    assert.equal([rules.tcKey.threshold, rules.tcKey.trustees], [3, 5]);

    const { config, keyDirectory } = readClusterFile(join(directory, 'cluster.json'));
    assert.equal(config.application, { kind: 'book', genesisFile: join(directory, 'genesis.json') });
    config.replicas.forEach((replica, i) => {
      assert.is(replica.port, 7400 + i);
      const key = readPrivateKey(replicaKeyFile(keyDirectory, i));
      assert.ok(bytesEqual(provider.p256PublicKey(key), replica.publicKey));
      assert.is(rules.genesis.replicaPublicKeys[i], toBase64Url(replica.publicKey));
    });

    const rm = readRsaKey(join(keyDirectory, 'rm.json'));
    assert.is(toBase64Url(fromBase64Url(rules.genesis.rmModulus)), rules.genesis.rmModulus);
    assert.is(rm.n, rules.rmKey.n);
    assert.ok(bytesEqual(provider.p256PublicKey(readP256Key(join(keyDirectory, 'mm.json'))), rules.mmPublicKey));
    assert.ok(
      bytesEqual(provider.p256PublicKey(readP256Key(made.operatorKeyFiles[0]!)), rules.operatorKeys[0]!),
      'operator key',
    );
    made.trusteeKeyFiles.forEach((file, i) => {
      const trustee = readTrusteeKey(file);
      assert.is(trustee.share.index, i + 1);
      const verification = encodePoint(toAffine(multiply(generator, trustee.share.secret)));
      assert.ok(bytesEqual(verification, rules.tcKey.verificationKeys[i]!), `trustee ${i + 1}'s share`);
      assert.ok(bytesEqual(provider.p256PublicKey(trustee.nodeKey), rules.trusteeKeys[i]!));
      assert.is(statSync(file).mode & 0o777, 0o600);
    });
    assert.is(statSync(keyDirectory).mode & 0o777, 0o700);

    const nodes = made.nodeConfigFiles.map(readNodeConfig);
    nodes.forEach((node, i) => {
      assert.is(node.index, i);
      assert.is(node.gridDirectory, directory);
      assert.equal(node.mqtt, { kind: 'embedded', host: '127.0.0.1', port: 7410 + i, wsPort: 7420 + i });
      assert.equal(node.authorities, { rm: 0, mm: 1 });
      for (const file of node.serviceAccountFiles) readServiceAccount(file);
    });
    // Every trustee is held by exactly one node.
    assert.equal(nodes.flatMap((node) => node.trusteeKeyFiles).sort(), [...made.trusteeKeyFiles].sort());
    assert.is(readServiceAccount(made.serviceAccountFiles.operator).role, 'operator');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('bad node configs are refused naming the field', () => {
  const good = {
    format: 'gridbid-node/1',
    grid: '..',
    index: 0,
    data: 'data',
    mqtt: { port: 1883 },
    authorities: { rm: 0, mm: 0 },
  };
  assert.is(parseNodeConfig(good, '/etc/gridbid/node.json').dataDirectory, '/etc/gridbid/data');
  const field = (value: unknown): string => {
    try {
      parseNodeConfig(value, '/x/node.json');
    } catch (error) {
      assert.instance(error, GridbidError);
      assert.is((error as GridbidError).code, 'BAD_INPUT');
      return (error as GridbidError).path;
    }
    throw new Error('accepted');
  };
  assert.is(field({ ...good, index: -1 }), 'index');
  assert.is(field({ ...good, mqtt: {} }), 'mqtt.port');
  assert.is(field({ ...good, mqtt: { external: 'mqtt://h:1884' } }), 'mqtt.account');
  assert.is(field({ ...good, mqtt: { external: 'http://h' } }), 'mqtt.external');
  assert.is(field({ ...good, trustees: [1, 1] }), 'trustees');
  assert.is(field({ ...good, colour: 'red' }), 'colour');
  assert.is(field({ ...good, format: 'other' }), 'format');
});

test.run();
