/** Why a sink did not deliver, and whether the same message may pass later. */
export interface DeliveryFailure {
  /**
   * Short, from a small set (`channel_not_found`, `http_503`, `smtp_550`, `network`...): it
   * labels a metric and is stored in the notification log, so it never holds message text.
   */
  reason: string;
  /** Trying again can help (network errors, rate limits, 5xx); false: it comes back every time. */
  retriable: boolean;
  /** Refused for what the message holds (invalid blocks, too long): a plainer message may pass. */
  contentRejected: boolean;
}

/**
 * What every sink throws when it does not deliver, retriable or not (as kafkajs marks its errors):
 * the dispatcher retries the one and gives up on the other, each channel on its own.
 */
export class DeliveryError extends Error implements DeliveryFailure {
  override readonly name = 'DeliveryError';
  readonly reason: string;
  readonly retriable: boolean;
  readonly contentRejected: boolean;

  constructor(failure: DeliveryFailure, options?: ErrorOptions) {
    super(`${failure.retriable ? 'retriable' : 'permanent'} delivery failure: ${failure.reason}`, options);
    this.reason = failure.reason;
    this.retriable = failure.retriable;
    this.contentRejected = failure.contentRejected;
  }
}

/** A failure no classification recognised: retried, since dropping a notification is worse. */
export function unrecognisedDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  return new DeliveryError({ reason: 'unknown', retriable: true, contentRejected: false }, { cause: error });
}

/** A configuration problem (nothing to deliver with, nowhere to deliver to): never passes by itself. */
export function misconfigured(reason: string): DeliveryError {
  return new DeliveryError({ reason, retriable: false, contentRejected: false });
}

const REASON = /^[a-z0-9_]{1,64}$/;

/** A reason as a remote system spelled it when it is a plain short token, else `otherwise`. */
export function reasonToken(text: unknown, otherwise: string): string {
  return typeof text === 'string' && REASON.test(text) ? text : otherwise;
}
