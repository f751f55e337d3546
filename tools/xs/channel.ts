/**
 * The wire between an XS guest and `runInXs`, one JSON document per xsnap command each way.
 * Types only: both the guest bundle and the Node host import it.
 *
 * Guest to host: a message for `onMessage`, or a request for the run's input.
 * Host to guest: no bytes when the answer is `undefined` (the common `send` case), otherwise the
 * value, or the reason the host failed so that the guest's `request` can throw it.
 */
export type GuestCommand = { readonly kind: 'message'; readonly message: unknown } | { readonly kind: 'input' };

export type HostAnswer = { readonly value: unknown } | { readonly error: string };
