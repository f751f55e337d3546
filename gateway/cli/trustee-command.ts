/**
 * `gridbid trustee list|approve`: a trustee's view of the open disputes and its approval of one:
 * it checks the dispute and the respondent's certificate (MM's signature, the tag's label) with
 * its own key share and posts the decryption share as a ledger command. The share never leaves
 * this machine; t shares on the ledger trace the meter.
 */
import { join } from 'node:path';
import { encodeMessage } from '../../shared/protocol/codec.js';
import { GridbidError } from '../../shared/errors.js';
import { Trustee } from '../authorities/tc/trustee.js';
import { readTrusteeKey } from '../grid/key-files.js';
import type { DisputeView } from '../node/operator-views.js';
import { type Command, integerFlag, stringFlag } from './command.js';
import { describeResult, openGatewaySession, provider } from './gateway-session.js';
import { gridTimeMs } from '../../shared/time/grid-clock.js';

export const trusteeCommand: Command = {
  name: 'trustee',
  summary: 'list open disputes; approve tracing one with your key share (a ledger command)',
  usage: `gridbid trustee list                              [--grid <dir>]
gridbid trustee approve <disputeId> --trustee <i> [--grid <dir>]
  --grid <dir>        the grid directory (default .)
  --node <i>          the gateway to talk to (default 0)
  --account <file>    service account (default <grid>/keys/service-trustee.json)
  --trustee <i>       your trustee number; your key is <grid>/keys/trustee-<i>.json unless --key
  --key <file>        your trustee key file`,
  flags: {
    grid: { type: 'string' },
    node: { type: 'string' },
    account: { type: 'string' },
    trustee: { type: 'string' },
    key: { type: 'string' },
  },
  async run(values, positionals, io) {
    const [action, disputeId] = positionals;
    if (action !== 'list' && action !== 'approve')
      throw new GridbidError('BAD_INPUT', 'trustee takes list or approve <disputeId>');
    if (action === 'approve' && disputeId === undefined)
      throw new GridbidError('BAD_INPUT', 'trustee approve needs a dispute id');
    const grid = stringFlag(values, 'grid', '.');
    const session = await openGatewaySession({
      gridDirectory: grid,
      node: integerFlag(values, 'node', 0, 0, 1_000),
      accountFile: stringFlag(values, 'account', join(grid, 'keys', 'service-trustee.json')),
    });
    try {
      const listed = await session.retained(session.topics.operatorDisputes());
      const disputes = listed === undefined ? [] : (JSON.parse(listed) as DisputeView[]);
      if (action === 'list') {
        io.out(`${'dispute'.padEnd(40)} ${'kind'.padEnd(13)} ${'period'.padEnd(9)} shares`);
        for (const dispute of disputes) {
          io.out(
            `${dispute.disputeId.padEnd(40)} ${dispute.kind.padEnd(13)} ${String(dispute.periodIndex).padEnd(9)} ${dispute.sharesFrom.join(',') || '-'}`,
          );
        }
        if (disputes.length === 0) io.out('no open disputes');
        return 0;
      }
      const dispute = disputes.find((entry) => entry.disputeId === disputeId);
      if (dispute === undefined)
        throw new GridbidError('NO_DISPUTE', `${disputeId} is not an open dispute on the ledger`);
      const index = integerFlag(values, 'trustee', 0, 1, 32);
      if (index === 0) throw new GridbidError('BAD_INPUT', '--trustee is required', 'trustee');
      const key = readTrusteeKey(stringFlag(values, 'key', join(grid, 'keys', `trustee-${index}.json`)));
      const { rules } = session;
      const trustee = new Trustee(
        provider,
        provider.randomBytes,
        rules.tcKey,
        key.share,
        key.nodeKey,
        rules.mmPublicKey,
        {
          dispute: (id) =>
            id === dispute.disputeId
              ? { disputeId: id, pseudonymPublicKey: dispute.respondent, periodIndex: dispute.periodIndex }
              : undefined,
          certificate: (periodIndex, pseudonym) =>
            dispute.certificate !== null &&
            dispute.certificate.periodIndex === periodIndex &&
            dispute.certificate.pseudonymPublicKey === pseudonym
              ? dispute.certificate
              : undefined,
        },
      );
      const result = await session.submit(
        encodeMessage(trustee.approve(dispute.disputeId, gridTimeMs(rules.genesis, Date.now()))),
      );
      io.out(`trustee ${index} on ${dispute.disputeId}: ${describeResult(result)}`);
      if (result.type === 'book.result' && result.meterId !== undefined) {
        io.out(`traced: meter ${result.meterId} (trustees ${result.trusteeIndices?.join(', ')})`);
      }
      return result.type === 'book.result' && result.outcome === 'accepted' ? 0 : 1;
    } finally {
      await session.close();
    }
  },
};
