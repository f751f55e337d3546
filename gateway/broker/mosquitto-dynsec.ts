/**
 * Mosquitto's dynamic-security plugin as the gateway administers it: JSON commands published to
 * `$CONTROL/dynamic-security/v1`, answers on `.../response` matched by correlation data, a
 * refusal or a missing answer a BROKER_COMMAND_FAILED error naming the command. And the roles
 * that reproduce the embedded broker's ACL (acl.ts) on Mosquitto, for the grid root R:
 *
 *   default         every publish, delivery and subscription denied (unsubscribe allowed)
 *   R.gateway       publish, receive and subscribe anything under R/ (the gateway's own account)
 *   R.public        subscribe and receive R/market/#, R/chain/#, R/node/# (anonymous clients,
 *                   monitors; every other role below has it too)
 *   R.commands      publish R/operator/commands; subscribe and receive R/operator/results
 *                   (operator and trustee accounts)
 *   R.registration  publish R/register/+; subscribe and receive R/register/+/reply (the shared
 *                   `register` account: replies are sealed, see registration-seal.ts)
 *   R.meter.<id>    publish R/meter/<id>/enrol and R/meter/<id>/rm; subscribe and receive
 *                   R/meter/<id>/inbox
 *   R.pseudonym.<pid>  publish R/pseudonym/<pid>/mm and .../ledger; subscribe and receive
 *                   R/pseudonym/<pid>/inbox
 *
 * Mosquitto matches a subscription against a `subscribePattern` ACL as a topic, so `+` or `#`
 * in a client's filter matches only a `+` or `#` of the ACL at the same place: `R/#`, `#` and
 * `R/+/trades` are refused to the public as the embedded ACL refuses them. Mosquitto 2.0's
 * plugin does not substitute `%c` or `%u` in ACLs, so every identity has a role of its own.
 * Identity and registration accounts are created by external-broker.ts; clients never retain
 * (the gateway drops and clears any retained request it receives).
 */
import type { MqttClient } from 'mqtt';
import { GridbidError } from '../../shared/errors.js';
import { limits } from '../../shared/limits.js';
import type { GridTopics } from '../../shared/protocol/topics.js';
import type { ServiceRole } from './session.js';

export const controlTopic = '$CONTROL/dynamic-security/v1';
export const responseTopic = `${controlTopic}/response`;

/** The shared account anonymous registrants log in with: its password is public on purpose. */
export const registrationAccount = { username: 'register', password: 'register' } as const;

export type AclType = 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern';

export interface Acl {
  readonly acltype: AclType;
  readonly topic: string;
  readonly allow: boolean;
}

export interface DynsecCommand {
  readonly command: string;
  readonly [field: string]: unknown;
}

export interface DynsecResponse {
  readonly command: string;
  readonly error?: string;
  readonly data?: unknown;
  readonly correlationData?: string;
}

/** Errors a caller expects and passes over: an object already there, or already gone. */
export const alreadyThere = /already exists/i;
export const alreadyGone = /not found/i;

export class DynsecAdmin {
  private readonly pending = new Map<
    string,
    { resolve: (response: DynsecResponse) => void; timer: NodeJS.Timeout; command: string }
  >();
  private next = 0;
  private readonly prefix = Math.random().toString(36).slice(2, 10);
  private readonly onMessage = (topic: string, payload: Buffer) => {
    if (topic === responseTopic) this.answer(payload);
  };

  /** `client` must be subscribed to `responseTopic` (or be about to be, before the first command). */
  constructor(private readonly client: MqttClient) {
    client.on('message', this.onMessage);
  }

