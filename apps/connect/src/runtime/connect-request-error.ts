/** A REST request the worker refuses; `status` is the HTTP status, the message says what to do instead. */
export class ConnectRequestError extends Error {
  override readonly name = 'ConnectRequestError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
