/**
 * Moddable's `timer` module. The SDK types it in its `typings/`; this copy lets the firmware
 * typecheck without the SDK installed (the manifest builds a bundle, not these sources).
 */
declare module 'timer' {
  class Timer {
    private constructor();
    static set(callback: (timer: Timer) => void, interval?: number, repeat?: number): Timer;
    static repeat(callback: (timer: Timer) => void, interval: number): Timer;
    static clear(timer: Timer | undefined | null): void;
    private brand: boolean;
  }
  export { Timer as default };
}