  /**
   * Sends `commands` in one message and resolves with their responses in order. A command whose
   * error matches none of `tolerated` rejects the whole call with BROKER_COMMAND_FAILED.
   */
  async execute(commands: readonly DynsecCommand[], tolerated: readonly RegExp[] = []): Promise<DynsecResponse[]> {
    if (commands.length === 0) return [];
    const tagged = commands.map((command) => ({ ...command, correlationData: `${this.prefix}-${this.next++}` }));
    const answers = tagged.map(
      (command) =>
        new Promise<DynsecResponse>((resolve) => {
          const timer = setTimeout(() => {
            this.pending.delete(command.correlationData);
            resolve({ command: command.command, error: 'no answer from the broker' });
          }, limits.brokerCommandTimeoutMs);
          this.pending.set(command.correlationData, { resolve, timer, command: command.command });
        }),
    );
    try {
      await this.client.publishAsync(controlTopic, JSON.stringify({ commands: tagged }), { qos: 1 });
    } catch (error) {
      this.cancel(tagged.map((command) => command.correlationData));
      throw new GridbidError(
        'BROKER_COMMAND_FAILED',
        `could not send ${commands[0]!.command}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const responses = await Promise.all(answers);
    const failed = responses.find(
      (response) => response.error !== undefined && !tolerated.some((pattern) => pattern.test(response.error!)),
    );
    if (failed !== undefined) {
      throw new GridbidError('BROKER_COMMAND_FAILED', `${failed.command}: ${failed.error}`);
    }
    return responses;
  }

  /** Stops listening; pending commands resolve as unanswered. */
  close(): void {
    this.client.off('message', this.onMessage);
    this.cancel([...this.pending.keys()]);
  }

  private cancel(keys: readonly string[]): void {
    for (const key of keys) {
      const entry = this.pending.get(key);
      if (entry === undefined) continue;
      clearTimeout(entry.timer);
      this.pending.delete(key);
      entry.resolve({ command: entry.command, error: 'cancelled' });
    }
  }

  private answer(payload: Buffer): void {
    let responses: unknown;
    try {
      responses = (JSON.parse(payload.toString('utf8')) as { responses?: unknown }).responses;
    } catch {
      return;
    }
    if (!Array.isArray(responses)) return;
    for (const response of responses as DynsecResponse[]) {
      const key = typeof response?.correlationData === 'string' ? response.correlationData : undefined;
      const entry = key === undefined ? undefined : this.pending.get(key);
      if (entry === undefined || key === undefined) continue;
      clearTimeout(entry.timer);
      this.pending.delete(key);
      entry.resolve(response);
    }
  }
}

const allow = (acltype: AclType, topic: string): Acl => ({ acltype, topic, allow: true });

/** Subscribe to a filter and receive what it matches. */
function reading(filter: string, literal: boolean): Acl[] {
  return [allow(literal ? 'subscribeLiteral' : 'subscribePattern', filter), allow('publishClientReceive', filter)];
}

/** Role names and their ACLs for one grid. */
export class GridRoles {
  constructor(readonly topics: GridTopics) {}

  name(kind: 'gateway' | 'public' | 'commands' | 'registration'): string {
    return `${this.topics.gridId}.${kind}`;
  }

  meterRoleName(meterId: string): string {
    return `${this.topics.gridId}.meter.${meterId}`;
  }

  pseudonymRoleName(pid: string): string {
    return `${this.topics.gridId}.pseudonym.${pid}`;
  }

  anonymousGroup(): string {
    return `${this.topics.gridId}.anonymous`;
  }

  acls(kind: 'gateway' | 'public' | 'commands' | 'registration'): Acl[] {
    const { root } = this.topics;
    switch (kind) {
      case 'gateway':
        return [allow('publishClientSend', `${root}/#`), ...reading(`${root}/#`, false)];
      case 'public':
        return this.topics.publicFilters().flatMap((filter) => reading(filter, false));
      case 'commands':
        return [
          allow('publishClientSend', this.topics.operatorCommands()),
          ...reading(this.topics.operatorResults(), true),
        ];
      case 'registration':
        return [allow('publishClientSend', `${root}/register/+`), ...reading(`${root}/register/+/reply`, false)];
    }
  }

  meterAcls(meterId: string): Acl[] {
    return [
      allow('publishClientSend', this.topics.meter(meterId, 'enrol')),
      allow('publishClientSend', this.topics.meter(meterId, 'rm')),
      ...reading(this.topics.meter(meterId, 'inbox'), true),
    ];
  }

  pseudonymAcls(pid: string): Acl[] {
    return [
      allow('publishClientSend', this.topics.pseudonym(pid, 'mm')),
      allow('publishClientSend', this.topics.pseudonym(pid, 'ledger')),
      ...reading(this.topics.pseudonym(pid, 'inbox'), true),
    ];
  }

  /** The roles of a service account of `role`. */
  serviceRoles(role: ServiceRole): string[] {
    switch (role) {
      case 'gateway':
        return [this.name('gateway')];
      case 'operator':
      case 'trustee':
        return [this.name('commands'), this.name('public')];
      case 'monitor':
        return [this.name('public')];
    }
  }
}

/** The commands that give `username` (a new account) `roles` and, if given, a fixed client id. */
export function createClientCommand(
  username: string,
  password: string,
  roles: readonly string[],
  clientId?: string,
): DynsecCommand {
  return {
    command: 'createClient',
    username,
    password,
    ...(clientId === undefined ? {} : { clientid: clientId }),
    roles: roles.map((rolename) => ({ rolename })),
  };
}

export function createRoleCommand(rolename: string, acls: readonly Acl[]): DynsecCommand {
  return { command: 'createRole', rolename, acls };
}

/** Everything denied unless a role allows it; unsubscribing is always allowed. */
export const defaultDenyCommand: DynsecCommand = {
  command: 'setDefaultACLAccess',
  acls: [
    { acltype: 'publishClientSend', allow: false },
    { acltype: 'publishClientReceive', allow: false },
    { acltype: 'subscribe', allow: false },
    { acltype: 'unsubscribe', allow: true },
  ],
};
