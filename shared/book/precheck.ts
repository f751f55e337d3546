/**
 * The signatures of a command, checked with no book state: every key is in the command (a
 * pseudonym) or in the genesis document (MM, operators, trustees). A replica runs this when it
 * accepts a PRE-PREPARE, through the same `SignatureChecks` its book executes with, so the
 * valid signatures are remembered and execution does not verify them again.
 */
import { fromBase64Url } from '../bytes.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { isGridbidError } from '../errors.js';
import { decodeMessage } from '../protocol/codec.js';
import type { MessageType } from '../protocol/messages.js';
import { type SignatureField, verifyMessageSignature } from '../protocol/signing.js';
import { isCommand } from './command.js';
import type { GridRules } from './genesis.js';

/**
 * True when the payload is a book command whose signatures all hold. False says only that this
 * check failed: executing the command records its refusal with a code, which is what a replica
 * should do with it unless its policy drops such requests before ordering.
 */
export function precheckCommand(provider: CryptoProvider, rules: GridRules, payload: Uint8Array): boolean {
  const decoded = decodeMessage(payload);
  if (!decoded.ok || !isCommand(decoded.value)) return false;
  const command = decoded.value;
  const signed = (key: string | Uint8Array | undefined, field: SignatureField = 'sig'): boolean => {
    if (key === undefined) return false;
    try {
      const publicKey = typeof key === 'string' ? fromBase64Url(key) : key;
      return verifyMessageSignature(provider, publicKey, command as { type: MessageType }, field);
    } catch (error) {
      if (!isGridbidError(error)) throw error;
      return false;
    }
  };
  switch (command.type) {
    case 'operator.enrolment':
      return signed(rules.operatorKeys[command.operatorIndex]);
    case 'certificate':
      return signed(rules.mmPublicKey);
    case 'order':
    case 'cancel':
    case 'delivery.report':
      return signed(command.pseudonymPublicKey);
    case 'bill':
      return signed(command.sellerPseudonym);
    case 'transaction.record':
      // The buyer's payment carries no seller's signature yet.
      return (
        signed(command.buyerPseudonym, 'buyerSig') &&
        (command.sellerSig === undefined || signed(command.sellerPseudonym, 'sellerSig'))
      );
    case 'dispute':
      return signed(command.claimantPseudonym);
    case 'trustee.share':
      return signed(rules.trusteeKeys[command.trusteeIndex - 1]);
    case 'tick':
      return true;
  }
}
