/** The failure a notifier reports as final: the provider says this recipient cannot be reached, so a retry would not help. */
export class RecipientUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecipientUnreachableError';
  }
}
