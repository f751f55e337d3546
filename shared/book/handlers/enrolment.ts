/**
 * `operator.enrolment`: an operator approves a meter's device key, or bans the meter. Checked:
 * the operator index names a genesis operator key, which signed; the device key is a P-256
 * point. An approval is refused for a banned meter, and for a meter approved with another key;
 * a ban is final, and refused when it names another key than the meter's. The same decision
 * again changes nothing (a retry).
 */
import { fromBase64Url } from '../../bytes.js';
import { decodePoint } from '../../crypto/p256.js';
import { isGridbidError } from '../../errors.js';
import { limits } from '../../limits.js';
import type { MessageOf } from '../../protocol/messages.js';
import { verifyMessageSignature } from '../../protocol/signing.js';
import { type CommandContext, type Outcome, accept, refuse } from '../command.js';

export function handleEnrolment(context: CommandContext, command: MessageOf<'operator.enrolment'>): Outcome {
  const { rules, store } = context;
  const operatorKey = rules.operatorKeys[command.operatorIndex];
  if (operatorKey === undefined) return refuse('UNKNOWN_SIGNER', `there is no operator ${command.operatorIndex}`);
  if (!verifyMessageSignature(context.provider, operatorKey, command)) {
    return refuse('BAD_SIGNATURE', `not signed by operator ${command.operatorIndex}`);
  }
  try {
    decodePoint(fromBase64Url(command.devicePublicKey));
  } catch (error) {
    if (!isGridbidError(error)) throw error;
    return refuse('BAD_KEY', 'the device key is not a P-256 point');
  }
  const known = store.meter(command.meterId);
  const status = command.action === 'approve' ? 'approved' : 'banned';
  if (known !== undefined) {
    if (known.status === 'banned') {
      return known.devicePublicKey === command.devicePublicKey && status === 'banned'
        ? accept()
        : refuse('BANNED', `meter ${command.meterId} is banned`);
    }
    if (known.devicePublicKey !== command.devicePublicKey) {
      return status === 'approved'
        ? refuse('ALREADY_ENROLLED', `meter ${command.meterId} is approved with another device key`)
        : refuse('BAD_KEY', `meter ${command.meterId} has another device key`);
    }
    if (status === 'approved') return accept();
  } else if (store.meterCount >= limits.maxMeters) {
    return refuse('LIMIT_REACHED', `the book holds ${limits.maxMeters} meters`);
  }
  store.setMeter({ meterId: command.meterId, devicePublicKey: command.devicePublicKey, status });
  return accept();
}
