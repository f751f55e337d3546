/**
 * What the gateway node needs of an MQTT broker, whichever it is: the embedded one
 * (embedded-broker.ts, which logs every session in itself) or an external one the gateway
 * administers (external-broker.ts, Mosquitto with its dynamic-security plugin).
 *
 *   publish     sends as the gateway (no topic rules apply to it); retained if asked
 *   onPublish   every authorized client publish, with the session it speaks for
 *   sessions    client sessions by kind (for the node's status)
 *   revokeMeter a meter was banned: it must lose its identity sessions' access
 *   close       closes the broker (embedded) or the gateway's connection to it (external)
 */
import type { Session, SessionKind } from './session.js';

/**
 * `clientId` is the publisher's MQTT client id: MM binds an anonymous session's request to it.
 * `reply`, when given, is where the answer to this publish must go instead of the requester's
 * own topic (a registrant of an external broker has no topic of its own yet).
 */
export type PublishListener = (
  session: Session,
  topic: string,
  payload: Uint8Array,
  clientId: string,
  reply?: (answer: Uint8Array) => void,
) => void;

export interface PublishOptions {
  readonly retain?: boolean;
  readonly qos?: 0 | 1;
}

export interface GatewayBroker {
  publish(topic: string, payload: Uint8Array | string, options?: PublishOptions): Promise<void>;
  /** Calls `listener` with every authorized client publish; returns the function that stops it. */
  onPublish(listener: PublishListener): () => void;
  sessions(): Record<SessionKind, number>;
  revokeMeter(meterId: string): Promise<void>;
  close(): Promise<void>;
}
