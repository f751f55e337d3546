/**
 * PBFT signatures and reply authenticators: signatures cover every field but the signature and
 * the attachments, a signature of one message type never verifies as another, and a reply's
 * authenticator covers every field but itself.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Reply, SignedMessage } from '../../../../gateway/ledger/pbft/messages.js';
import { withoutAttachments } from '../../../../gateway/ledger/pbft/messages.js';
import { signPbft, verifyPbft } from '../../../../gateway/ledger/pbft/signing.js';
import { nodeProvider, replicaKeys, replyVerifier } from '../../../sim/keys.js';
import { messagesOfARun } from './harness.js';

const messages = messagesOfARun();

test('signatures cover every field but the signature and the attachments', () => {
  const keys = replicaKeys(4);
  for (const message of messages) {
    if (message.type === 'request' || message.type === 'block-vote' || message.type === 'reply') continue;
    const signed = message as SignedMessage;
    const key = keys.publicKeys[signed.replica]!;
    assert.ok(verifyPbft(nodeProvider, key, signed), `${signed.type} verifies`);
    assert.ok(verifyPbft(nodeProvider, key, withoutAttachments(signed)), `${signed.type} verifies without attachments`);
    const changed = { ...signed, replica: (signed.replica + 1) % 4 } as SignedMessage;
    assert.not.ok(verifyPbft(nodeProvider, key, changed), `${signed.type} with another sender field`);
  }
});

test('a signature of one message type does not verify as another', () => {
  const keys = replicaKeys(4);
  const fields = { view: 0, seq: 1, digest: 'A'.repeat(43), replica: 1 };
  const prepare = signPbft(nodeProvider, keys.privateKeys[1]!, { type: 'prepare', ...fields });
  assert.not.ok(verifyPbft(nodeProvider, keys.publicKeys[1]!, { ...prepare, type: 'commit' } as SignedMessage));
});

test('the authenticator of a reply covers every field but itself', () => {
  const verify = replyVerifier(nodeProvider, replicaKeys(4).publicKeys);
  const reply = messages.find((message): message is Reply => message.type === 'reply');
  assert.ok(reply !== undefined);
  assert.ok(verify(reply, reply.replica));
  const changes: Partial<Reply>[] = [
    { view: reply.view + 1 },
    { clientId: `${reply.clientId}x` },
    { requestSeq: reply.requestSeq + 1 },
    { result: `${reply.result}A` },
  ];
  for (const change of changes) assert.not.ok(verify({ ...reply, ...change }, reply.replica), JSON.stringify(change));
  const other = (reply.replica + 1) % 4;
  assert.not.ok(verify({ ...reply, replica: other }, other), 'another sender');
});

test.run();
