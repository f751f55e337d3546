/**
 * Moddable's classic MQTT client (`modules/network/mqtt/mqtt.js`), which the SDK ships no typings
 * for. Only what the meter uses. QoS 0 only, MQTT 3.1.1 with the clean-session flag, no
 * reconnect. `user` and `password` may be strings (sent UTF-8) or ArrayBuffers (sent as they are,
 * so binary passwords work); each is length-prefixed with two bytes, so at most 65,535 bytes.
 */
declare module 'mqtt' {
  interface ClientOptions {
    host: string;
    port?: number;
    id?: string;
    user?: string | ArrayBuffer;
    password?: string | ArrayBuffer;
    /** Keep-alive in ms; pings every timeout / 4, fails after 1.5 × timeout of silence. 0: none. */
    timeout?: number;
    will?: { topic: string; message: string | ArrayBuffer; quality?: number; retain?: boolean };
    path?: string;
  }

  class Client {
    constructor(options: ClientOptions);
    /** CONNACK accepted. Called from a timer, never synchronously. */
    onReady?: () => void;
    onMessage?: (topic: string, body: ArrayBuffer) => void;
    /** The session failed or the broker closed it; not called by `close()`. */
    onClose?: () => void;
    publish(topic: string, data: string | ArrayBuffer, flags?: { retain?: boolean; quality?: number }): void;
    subscribe(topic: string): void;
    unsubscribe(topic: string): void;
    close(immediate?: boolean): void;
  }

  export { Client as default };
}
