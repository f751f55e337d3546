/** Moddable's `time` module (also typed in the SDK's `typings/`): a monotonic ms counter. */
declare module 'time' {
  const Time: {
    readonly ticks: number;
    /** Not on every platform. */
    readonly microseconds?: number;
    delta(start: number, end?: number): number;
  };
  export { Time as default };
}
