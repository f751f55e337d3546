/**
 * `gridbid enroll list|approve|ban`: an operator's view of the meters RM knows and its decisions,
 * which are ledger commands signed with the operator's key (`operator.enrolment`), so every
 * gateway admits an approved meter's device logins and refuses a banned one's.
 */
import { join } from 'node:path';
import { encodeMessage } from '../../shared/protocol/codec.js';
import { signMessage } from '../../shared/protocol/signing.js';
import { GridbidError } from '../../shared/errors.js';
import { readP256Key } from '../grid/key-files.js';
import { readNodeConfig } from '../grid/node-config.js';
import type { EnrolmentsView } from '../node/operator-views.js';
import { type Command, integerFlag, stringFlag } from './command.js';
import { describeResult, openGatewaySession, provider } from './gateway-session.js';
import { gridTimeMs } from '../../shared/time/grid-clock.js';

export const enrollCommand: Command = {
  name: 'enroll',
  summary: 'list meters and their fingerprints; approve or ban one (a ledger command)',
  usage: `gridbid enroll list                      [--grid <dir>]
gridbid enroll approve <meterId> [--fingerprint <16 hex>] [--grid <dir>]
gridbid enroll ban <meterId>                [--grid <dir>]
  --grid <dir>            the grid directory (default .)
  --node <i>              the gateway to talk to (default: the node hosting RM)
  --account <file>        service account (default <grid>/keys/service-operator.json)
  --operator-key <file>   key to sign with (default <grid>/keys/operator-0.json)
  --operator-index <k>    that key's index in the genesis (default 0)
  --fingerprint <hex>     approve only if the meter shows this fingerprint (compare its console)`,
  flags: {
    grid: { type: 'string' },
    node: { type: 'string' },
    account: { type: 'string' },
    'operator-key': { type: 'string' },
    'operator-index': { type: 'string' },
    fingerprint: { type: 'string' },
  },
  async run(values, positionals, io) {
    const [action, meterId] = positionals;
    if (action !== 'list' && action !== 'approve' && action !== 'ban') {
      throw new GridbidError('BAD_INPUT', 'enroll takes list, approve <meterId> or ban <meterId>');
    }
    if (action !== 'list' && meterId === undefined)
      throw new GridbidError('BAD_INPUT', `enroll ${action} needs a meter id`);
    const grid = stringFlag(values, 'grid', '.');
    const rmNode = readNodeConfig(join(grid, 'nodes', 'node-0.json')).authorities.rm;
    const session = await openGatewaySession({
      gridDirectory: grid,
      node: integerFlag(values, 'node', rmNode, 0, 1_000),
      accountFile: stringFlag(values, 'account', join(grid, 'keys', 'service-operator.json')),
    });
    try {
      const listed = await session.retained(session.topics.operatorEnrolments());
      const view: EnrolmentsView =
        listed === undefined ? { meters: [], omitted: 0 } : (JSON.parse(listed) as EnrolmentsView);
      if (action === 'list') {
        if (listed === undefined) io.out(`no enrolment list on ${session.url} (does this node host RM?)`);
        io.out(`${'meter'.padEnd(24)} ${'status'.padEnd(10)} fingerprint`);
        for (const meter of view.meters) {
          io.out(
            `${meter.meterId.padEnd(24)} ${meter.status.padEnd(10)} ${meter.fingerprint}${meter.suspension === null ? '' : `  (suspended: ${meter.suspension})`}`,
          );
        }
        if (view.omitted > 0) io.out(`... and ${view.omitted} more`);
        return 0;
      }
      const meter = view.meters.find((entry) => entry.meterId === meterId);
      if (meter === undefined)
        throw new GridbidError('NOT_ENROLLED', `${meterId} is not in RM's list: has it announced its key?`);
      const expected = values.fingerprint;
      if (typeof expected === 'string' && expected !== meter.fingerprint) {
        throw new GridbidError(
          'BAD_CREDENTIAL',
          `${meterId} shows ${meter.fingerprint}, not ${expected}: not approved`,
        );
      }
      const decision = signMessage(
        provider,
        readP256Key(stringFlag(values, 'operator-key', join(grid, 'keys', 'operator-0.json'))),
        {
          type: 'operator.enrolment',
          action,
          meterId: meter.meterId,
          devicePublicKey: meter.devicePublicKey,
          operatorIndex: integerFlag(values, 'operator-index', 0, 0, 63),
          timeMs: gridTimeMs(session.rules.genesis, Date.now()),
        },
      );
      const result = await session.submit(encodeMessage(decision));
      io.out(`${action} ${meter.meterId} (fingerprint ${meter.fingerprint}): ${describeResult(result)}`);
      return result.type === 'book.result' && result.outcome === 'accepted' ? 0 : 1;
    } finally {
      await session.close();
    }
  },
};
