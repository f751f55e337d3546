/**
 * The ECMA-419 pulse counter (`embedded:io/pulsecount`, ESP32; the SDK types it) and the
 * PZEM-004T energy monitor driver (`embedded:sensor/Energy/PZEM004T`, untyped in the SDK), as the
 * meter uses them.
 */
declare module 'embedded:io/pulsecount' {
  class PulseCount {
    constructor(options: { signal: number; control?: number; onReadable?: () => void });
    read(): number;
    write(count: number): void;
    close(): void;
  }
  export { PulseCount as default };
}

declare module 'embedded:io/serial' {
  class Serial {
    constructor(options: Record<string, unknown>);
  }
  export { Serial as default };
}

declare module 'embedded:sensor/Energy/PZEM004T' {
  interface PzemSample {
    /** V */
    readonly voltage: number;
    /** A */
    readonly current: number;
    /** W, unsigned: the PZEM-004T cannot tell the direction of flow. */
    readonly power: number;
    /** Wh since the counter was last reset, unsigned. */
    readonly energy: number;
    readonly frequency: number;
    readonly powerFactor: number;
    readonly alarmStatus: boolean;
  }
  class PZEM004T {
    constructor(options: { sensor: { io: unknown; port?: number; receive?: number; transmit?: number } });
    sample(callback: (error: Error | null, sample?: PzemSample) => void): void;
    close(): void;
  }
  export { PZEM004T as default };
}
