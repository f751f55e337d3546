/**
 * A gateway's ledger client as a process of its own, for tests that kill it with SIGKILL:
 *
 *   node --import tsx test/support/ledger-client-process.ts <cluster file> <client index> <state directory> <payload file>
 *
 * Submits the payloads of the file (a JSON array of base64url strings) one after the other and
 * prints one line per result: {"requestSeq": <n>}.
 */
import { readFileSync } from 'node:fs';
import { fromBase64Url } from '../../shared/bytes.js';
import { clientKeyFile, readClusterFile, readPrivateKey } from '../../gateway/ledger/node/cluster-config.js';
import { LedgerClient } from '../../gateway/ledger/node/ledger-client.js';

async function main(argv: readonly string[]): Promise<void> {
  const [clusterFile, index, stateDirectory, payloadFile] = argv;
  const { config, keyDirectory } = readClusterFile(clusterFile!);
  const clientIndex = Number(index);
  const client = await LedgerClient.connect({
    cluster: config,
    clientIndex,
    privateKey: readPrivateKey(clientKeyFile(keyDirectory, clientIndex)),
    stateDirectory: stateDirectory!,
    lanes: 1,
    seqReserve: 2,
  });
  const payloads = (JSON.parse(readFileSync(payloadFile!, 'utf8')) as string[]).map(fromBase64Url);
  for (const payload of payloads) {
    const outcome = await client.submitTracked(payload);
    process.stdout.write(JSON.stringify({ requestSeq: outcome.requestSeq }) + '\n');
  }
  await client.close();
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
