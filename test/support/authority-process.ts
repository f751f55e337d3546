/**
 * RM or MM as a process of its own over a LevelDB directory, for the crash tests: started with
 * the path of a JSON setup file (see `AuthoritySetup`), it prints `{"ready":true}`, then reads
 * one request per stdin line (`{"id","session","bytes"}`, bytes base64url), handles requests
 * concurrently as a gateway would, and prints each reply (`{"id","reply"}`) once the authority
 * has answered it. The tests kill it with SIGKILL at any moment and start it again.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { handleMmRequest } from '../../gateway/authorities/mm/mm-endpoint.js';
import { LevelMmStore } from '../../gateway/authorities/mm/level-mm-store.js';
import { MarketManager, defaultMmConfig } from '../../gateway/authorities/mm/market-manager.js';
import { LevelRmStore } from '../../gateway/authorities/rm/level-rm-store.js';
import { handleRmRequest } from '../../gateway/authorities/rm/rm-endpoint.js';
import { fromBase64Url, toBase64Url } from '../../shared/bytes.js';
import { publicPart } from '../../shared/crypto/rsa-key.js';
import { seededRandom } from '../portable/seeded-random.js';
import { type AuthoritySetup, parseSetup } from './authority-setup.js';
import { makeRm, periodMs, provider } from './authorities.js';

async function main(): Promise<void> {
  const setup: AuthoritySetup = parseSetup(readFileSync(process.argv[2]!, 'utf8'));
  let handle: (session: string, bytes: Uint8Array) => Promise<Uint8Array>;
  if (setup.kind === 'rm') {
    const store = await LevelRmStore.open(setup.directory);
    const rm = makeRm(setup, {
      store,
      random: seededRandom(setup.seed),
      config: { candidates: setup.candidates },
    });
    handle = (meterId, bytes) => handleRmRequest(rm, { meterId }, bytes, setup.nowMs);
  } else {
    const store = await LevelMmStore.open(setup.directory);
    const mm = new MarketManager(
      provider,
      setup.mmPrivateKey,
      publicPart(setup.rmPrivateKey),
      defaultMmConfig(periodMs),
      store,
    );
    handle = (clientId, bytes) => handleMmRequest(mm, { clientId }, bytes, setup.nowMs);
  }
  process.stdout.write('{"ready":true}\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const { id, session, bytes } = JSON.parse(line) as { id: number; session: string; bytes: string };
    void handle(session, fromBase64Url(bytes)).then((reply) => {
      process.stdout.write(JSON.stringify({ id, reply: toBase64Url(reply) }) + '\n');
    });
  }
}

void main();
