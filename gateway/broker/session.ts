/**
 * The kinds of MQTT session the gateway's broker admits, each with the identity its login
 * proved and the username that asks for it (DESIGN 7):
 *
 *   enrolling  `enrol:<meterId>`    a meter announcing its device key; the password is a signed
 *                                   `enrolment.request`, proving it holds the key
 *   meter      `meter:<meterId>`    an approved meter's identity session; the password is a
 *                                   `device.login` signed by its device key for this client id
 *   pseudonym  `pseudonym`          an anonymous session of pseudonym P for one period; the
 *                                   password is a `certificate.request` carrying RM's signature
 *   service    `service:<name>`     a configured account (another gateway, an operator, a trustee,
 *                                   a monitor) with a password whose SHA-256 the gateway holds
 *   public     `public` or none     anyone, with an empty password: reads public data only
 *
 * Passwords of the first three are the canonical bytes of the protocol message. A session's
 * identity never changes while it is connected.
 */

export type ServiceRole = 'gateway' | 'operator' | 'trustee' | 'monitor';

export const serviceRoles: readonly ServiceRole[] = ['gateway', 'operator', 'trustee', 'monitor'];

export type Session =
  | {
      readonly kind: 'enrolling';
      readonly meterId: string;
      /** SEC 1 uncompressed P-256 point, base64url, as in the enrolment request. */
      readonly devicePublicKey: string;
    }
  | { readonly kind: 'meter'; readonly meterId: string }
  | {
      readonly kind: 'pseudonym';
      /** base64url, as in the certificate request. */
      readonly pseudonymPublicKey: string;
      /** The pseudonym's topic id (`pseudonymTopicId`): the level of its topics. */
      readonly pid: string;
      readonly periodIndex: number;
    }
  | { readonly kind: 'service'; readonly name: string; readonly role: ServiceRole }
  | { readonly kind: 'public' };

export type SessionKind = Session['kind'];

export const sessionKinds: readonly SessionKind[] = ['enrolling', 'meter', 'pseudonym', 'service', 'public'];

/** What a username asks for, before the password is checked. */
export type LoginClaim =
  | { readonly kind: 'enrolling'; readonly meterId: string }
  | { readonly kind: 'meter'; readonly meterId: string }
  | { readonly kind: 'pseudonym' }
  | { readonly kind: 'service'; readonly name: string }
  | { readonly kind: 'public' };

/** The claim a username makes, or undefined for a username of no known form. */
export function parseUsername(username: string | undefined): LoginClaim | undefined {
  if (username === undefined || username === 'public') return { kind: 'public' };
  if (username === 'pseudonym') return { kind: 'pseudonym' };
  const colon = username.indexOf(':');
  if (colon <= 0) return undefined;
  const prefix = username.slice(0, colon);
  const rest = username.slice(colon + 1);
  if (rest === '') return undefined;
  switch (prefix) {
    case 'enrol':
      return { kind: 'enrolling', meterId: rest };
    case 'meter':
      return { kind: 'meter', meterId: rest };
    case 'service':
      return { kind: 'service', name: rest };
    default:
      return undefined;
  }
}

/**
 * Who a session speaks for, as one string: `meter:<id>`, `pseudonym:<pid>`, ... The broker
 * files each connection under this owner and its client id, so a client id can only take over
 * (MQTT-3.1.4-2) a connection of the same owner: a public client reusing a meter's client id
 * does not disconnect the meter.
 */
export function sessionOwner(session: Session): string {
  switch (session.kind) {
    case 'enrolling':
      return `enrol:${session.meterId}`;
    case 'meter':
      return `meter:${session.meterId}`;
    case 'pseudonym':
      return `pseudonym:${session.pid}`;
    case 'service':
      return `service:${session.name}`;
    case 'public':
      return 'public';
  }
}
